/**
 * Resolving a target's environment: `nix print-dev-env --json <root>#<target>` (no shell, arguments
 * as an array, cancellable, time-limited, stderr streamed), turned into the variables and PATH
 * entries a terminal needs, plus the `.venv` the uv layer adds and the host's CUDA driver ahead of
 * any stub. Cached by the content of flake.nix, flake.lock, seam.toml and pyproject.toml, the target, the system
 * and the nix binary, so a second resolve (or switching back) runs no nix at all.
 */
import { errorMessage, SeamError } from '../errors';
import { cachedEnv, envKey, nixSystem, type ResolvedEnv, storeEnv, withVenv } from './cache';
import { untrustedCaches } from './caches';
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
  // A file git does not track, in each wording: nix 2.8 `getting status of '/nix/store/…-source/flake.nix':
  // No such file or directory`; later `path '/nix/store/…-source/flake.nix' does not exist`; 2.20+
  // `Path 'flake.nix' in the repository "…" is not tracked by Git`.
  const untracked =
    /getting status of '\/nix\/store\/[^']*?-source\/([^']+)': No such file or directory/.exec(stderr) ??
    /path '\/nix\/store\/[^']*?-source\/([^']+)' does not exist/.exec(stderr) ??
    /Path '([^']+)' in the repository "[^"]*" is not tracked by Git/.exec(stderr);
  if (untracked)
    return {
      kind: 'untracked',
      message: `${untracked[1]} is not tracked by git, so Nix cannot see it (a flake in a git repository sees only tracked files)`,
      fix: 'stage the files Seam generated (git add; no commit is needed)',
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
  // nixpkgs' check-meta: the package, and why (broken, unfree, not on this platform).
  const meta =
    /Package ‘([^’]+)’ in \S+ (is marked as broken|has an unfree license \(‘[^’]+’\)|is not available on the requested hostPlatform)/.exec(
      stderr,
    );
  if (meta)
    return {
      kind: 'eval',
      message: `the ${target} shell cannot be built here: ${meta[1]} ${meta[2].replace(' on the requested hostPlatform', ' on this system')}`,
      fix: '`seam plan` says which package needs it and why; pick another target, or another nixpkgs (seam.toml nixpkgs), or move the package to uv ([overrides] in seam.toml)',
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
  /** Extra arguments for nix (the user's answer about the flake's binary caches: --accept-flake-config or not). */
  nixArgs?: string[];
  /** Run the dev shell's shellHook too (default): .venv and the uv packages, as `nix develop` makes them. */
  shellHook?: boolean;
  /** Each line the shellHook prints, for a progress message. */
  progress?: (line: string) => void;
}

/** print-dev-env's variables: name → { type, value }. */
type DevVariables = Record<string, { type: string; value: unknown }>;

function devVariables(json: string): DevVariables {
  try {
    return (JSON.parse(json) as { variables?: DevVariables }).variables ?? {};
  } catch (e) {
    throw new ResolveError(
      `nix print-dev-env printed something that is not JSON: ${errorMessage(e)}`,
      'eval',
      'see the Seam log for the output',
      json.slice(0, 2000),
    );
  }
}

/** Turns print-dev-env's JSON (or its variables, already read) into a terminal environment. */
export function fromDevEnv(json: string | DevVariables, meta: { target: string; key: string; root: string; nixMs: number }): ResolvedEnv {
  const variables: Record<string, string> = {};
  const vars = typeof json === 'string' ? devVariables(json) : json;
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
  const args = ['print-dev-env', ...(options.nixArgs ?? []), '--json', `${options.root}#${options.target}`];
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
  const nixMs = Date.now() - started;
  const vars = devVariables(result.stdout);
  let env = fromDevEnv(vars, { target: options.target, key, root: options.root, nixMs });
  const ignored = untrustedCaches(result.stderr);
  if (ignored.length) env = { ...env, ignoredCaches: ignored };
  if (options.shellHook !== false) env = await withShellHook(env, vars, options);
  storeEnv(options.cacheDir, options.root, env);
  return { env, fromCache: false };
}

/** What the shellHook's run changes that is not the terminal's business (or is Seam's own doing). */
const HOOK_NOISE = new Set(['PWD', 'OLDPWD', 'SHLVL', '_', 'SEAM_HOOK', 'LD_LIBRARY_PATH', 'PYTHONPATH', 'PYTHONHOME']);

/**
 * The rest of the environment: the dev shell's own shellHook — the one definition of the uv layer
 * (`.venv` on the Nix Python, the stand-in wheels, `uv lock` and `uv sync` under the contract,
 * Nix's console scripts) — run by bash with the dev shell's variables, as `nix develop` runs it.
 * What it exports (VIRTUAL_ENV, UV_EXCLUDE, UV_PYTHON, …) and puts in front of PATH (.venv/bin)
 * joins the environment. The driver folder is the terminal's own business (LD_LIBRARY_PATH is not
 * taken). A hook that fails leaves the Nix half, with what it said.
 */
async function withShellHook(env: ResolvedEnv, vars: DevVariables, options: ResolveOptions): Promise<ResolvedEnv> {
  const hook = typeof vars.shellHook?.value === 'string' ? vars.shellHook.value : '';
  if (!hook.trim()) return env;
  const base = options.env ?? process.env;
  const input: NodeJS.ProcessEnv = { ...base };
  for (const [k, v] of Object.entries(vars))
    if (v.type === 'exported' && typeof v.value === 'string' && (!NOISE.has(k) || k === 'PATH')) input[k] = v.value;
  for (const k of env.unset) delete input[k];
  input.PATH = [...env.path, ...(base.PATH ?? '').split(':').filter(Boolean)].join(':');
  input.SEAM_HOOK = hook;
  input.SEAM_QUIET = '1'; // the driver message is the status bar's, not the log's
  const runner = options.runner ?? runProcess;
  const messages: string[] = [];
  const started = Date.now();
  options.log?.(`running the ${env.target} shell's shellHook (.venv, uv lock, uv sync)`);
  let r: RunResult;
  try {
    r = await runner('bash', ['--noprofile', '--norc', '-c', 'eval "$SEAM_HOOK" 1>&2; env -0'], {
      cwd: options.root,
      env: input,
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? 20 * 60_000,
      onStderr: (l) => {
        options.log?.(`shellHook: ${l}`);
        if (/^seam: /.test(l)) messages.push(l.replace(/^seam: /, ''));
        options.progress?.(l);
      },
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    return { ...env, hook: { ms: Date.now() - started, messages, failed: errorMessage(e) } };
  }
  if (options.signal?.aborted) throw abortError();
  const ms = Date.now() - started;
  if (r.code !== 0) return { ...env, hook: { ms, messages, failed: `the shellHook exited with ${r.code ?? 'a signal'}` } };
  const after = new Map<string, string>();
  for (const entry of r.stdout.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) after.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  const variables = { ...env.variables };
  for (const [k, v] of after) if (!HOOK_NOISE.has(k) && k !== 'PATH' && input[k] !== v) variables[k] = v;
  // What the hook put in front of PATH (.venv/bin), ahead of the dev shell's folders.
  const before = new Set(input.PATH.split(':'));
  const added = (after.get('PATH') ?? '').split(':').filter((p) => p && !before.has(p));
  return withVenv({ ...env, variables, path: [...new Set([...added, ...env.path])], hook: { ms, messages } }, options.root);
}
