/** Asking Nix itself: is this text a Nix expression (before Seam writes a flake.nix)? */
import * as nodePath from 'node:path';
import { type Runner, runProcess } from './process';

/** nix-instantiate beside the configured nix (a name on PATH stays a name). */
export function nixInstantiateFor(nix: string): string {
  return nodePath.isAbsolute(nix) ? nodePath.join(nodePath.dirname(nix), 'nix-instantiate') : 'nix-instantiate';
}

/**
 * Parses `text` with Nix's own parser (`nix-instantiate --parse -`, the text on stdin). Resolves
 * with null when it parses or when Nix is not installed (the generator's tests parse every shape
 * it writes), with Nix's message when it does not parse.
 */
export async function nixSyntaxError(
  text: string,
  options: { nix?: string; runner?: Runner; signal?: AbortSignal } = {},
): Promise<string | null> {
  const runner = options.runner ?? runProcess;
  try {
    const r = await runner(nixInstantiateFor(options.nix ?? 'nix'), ['--parse', '-'], {
      input: text,
      signal: options.signal,
      timeoutMs: 60_000,
    });
    return r.code === 0 ? null : r.stderr.trim() || `nix-instantiate exited with ${r.code}`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
