/**
 * "Is this machine ready?": Nix installed and new enough, flakes on, a GPU and a driver new enough
 * for the plan's CUDA. Pure: the editor and the CLI run the probes (only in a trusted workspace)
 * and hand their output here; every missing piece comes back with how to fix it.
 */

export interface SetupProbes {
  platform: string;
  /** `nix --version` output, or null when nix is not found. */
  nixVersion: string | null;
  /** `nix show-config` output (or `nix config show`), null when it could not run. */
  nixConfig: string | null;
  /** `nvidia-smi` output (stdout + stderr), null when nvidia-smi is not found. */
  nvidiaSmi: string | null;
  /** /proc/driver/nvidia/version, null when absent. */
  procNvidia: string | null;
  /** Whether /run/opengl-driver/lib exists (NixOS's driver path). */
  openglDriver: boolean;
}

export type CheckStatus = 'ok' | 'warning' | 'missing' | 'info';

export interface SetupCheck {
  id: 'nix' | 'flakes' | 'gpu' | 'driver';
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do, in one or two sentences; absent when nothing is needed. */
  fix?: string;
}

export interface NvidiaSmi {
  driver: string | null;
  cuda: string | null;
  gpus: string[];
  error: string | null;
}

/** Reads nvidia-smi's default table (every layout from R440 to R590) or its error message. */
export function parseNvidiaSmi(text: string): NvidiaSmi {
  const driver = /Driver Version:\s*([\d.]+)/.exec(text)?.[1] ?? null;
  const cuda = /CUDA Version:\s*([\d.]+)/.exec(text)?.[1] ?? null;
  const gpus: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\|\s+(\d+)\s+(.+?)\s{2,}(On|Off)\s+\|/.exec(line);
    if (m) gpus.push(m[2].trim());
  }
  let error: string | null = null;
  if (!driver) {
    const first = text.split(/\r?\n/).find((l) => l.trim());
    error = first?.trim() ?? 'nvidia-smi printed nothing';
  }
  return { driver, cuda, gpus, error };
}

/** The driver version in /proc/driver/nvidia/version ("… Kernel Module … 550.144.03 …"). */
export function parseProcNvidia(text: string): string | null {
  return /Kernel Module(?: for \S+)?\s+([\d.]+)/.exec(text)?.[1] ?? null;
}

/** The lowest driver branch that runs a CUDA major's builds (NVIDIA's minor-version compatibility table). */
const MIN_DRIVER_BRANCH: Record<number, number> = { 11: 450, 12: 525, 13: 580 };

function nixTooOld(version: string): boolean {
  const m = /(\d+)\.(\d+)/.exec(version);
  return !!m && (Number(m[1]) < 2 || (Number(m[1]) === 2 && Number(m[2]) < 4));
}

export function evaluateSetup(p: SetupProbes, cudaVersion: string): SetupCheck[] {
  const checks: SetupCheck[] = [];
  if (p.nixVersion === null) {
    checks.push({ id: 'nix', title: 'Nix', status: 'missing', detail: 'nix is not installed (or not on PATH, or not where the seam.nixPath setting says)', fix: 'Install Nix (https://nixos.org/download: `sh <(curl -L https://nixos.org/nix/install) --daemon`), open a new terminal, then run Check setup again.' });
  } else {
    const version = /(\d+\.\d+(?:\.\d+)?)/.exec(p.nixVersion)?.[1] ?? p.nixVersion.trim();
    if (nixTooOld(version)) checks.push({ id: 'nix', title: 'Nix', status: 'missing', detail: `Nix ${version} is older than 2.4, which has no flakes`, fix: 'Upgrade Nix to 2.4 or newer (nix upgrade-nix, or your distribution\'s package).' });
    else checks.push({ id: 'nix', title: 'Nix', status: 'ok', detail: `Nix ${version}` });
  }
  if (p.nixVersion !== null) {
    const features = /^\s*experimental-features\s*=\s*(.*)$/m.exec(p.nixConfig ?? '')?.[1]?.split(/\s+/) ?? [];
    if (features.includes('flakes') && features.includes('nix-command')) checks.push({ id: 'flakes', title: 'Flakes', status: 'ok', detail: 'nix-command and flakes are on' });
    else checks.push({ id: 'flakes', title: 'Flakes', status: 'missing', detail: p.nixConfig === null ? 'could not read Nix\'s settings' : `experimental-features is "${features.join(' ')}"`, fix: 'Add `experimental-features = nix-command flakes` to ~/.config/nix/nix.conf (or /etc/nix/nix.conf) and restart the nix daemon if you have one.' });
  }
  if (p.platform === 'darwin') {
    checks.push({ id: 'gpu', title: 'GPU', status: 'info', detail: 'macOS: the cpu shell works here; the cuda shell is for Linux machines with an NVIDIA GPU' });
    return checks;
  }
  const smi = p.nvidiaSmi === null ? null : parseNvidiaSmi(p.nvidiaSmi);
  const driver = smi?.driver ?? (p.procNvidia ? parseProcNvidia(p.procNvidia) : null);
  if (smi === null && !driver) {
    checks.push({ id: 'gpu', title: 'GPU', status: 'info', detail: 'no NVIDIA GPU found (no nvidia-smi, no /proc/driver/nvidia): use the cpu target here; the cuda shell is for GPU machines' });
    return checks;
  }
  if (smi?.error && !driver) {
    checks.push({ id: 'gpu', title: 'GPU', status: 'missing', detail: `nvidia-smi: ${smi.error}`, fix: /mismatch/i.test(smi.error) ? 'The loaded kernel module and the driver libraries differ (a driver update without a reboot): reboot, or reload the nvidia modules.' : 'Install the NVIDIA driver for your distribution and reboot; check with `nvidia-smi`.' });
    return checks;
  }
  const names = smi?.gpus.length ? `${smi.gpus.length}× ${[...new Set(smi.gpus)].join(', ')}` : 'an NVIDIA GPU';
  checks.push({ id: 'gpu', title: 'GPU', status: 'ok', detail: `${names}${smi?.cuda ? `, the driver supports CUDA up to ${smi.cuda}` : ''}` });
  const major = Number(cudaVersion.split('.')[0]);
  const branch = driver ? Number(driver.split('.')[0]) : NaN;
  const need = MIN_DRIVER_BRANCH[major];
  if (need && branch < need) {
    checks.push({ id: 'driver', title: 'Driver', status: 'missing', detail: `driver ${driver} is older than ${need}, the first that runs CUDA ${major}.x builds (the plan uses CUDA ${cudaVersion})`, fix: `Update the NVIDIA driver to ${need} or newer, or set cuda.version in seam.toml to a CUDA your driver runs${smi?.cuda ? ` (up to ${smi.cuda})` : ''}.` });
  } else {
    const host = p.openglDriver ? 'NixOS provides it in /run/opengl-driver/lib' : 'not NixOS: run GPU programs through nixGL or nix-gl-host so Nix binaries find the host\'s libcuda';
    checks.push({ id: 'driver', title: 'Driver', status: p.openglDriver ? 'ok' : 'warning', detail: `driver ${driver ?? 'unknown'} runs CUDA ${cudaVersion}; ${host}`, ...(p.openglDriver ? {} : { fix: 'On Ubuntu and other distributions, wrap GPU commands with nixGL (https://github.com/nix-community/nixGL) or use nix-gl-host.' }) });
  }
  return checks;
}
