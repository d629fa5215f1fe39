/**
 * The machine's GPU side, from what its tools print: NVIDIA GPUs (`nvidia-smi --query-gpu=… --format=csv,noheader`,
 * else its default table, else /proc/driver/nvidia/version), WSL2, NixOS; the highest CUDA the
 * driver runs (NVIDIA's published table, bundled with its source); where the host's libcuda lives;
 * and which target to recommend. Pure: callers run the probes.
 */
import { defaultKnowledge } from '../knowledge/index';
import { compareVersions } from '../model/versions';
import { libcudaDir } from './driver';

export { libcudaDir } from './driver';

export const GPU_QUERY = ['--query-gpu=name,driver_version,compute_cap,memory.total', '--format=csv,noheader'];

export interface GpuProbes {
  platform: string;
  /** `nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total --format=csv,noheader` (stdout+stderr), null when nvidia-smi is missing. */
  query: string | null;
  /** Plain `nvidia-smi` output, when the query failed (drivers before R510 lack compute_cap). */
  table?: string | null;
  procNvidia: string | null;
  /** /usr/lib/wsl/lib exists (WSL2's GPU driver folder). */
  wsl: boolean;
  /** /run/opengl-driver/lib exists (NixOS). */
  nixos: boolean;
  /** `ldconfig -p` output, for finding the host's libcuda.so.1 elsewhere. */
  ldconfig?: string | null;
}

export interface Gpu {
  name: string;
  driver: string;
  computeCap: string | null;
  memoryMiB: number | null;
}

export interface Machine {
  platform: string;
  gpus: Gpu[];
  driver: string | null;
  /** Where the driver version came from. */
  source: 'nvidia-smi' | 'nvidia-smi table' | '/proc/driver/nvidia/version' | null;
  /** What nvidia-smi said when it failed. */
  error: string | null;
  wsl: boolean;
  nixos: boolean;
  /** The newest CUDA release whose GA driver this driver meets. */
  cudaCeiling: string | null;
  /** The folder holding the host's libcuda.so.1 (to put ahead of any stub). */
  driverLibDir: string | null;
}

/** Parses the CSV of GPU_QUERY: one GPU per line. */
export function parseGpuQuery(text: string): { gpus: Gpu[]; error: string | null } {
  const gpus: Gpu[] = [];
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  for (const line of lines) {
    const f = line.split(',').map((s) => s.trim());
    if (f.length < 4 || !/^\d+\.\d+/.test(f[1])) continue;
    const mem = /^(\d+)\s*MiB$/.exec(f[3]);
    gpus.push({ name: f[0], driver: f[1], computeCap: /^\d+\.\d+$/.test(f[2]) ? f[2] : null, memoryMiB: mem ? Number(mem[1]) : null });
  }
  return { gpus, error: gpus.length ? null : (lines[0] ?? 'nvidia-smi printed nothing') };
}

/** Reads nvidia-smi's default table (layouts from R440 to R590) or its error message. */
export function parseNvidiaSmi(text: string): { driver: string | null; cuda: string | null; gpus: string[]; error: string | null } {
  // The default table ("Driver Version: 570.133.20") and the -q report ("Driver Version    : 537.13").
  const driver = /Driver Version\s*:\s*([\d.]+)/.exec(text)?.[1] ?? null;
  const cuda = /CUDA Version\s*:\s*([\d.]+)/.exec(text)?.[1] ?? null;
  const gpus: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\|\s+(\d+)\s+(.+?)\s{2,}(On|Off)\s+\|/.exec(line) ?? /^\s{4}Product Name\s*:\s*(.+)$/.exec(line);
    if (m) gpus.push((m[2] ?? m[1]).trim());
  }
  const first = text.split(/\r?\n/).find((l) => l.trim());
  return { driver, cuda, gpus, error: driver ? null : (first?.trim() ?? 'nvidia-smi printed nothing') };
}

/** The driver version in /proc/driver/nvidia/version ("… Kernel Module … 550.144.03 …"). */
export function parseProcNvidia(text: string): string | null {
  return /Kernel Module(?: for \S+)?\s+([\d.]+)/.exec(text)?.[1] ?? null;
}

const versionCmp = (a: string, b: string) => {
  try {
    return compareVersions(a, b);
  } catch {
    return a.localeCompare(b, undefined, { numeric: true });
  }
};

/** The newest CUDA whose GA release's Linux driver is at most `driver`. */
export function cudaCeiling(driver: string): string | null {
  const table = defaultKnowledge().cuda.drivers;
  let best: string | null = null;
  for (const row of table.ga) if (versionCmp(driver, row.minDriver) >= 0 && (!best || versionCmp(row.cuda, best) > 0)) best = row.cuda;
  return best;
}

/** Whether a CUDA major's builds run on this driver (minor-version compatibility), even above the ceiling. */
export function familyRuns(driver: string, cuda: string): boolean {
  const major = Number(cuda.split('.')[0]);
  const family = defaultKnowledge().cuda.drivers.families.find((f) => f.major === major);
  return !!family && Number(driver.split('.')[0]) >= family.minBranch;
}

export function detectMachine(p: GpuProbes): Machine {
  const base: Machine = {
    platform: p.platform,
    gpus: [],
    driver: null,
    source: null,
    error: null,
    wsl: p.wsl,
    nixos: p.nixos,
    cudaCeiling: null,
    driverLibDir: null,
  };
  if (p.platform !== 'linux') return base;
  const q = p.query !== null ? parseGpuQuery(p.query) : null;
  if (q?.gpus.length) Object.assign(base, { gpus: q.gpus, driver: q.gpus[0].driver, source: 'nvidia-smi' });
  else if (p.table) {
    const t = parseNvidiaSmi(p.table);
    if (t.driver)
      Object.assign(base, {
        gpus: t.gpus.map((name) => ({ name, driver: t.driver!, computeCap: null, memoryMiB: null })),
        driver: t.driver,
        source: 'nvidia-smi table',
      });
    else base.error = t.error;
  } else if (q) base.error = q.error;
  if (!base.driver && p.procNvidia) {
    const d = parseProcNvidia(p.procNvidia);
    if (d) Object.assign(base, { driver: d, source: '/proc/driver/nvidia/version' });
  }
  if (base.driver) base.cudaCeiling = cudaCeiling(base.driver);
  base.driverLibDir = p.nixos ? '/run/opengl-driver/lib' : p.wsl ? '/usr/lib/wsl/lib' : p.ldconfig ? libcudaDir(p.ldconfig) : null;
  return base;
}

export interface Recommendation {
  target: 'cpu' | 'cuda';
  reason: string;
  /** Set when the flake's CUDA needs more than this driver has. */
  warning?: string;
}

/** cuda when a GPU and a driver that runs the flake's CUDA are present; cpu otherwise, saying why. */
export function recommendTarget(m: Machine, flakeCuda: string): Recommendation {
  if (!m.driver)
    return {
      target: 'cpu',
      reason: m.error
        ? `nvidia-smi failed: ${m.error}`
        : m.platform === 'linux'
          ? 'no NVIDIA GPU found'
          : `${m.platform}: CUDA shells are for Linux`,
    };
  const gpu = m.gpus.length ? `${m.gpus.length}× ${[...new Set(m.gpus.map((g) => g.name))].join(', ')}` : 'an NVIDIA GPU';
  if (m.cudaCeiling && versionCmp(m.cudaCeiling, flakeCuda) >= 0)
    return { target: 'cuda', reason: `${gpu}, driver ${m.driver} runs CUDA up to ${m.cudaCeiling}; the flake uses ${flakeCuda}` };
  if (familyRuns(m.driver, flakeCuda))
    return {
      target: 'cuda',
      reason: `${gpu}, driver ${m.driver}`,
      warning: `the flake uses CUDA ${flakeCuda} and driver ${m.driver} runs up to ${m.cudaCeiling ?? '?'} fully; CUDA ${flakeCuda.split('.')[0]}.x builds still run through minor-version compatibility, without newer features (PTX JIT). Update the driver, or set cuda.version in seam.toml to ${m.cudaCeiling ?? 'an older CUDA'}`,
    };
  return {
    target: 'cpu',
    reason: `${gpu}, but driver ${m.driver} is too old`,
    warning: `the flake uses CUDA ${flakeCuda}, which needs a newer driver than ${m.driver} (it runs up to CUDA ${m.cudaCeiling ?? '?'}): update the driver, or set cuda.version in seam.toml to ${m.cudaCeiling ?? 'an older CUDA'}`,
  };
}
