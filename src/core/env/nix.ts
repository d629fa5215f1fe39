/** Asking Nix itself: is this text a Nix expression (before Seam writes a flake.nix)? */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { NIX_FLAGS } from '../knowledge/pin';
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

/** Nix's first error paragraph, on one line (without its trace hints). */
function firstError(stderr: string): string {
  const lines = stderr.split('\n');
  const start = lines.findIndex((l) => /^error:/.test(l.trim()));
  if (start < 0) return stderr.trim().split('\n').pop() || 'does not evaluate';
  const para: string[] = [];
  for (const l of lines.slice(start)) {
    if (!l.trim() && para.length) break;
    if (/^\s*\(use '--show-trace'/.test(l)) continue;
    para.push(l.trim());
  }
  const text = para.join(' ').replace(/^error:\s*/, '');
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}

export interface ShellCheck {
  /** False when Nix could not be asked (not installed, the nixpkgs not reachable): nothing is known. */
  checked: boolean;
  /** Why it could not check. */
  why?: string;
  /** Each declared shell that does not evaluate, with Nix's message (the package and the reason). */
  failures: { system: string; target: string; message: string }[];
}

const EVAL_FLAGS = [...NIX_FLAGS, '--no-write-lock-file', '--option', 'download-attempts', '1'];

/**
 * Evaluates the `drvPath` of every dev shell `flakeText` declares, on every system, without
 * building anything: the flake is written alone into `dir` (a fresh folder; Seam's stage) and
 * asked as `path:`. A shell that fails is asked again on its own for Nix's message.
 */
export async function evaluateShells(
  flakeText: string,
  dir: string,
  options: { nix?: string; runner?: Runner; env?: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<ShellCheck> {
  const runner = options.runner ?? runProcess;
  const nix = options.nix ?? 'nix';
  fs.writeFileSync(nodePath.join(dir, 'flake.nix'), flakeText);
  const ref = `path:${dir}`;
  const apply = 'ds: builtins.mapAttrs (system: shells: builtins.mapAttrs (name: s: (builtins.tryEval s.drvPath).success) shells) ds';
  const opts = { cwd: dir, env: options.env, signal: options.signal, timeoutMs: 30 * 60_000 };
  let r: Awaited<ReturnType<Runner>>;
  try {
    r = await runner(nix, ['eval', '--json', ...EVAL_FLAGS, `${ref}#devShells`, '--apply', apply], opts);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { checked: false, why: 'nix is not installed', failures: [] };
    throw e;
  }
  if (r.code !== 0) {
    const line =
      r.stderr
        .split('\n')
        .map((l) => l.trim())
        .find((l) => /^error:/.test(l)) ??
      r.stderr.trim().split('\n').pop() ??
      '';
    // The nixpkgs it pins cannot be fetched (offline): nothing can be said about the shells.
    if (/unable to download|Couldn't resolve host|cannot find flake|does not exist|getting status of .*No such file/.test(r.stderr))
      return { checked: false, why: line.replace(/^error:\s*/, ''), failures: [] };
    // An error tryEval cannot catch (a missing attribute): find the shells it breaks one by one.
    const names = await runner(
      nix,
      ['eval', '--json', ...EVAL_FLAGS, `${ref}#devShells`, '--apply', 'builtins.mapAttrs (system: builtins.attrNames)'],
      opts,
    );
    if (names.code !== 0) return { checked: true, failures: [{ system: '*', target: '*', message: line.replace(/^error:\s*/, '') }] };
    const all = JSON.parse(names.stdout) as Record<string, string[]>;
    return {
      checked: true,
      failures: await failingShells(
        Object.fromEntries(Object.entries(all).map(([s, ts]) => [s, Object.fromEntries(ts.map((t) => [t, false]))])),
      ),
    };
  }
  return { checked: true, failures: await failingShells(JSON.parse(r.stdout) as Record<string, Record<string, boolean>>) };

  async function failingShells(ok: Record<string, Record<string, boolean>>): Promise<ShellCheck['failures']> {
    const failures: ShellCheck['failures'] = [];
    for (const [system, shells] of Object.entries(ok)) {
      for (const [target, success] of Object.entries(shells)) {
        if (success || target === 'default') continue;
        const one = await runner(nix, ['eval', '--raw', ...EVAL_FLAGS, `${ref}#devShells.${system}.${target}.drvPath`], opts);
        if (one.code !== 0) failures.push({ system, target, message: firstError(one.stderr) });
      }
    }
    return failures;
  }
}
