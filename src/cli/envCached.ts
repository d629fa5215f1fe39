/**
 * `seam env` from the cache, loading nothing but the cache reader: a shell hook may run it on every
 * prompt, the way direnv is called, so it must cost little more than starting node. It answers only
 * when the environment and the driver folder are cached and the arguments are plain; otherwise it
 * returns null and the full CLI (which resolves, explains errors, prints usage) takes over.
 */
import * as nodePath from 'node:path';
import { cachedEnv, type ResolvedEnv } from '../core/env/cache';
import { rememberedDriverFolder, seamCacheDir } from '../core/env/driver';
import { shellExports, type TerminalEnvironment, terminalEnvironment } from '../core/env/terminal';

/** What `seam env` prints: shell code to eval, or JSON. */
export function formatEnv(terminal: TerminalEnvironment, resolved: ResolvedEnv, fromCache: boolean, json: boolean): string {
  return json
    ? `${JSON.stringify({ ...terminal, key: resolved.key, system: resolved.system, fromCache }, null, 2)}\n`
    : shellExports(terminal);
}

/** `seam env ARGS` answered from the cache, or null when the full CLI must answer. */
export function cachedEnvOutput(args: string[], cwd: string, env: Record<string, string | undefined>): string | null {
  let target = 'cpu';
  let json = false;
  let dir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') json = true;
    else if (a === '--target' && i + 1 < args.length) target = args[++i];
    else if (a.startsWith('--target=')) target = a.slice('--target='.length);
    else if (!a.startsWith('-') && dir === undefined) dir = a;
    else return null;
  }
  if (target !== 'cpu' && target !== 'cuda') return null;
  const cacheDir = seamCacheDir(env);
  const root = nodePath.resolve(cwd, dir ?? '.');
  const resolved = cachedEnv({ root, target, nix: env.SEAM_NIX ?? 'nix', cacheDir, env: env as NodeJS.ProcessEnv });
  if (!resolved) return null;
  const driver = target === 'cuda' ? rememberedDriverFolder(cacheDir) : null;
  if (driver === undefined) return null;
  return formatEnv(terminalEnvironment(resolved, driver), resolved, true, json);
}
