/**
 * "Will it download or compile?" before anything builds: for one dev shell of a project's flake,
 * Nix's own dry run (`nix build --dry-run`, which asks the configured binary caches for every
 * path the shell needs) says what would be fetched (count and download size) and what would be
 * built; Seam names the heavy builds with a rough time. Nothing is built or downloaded.
 */
import { NIX_FLAGS } from '../knowledge/pin';
import { type Runner, runProcess } from './process';

/** Builds that take long when a cache does not have them, with a rough time on a big machine. */
export const HEAVY: { pattern: RegExp; name: string; time: string }[] = [
  { pattern: /^torch(vision|audio)?$/, name: 'torch', time: '2–6 hours' },
  { pattern: /^triton$/, name: 'triton', time: '1–2 hours' },
  { pattern: /^jaxlib$/, name: 'jaxlib', time: '2–4 hours' },
  { pattern: /^tensorflow(-bin)?$/, name: 'tensorflow', time: '3–6 hours' },
  { pattern: /^magma$/, name: 'magma', time: '1–2 hours' },
  { pattern: /^xformers$/, name: 'xformers', time: '1–2 hours' },
  { pattern: /^opencv\d?$/, name: 'opencv', time: '30–60 minutes' },
  { pattern: /^onnxruntime$/, name: 'onnxruntime', time: '1–2 hours' },
  { pattern: /^flash-attn$/, name: 'flash-attn', time: '1–3 hours' },
  { pattern: /^vllm$/, name: 'vllm', time: '1–2 hours' },
  { pattern: /^(bitsandbytes|deepspeed|apex|cupy|faiss|llvm|gcc)$/, name: '', time: '20–60 minutes' },
];

export interface CacheReport {
  /** False when Nix could not be asked or a cache could not be reached: nothing is known. */
  checked: boolean;
  why?: string;
  fetch: { paths: number; downloadBytes: number };
  build: { name: string; heavy: boolean; time?: string }[];
  /** Caches that could not be reached: what they have is counted as built. */
  unreachable?: string[];
}

/** The name of a store path or derivation: /nix/store/<hash>-python3.13-torch-2.9.1.drv → python3.13-torch-2.9.1. */
function storeName(path: string): string {
  return path.replace(/^\/nix\/store\/[a-z0-9]{32}-/, '').replace(/\.drv$/, '');
}

/** The package name of a store path, derivation or store name: /nix/store/<hash>-python3.13-torch-2.9.1.drv → torch. */
export function pnameOf(name: string): string {
  const noPython = storeName(name).replace(/^python\d+\.\d+-/, '');
  return noPython.replace(/-\d[^-]*(-.*)?$/, '');
}

const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };

/** Reads `nix build --dry-run`'s report (stderr). */
export function parseDryRun(stderr: string): Omit<CacheReport, 'checked' | 'why'> {
  const build: CacheReport['build'] = [];
  const fetch = { paths: 0, downloadBytes: 0 };
  let section: 'build' | 'fetch' | null = null;
  for (const line of stderr.split('\n')) {
    const built = /^this derivation will be built:|^these (\d+) derivations will be built:/.exec(line);
    const fetched =
      /^this path will be fetched \(([\d.]+) (\w+) download|^these (\d+) paths will be fetched \(([\d.]+) (\w+) download/.exec(line);
    if (built) section = 'build';
    else if (fetched) {
      section = 'fetch';
      const [amount, unit] = fetched[1] ? [fetched[1], fetched[2]] : [fetched[4], fetched[5]];
      fetch.downloadBytes += Math.round(Number(amount) * (UNITS[unit] ?? 1));
    } else if (/^\s+\/nix\/store\//.test(line) && section) {
      if (section === 'fetch') fetch.paths++;
      else {
        const name = storeName(line.trim());
        // The shell's own derivation and Seam's small text files are not what `nix develop` waits for.
        if (/^seam-(cpu|cuda|nix-owned\.txt|uv\.py)$/.test(name)) continue;
        const heavy = HEAVY.find((h) => h.pattern.test(pnameOf(name)));
        build.push({ name, heavy: !!heavy && heavy.name !== '', ...(heavy ? { time: heavy.time } : {}) });
      }
    } else if (!/^\s/.test(line)) section = null;
  }
  return { fetch, build };
}

/**
 * Asks Nix what building `installable` (a dev shell: `path#devShells.<system>.<target>`) would
 * fetch and build. Offline, or when a cache cannot be reached, it says it could not check.
 */
export async function cacheReport(
  installable: string,
  options: { nix?: string; runner?: Runner; env?: NodeJS.ProcessEnv; cwd?: string; signal?: AbortSignal } = {},
): Promise<CacheReport> {
  const runner = options.runner ?? runProcess;
  const none = (why: string): CacheReport => ({ checked: false, why, fetch: { paths: 0, downloadBytes: 0 }, build: [] });
  let r: Awaited<ReturnType<Runner>>;
  try {
    r = await runner(
      options.nix ?? 'nix',
      [
        ...NIX_FLAGS,
        'build',
        '--dry-run',
        '--no-link',
        '--no-write-lock-file',
        '--accept-flake-config',
        '--option',
        'download-attempts',
        '2',
        installable,
      ],
      { cwd: options.cwd, env: options.env, signal: options.signal, timeoutMs: 10 * 60_000 },
    );
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return none('nix is not installed');
    throw e;
  }
  if (r.code !== 0)
    return none(
      r.stderr
        .split('\n')
        .find((l) => /^error:/.test(l))
        ?.replace(/^error:\s*/, '') ?? `nix exited with ${r.code}`,
    );
  // A cache that cannot be reached (offline, a firewall) has answered nothing: what it has counts as built.
  const unreachable = [
    ...new Set(
      r.stderr
        .split('\n')
        .filter((l) => /unable to download|disabling binary cache|Couldn't resolve host|is not reachable/i.test(l))
        .map((l) => /(https?|s3|ssh):\/\/[^/'\s]+/.exec(l)?.[0] ?? l.trim()),
    ),
  ].sort();
  const report = parseDryRun(r.stderr);
  if (unreachable.length && !report.fetch.paths)
    return none(`no binary cache could be reached (${unreachable.join(', ')}): nothing is known of what they have`);
  return { checked: true, ...report, ...(unreachable.length ? { unreachable } : {}) };
}

/** One line for people: what the shell downloads and what it compiles, heavy builds named. */
export function describeCache(target: string, c: CacheReport): string {
  if (!c.checked) return `${target} shell: could not ask the binary caches (${c.why})`;
  const mb = (b: number) =>
    b >= 1024 ** 3
      ? `${(b / 1024 ** 3).toFixed(1)} GiB`
      : b >= 1024 ** 2
        ? `${(b / 1024 ** 2).toFixed(1)} MiB`
        : `${Math.max(1, Math.round(b / 1024))} KiB`;
  const fetched = c.fetch.paths
    ? `downloads ${c.fetch.paths} path${c.fetch.paths === 1 ? '' : 's'} (${mb(c.fetch.downloadBytes)})`
    : 'downloads nothing';
  const heavy = c.build.filter((b) => b.heavy);
  const built = c.build.length
    ? `builds ${c.build.length} locally${heavy.length ? `, heavy: ${heavy.map((h) => `${pnameOf(h.name)} (${h.time})`).join(', ')}` : ''}`
    : 'builds nothing';
  const missing = c.unreachable?.length ? ` (${c.unreachable.join(', ')} could not be reached: what they have counts as built)` : '';
  return `${target} shell: ${fetched}, ${built}${missing}`;
}

/**
 * Whether the binary cache at `url` (https://, file://, s3://) has `storePath`: Nix asks it for
 * the path's .narinfo (`nix path-info --store`). null when the cache cannot be reached.
 */
export async function cacheHas(
  url: string,
  storePath: string,
  options: { nix?: string; runner?: Runner; env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {},
): Promise<boolean | null> {
  const runner = options.runner ?? runProcess;
  const r = await runner(
    options.nix ?? 'nix',
    [...NIX_FLAGS, 'path-info', '--option', 'download-attempts', '2', '--store', url, storePath],
    { env: options.env, signal: options.signal, timeoutMs: 120_000 },
  );
  if (r.code === 0) return true;
  if (/is not valid|does not exist|not found/i.test(r.stderr)) return false;
  return null;
}

/** The binary caches a flake names in its nixConfig (extra-substituters with their keys), read from its text. */
export function flakeCaches(flakeText: string): { url: string; publicKey: string | null }[] {
  const config = /nixConfig\s*=\s*\{([\s\S]*?)\n\s*\};/.exec(flakeText)?.[1] ?? '';
  const list = (key: string) =>
    [...(new RegExp(`${key}\\s*=\\s*\\[([^\\]]*)\\]`).exec(config)?.[1] ?? '').matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
  const urls = list('extra-substituters');
  const keys = list('extra-trusted-public-keys');
  // Seam writes each cache's key at the same place in the second list.
  return urls.map((url, i) => ({ url, publicKey: keys[i] ?? null }));
}

/** Nix's words when the user may not add substituters (not a trusted user): the caches were not used. */
export function untrustedCaches(stderr: string): string[] {
  return [...new Set([...stderr.matchAll(/ignoring untrusted (?:substituter|flake configuration setting) '([^']+)'/g)].map((m) => m[1]))];
}
