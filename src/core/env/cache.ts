/**
 * The resolved-environment cache, apart from resolving so that a cached `seam env` loads nothing
 * else: a target's environment is stored under Seam's cache, keyed by the content of flake.nix,
 * flake.lock, seam.toml and pyproject.toml, the target, the system and the nix binary (path, size, time) and
 * NIX_CONFIG; a hit runs no nix at all.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';

export interface ResolvedEnv {
  target: string;
  system: string;
  key: string;
  /** Variables to set (replacing what was there). */
  variables: Record<string, string>;
  /** Folders to put in front of PATH, in order. */
  path: string[];
  /** Variables to clear (PYTHONPATH leaks from nixpkgs' Python tooling). */
  unset: string[];
  /** The uv layer, when .venv exists. */
  venv: string | null;
  resolvedAt: string;
  /** How long nix took, for the log and the benchmark. */
  nixMs: number;
  /** Binary caches (or flake settings) nix ignored because this user may not add them (not a trusted user). */
  ignoredCaches?: string[];
  /** What the shell's own shellHook said while it made .venv and synced the uv packages ("seam: …" lines). */
  hook?: { ms: number; messages: string[]; failed?: string };
}

export function nixSystem(platform = process.platform, arch = process.arch): string {
  const cpu = arch === 'x64' ? 'x86_64' : arch === 'arm64' ? 'aarch64' : arch;
  return `${cpu}-${platform === 'darwin' ? 'darwin' : 'linux'}`;
}

function fileOrEmpty(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Where a program name resolves on PATH (an executable file), or null; a path is taken as it is. */
export function findOnPath(cmd: string, env: Record<string, string | undefined>): string | null {
  if (cmd.includes('/')) return cmd;
  for (const dir of (env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const p = nodePath.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* next */
    }
  }
  return null;
}

/** The cache key: the inputs that change a dev shell, without running nix (the nix binary by path, size and time). */
export function envKey(root: string, target: string, nix: string, env: NodeJS.ProcessEnv = process.env): string {
  const h = crypto.createHash('sha256');
  // pyproject.toml too: the shellHook syncs .venv from it (uv.lock is the hook's own output, so not an input).
  for (const f of ['flake.nix', 'flake.lock', 'seam.toml', 'pyproject.toml']) h.update(`${f}\0${fileOrEmpty(nodePath.join(root, f))}\0`);
  const bin = findOnPath(nix, env) ?? nix;
  let identity = bin;
  try {
    const real = fs.realpathSync(bin);
    const st = fs.statSync(real);
    identity = `${real}:${st.size}:${st.mtimeMs}`;
  } catch {
    /* not found: the resolve will say so */
  }
  h.update(`${target}\0${nixSystem()}\0${identity}\0${env.NIX_CONFIG ?? ''}`);
  return h.digest('hex').slice(0, 32);
}

function cacheFile(cacheDir: string, root: string, target: string): string {
  const id = crypto.createHash('sha256').update(root).digest('hex').slice(0, 16);
  return nodePath.join(cacheDir, 'env', `${id}-${target}.json`);
}

/** The cached environment for these inputs, or null (no nix is run). */
export function cachedEnv(options: {
  root: string;
  target: string;
  nix: string;
  cacheDir: string;
  env?: NodeJS.ProcessEnv;
}): ResolvedEnv | null {
  const key = envKey(options.root, options.target, options.nix, options.env ?? process.env);
  try {
    const env = JSON.parse(fs.readFileSync(cacheFile(options.cacheDir, options.root, options.target), 'utf8')) as ResolvedEnv;
    return env.key === key ? withVenv(env, options.root) : null;
  } catch {
    return null;
  }
}

/** Adds the uv layer when .venv exists now (it may appear after the shell was first resolved). */
export function withVenv(env: ResolvedEnv, root: string): ResolvedEnv {
  const venv = nodePath.join(root, '.venv');
  const has = fs.existsSync(nodePath.join(venv, 'pyvenv.cfg'));
  const variables: Record<string, string> = { ...env.variables, UV_PROJECT_ENVIRONMENT: venv };
  if (has) variables.VIRTUAL_ENV = venv;
  else delete variables.VIRTUAL_ENV;
  const path = env.path.filter((p) => p !== nodePath.join(venv, 'bin'));
  return { ...env, variables, path: has ? [nodePath.join(venv, 'bin'), ...path] : path, venv: has ? venv : null };
}

/** Stores a resolved environment (written aside, then renamed: a reader never sees half a file). */
export function storeEnv(cacheDir: string, root: string, env: ResolvedEnv): void {
  const file = cacheFile(cacheDir, root, env.target);
  fs.mkdirSync(nodePath.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(env));
  fs.renameSync(tmp, file);
}
