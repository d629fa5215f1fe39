/**
 * Resolving a target's environment: `nix print-dev-env --json <root>#<target>` (no shell, arguments
 * as an array, cancellable, time-limited, stderr streamed), turned into the variables and PATH
 * entries a terminal needs, plus the `.venv` the uv layer adds and the host's CUDA driver ahead of
 * any stub. Cached by the content of flake.nix, flake.lock and seam.toml, the target, the system
 * and the nix binary, so a second resolve (or switching back) runs no nix at all.
 */
import { errorMessage, SeamError } from '../errors';
import { cachedEnv, envKey, nixSystem, type ResolvedEnv, storeEnv, withVenv } from './cache';
import { abortError, type Runner, type RunResult, runProcess } from './process';

export { cachedEnv, envKey, nixSystem, type ResolvedEnv } from './cache';

export type { Runner, RunOptions, RunResult } from './process';

/** Variables a dev shell's builder environment carries that make no sense in a user's terminal. */
const NOISE = new Set([
  'HOME',
  'TMPDIR',
  'TEMP',
  'TMP',
  'TEMPDIR',
  'NIX_BUILD_TOP',
  'NIX_BUILD_CORES',
  'NIX_LOG_FD',
  'NIX_STORE',
  'PWD',
  'OLDPWD',
  'SHLVL',
  'TERM',
  'SHELL',
  'builder',
  'out',
  'outputs',
  'shellHook',
  'dontAddDisableDepTrack',
  'stdenv',
  'system',
  'name',
  'args',
  'NIX_ENFORCE_PURITY',
  'SOURCE_DATE_EPOCH',
  'PYTHONHASHSEED',
  'PYTHONNOUSERSITE',
  'DETERMINISTIC_BUILD',
  'LANG',
  'LC_ALL',
  'TZ',
  'HOST_PATH',
  'PATH',
]);

export type NixFailure = 'nix-missing' | 'flakes-disabled' | 'untracked' | 'no-target' | 'download' | 'eval';

export class ResolveError extends SeamError {
  constructor(
    message: string,
    readonly kind: NixFailure,
    readonly fix: string,
    readonly output: string,
  ) {
    super(message);
    this.name = 'ResolveError';
  }
}

/** What went wrong in nix's stderr, and the exact fix. */
export function classifyNixError(stderr: string, target: string): { kind: NixFailure; message: string; fix: string } {
  const line =
    stderr
      .split('\n')
      .find((l) => /^error:/.test(l.trim()))
      ?.trim() ??
    stderr.trim().split('\n').pop() ??
    'nix failed';
  if (/experimental Nix feature '(nix-command|flakes)' is disabled/.test(stderr))
    return {
      kind: 'flakes-disabled',
      message: 'flakes are not enabled in Nix',
      fix: 'add `experimental-features = nix-command flakes` to ~/.config/nix/nix.conf (or /etc/nix/nix.conf), then try again',
    };
  if (/No such file or directory/.test(stderr) && /-source\/flake\.nix|flake\.nix/.test(stderr) && /Git tree|git/.test(stderr + line))
    return {
      kind: 'untracked',
      message: 'flake.nix is not tracked by git, so Nix cannot see it',
      fix: 'run `git add flake.nix seam.toml` (a flake in a git repository sees only tracked files; no commit is needed)',
    };
  if (/does not provide attribute '[^']*devShells[^']*'/.test(stderr))
    return {
      kind: 'no-target',
      message: `flake.nix has no ${target} shell for this system`,
      fix: `run "Seam: Convert to reproducible env" (or \`seam convert\`) again, or pick another target; seam.toml lists the targets and systems`,
    };
  if (/unable to download|Couldn't resolve host|Could not resolve host/.test(stderr))
    return {
      kind: 'download',
      message: 'nix could not download an input (offline?)',
      fix: 'connect to the network once so Nix can fetch nixpkgs; flake.lock then pins it and later starts use the cache',
    };
  return {
    kind: 'eval',
    message: line.replace(/^error:\s*/, ''),
    fix: `see the full nix output in the Seam log; \`nix develop .#${target}\` shows the same error`,
  };
}

export interface ResolveOptions {
  root: string;
  target: string;
  nix: string;
  /** The extension's storage (or ~/.cache/seam for the CLI). */
  cacheDir: string;
  runner?: Runner;
  signal?: AbortSignal;
  timeoutMs?: number;
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Ignore the cache. */
  fresh?: boolean;
}

/** Turns print-dev-env's JSON into a terminal environment. */
export function fromDevEnv(json: string, meta: { target: string; key: string; root: string; nixMs: number }): ResolvedEnv {
  let doc: { variables?: Record<string, { type: string; value: unknown }> };
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new ResolveError(
      `nix print-dev-env printed something that is not JSON: ${errorMessage(e)}`,
      'eval',
      'see the Seam log for the output',
      json.slice(0, 2000),
    );
  }
  const variables: Record<string, string> = {};
  const vars = doc.variables ?? {};
  for (const [k, v] of Object.entries(vars)) {
    if (v.type !== 'exported' || typeof v.value !== 'string' || NOISE.has(k)) continue;
    if ((k === 'SSL_CERT_FILE' || k === 'NIX_SSL_CERT_FILE') && v.value === '/no-cert-file.crt') continue;
    variables[k] = v.value;
  }
  const devPath = typeof vars.PATH?.value === 'string' ? (vars.PATH.value as string).split(':') : [];
  const path = [...new Set(devPath.filter((p) => p && p !== '/path-not-set' && !p.startsWith('/homeless-shelter')))];
  return withVenv(
    {
      target: meta.target,
      system: nixSystem(),
      key: meta.key,
      variables,
      path,
      unset: ['PYTHONPATH', 'PYTHONHOME'],
      venv: null,
      resolvedAt: new Date().toISOString(),
      nixMs: meta.nixMs,
    },
    meta.root,
  );
}

/** Resolves (or takes from the cache) the environment of `target`. Throws ResolveError with the fix. */
export async function resolveEnv(options: ResolveOptions): Promise<{ env: ResolvedEnv; fromCache: boolean }> {
  const baseEnv = options.env ?? process.env;
  if (!options.fresh) {
    const cached = cachedEnv(options);
    if (cached) return { env: cached, fromCache: true };
  }
  const key = envKey(options.root, options.target, options.nix, baseEnv);
  const runner = options.runner ?? runProcess;
  const args = ['print-dev-env', '--json', `${options.root}#${options.target}`];
  options.log?.(`running ${options.nix} ${args.join(' ')}`);
  const started = Date.now();
  let result: RunResult;
  try {
    result = await runner(options.nix, args, {
      cwd: options.root,
      env: baseEnv,
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? 10 * 60_000,
      onStderr: (l) => options.log?.(`nix: ${l}`),
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT')
      throw new ResolveError(
        `nix is not installed (looked for '${options.nix}')`,
        'nix-missing',
        'install Nix (https://nixos.org/download), or set seam.nixPath to where it is',
        '',
      );
    if (err.name === 'AbortError') throw e;
    throw new ResolveError(`could not run nix: ${err.message}`, 'eval', 'see the Seam log', '');
  }
  if (options.signal?.aborted) throw abortError();
  if (result.code !== 0) {
    const c = classifyNixError(result.stderr, options.target);
    throw new ResolveError(c.message, c.kind, c.fix, result.stderr);
  }
  const env = fromDevEnv(result.stdout, { target: options.target, key, root: options.root, nixMs: Date.now() - started });
  storeEnv(options.cacheDir, options.root, env);
  return { env, fromCache: false };
}
