/**
 * "Is this machine ready?": Nix installed and new enough, flakes on, a GPU and a driver new enough
 * for the plan's CUDA. Pure: the editor and the CLI run the probes (only in a trusted workspace)
 * and hand their output here; every missing piece comes back with how to fix it.
 */

import { type CacheReport, describeCache } from './caches';
import { detectMachine, type GpuProbes, recommendTarget } from './gpu';

export { parseNvidiaSmi, parseProcNvidia } from './gpu';

export interface SetupProbes extends Partial<GpuProbes> {
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
  id: 'nix' | 'flakes' | 'gpu' | 'driver' | 'caches';
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do, in one or two sentences; absent when nothing is needed. */
  fix?: string;
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
    checks.push({
      id: 'nix',
      title: 'Nix',
      status: 'missing',
      detail: 'nix is not installed (or not on PATH, or not where the seam.nixPath setting says)',
      fix: 'Install Nix (https://nixos.org/download: `sh <(curl -L https://nixos.org/nix/install) --daemon`), open a new terminal, then run Check setup again.',
    });
  } else {
    const version = /(\d+\.\d+(?:\.\d+)?)/.exec(p.nixVersion)?.[1] ?? p.nixVersion.trim();
    if (nixTooOld(version))
      checks.push({
        id: 'nix',
        title: 'Nix',
        status: 'missing',
        detail: `Nix ${version} is older than 2.4, which has no flakes`,
        fix: "Upgrade Nix to 2.4 or newer (nix upgrade-nix, or your distribution's package).",
      });
    else checks.push({ id: 'nix', title: 'Nix', status: 'ok', detail: `Nix ${version}` });
  }
  if (p.nixVersion !== null) {
    const features = /^\s*experimental-features\s*=\s*(.*)$/m.exec(p.nixConfig ?? '')?.[1]?.split(/\s+/) ?? [];
    if (features.includes('flakes') && features.includes('nix-command'))
      checks.push({ id: 'flakes', title: 'Flakes', status: 'ok', detail: 'nix-command and flakes are on' });
    else
      checks.push({
        id: 'flakes',
        title: 'Flakes',
        status: 'missing',
        detail: p.nixConfig === null ? "could not read Nix's settings" : `experimental-features is "${features.join(' ')}"`,
        fix: 'Add `experimental-features = nix-command flakes` to ~/.config/nix/nix.conf (or /etc/nix/nix.conf) and restart the nix daemon if you have one.',
      });
  }
  if (p.platform === 'darwin') {
    checks.push({
      id: 'gpu',
      title: 'GPU',
      status: 'info',
      detail: 'macOS: the cpu shell works here; the cuda shell is for Linux machines with an NVIDIA GPU',
    });
    return checks;
  }
  const machine = detectMachine({
    platform: p.platform,
    query: p.query ?? null,
    table: p.nvidiaSmi,
    procNvidia: p.procNvidia,
    wsl: p.wsl ?? false,
    nixos: p.openglDriver,
    ldconfig: p.ldconfig ?? null,
  });
  if (!machine.driver && !machine.error) {
    checks.push({
      id: 'gpu',
      title: 'GPU',
      status: 'info',
      detail: 'no NVIDIA GPU found (no nvidia-smi, no /proc/driver/nvidia): use the cpu target here; the cuda shell is for GPU machines',
    });
    return checks;
  }
  if (!machine.driver) {
    const err = machine.error ?? '';
    checks.push({
      id: 'gpu',
      title: 'GPU',
      status: 'missing',
      detail: `nvidia-smi: ${err}`,
      fix: /mismatch/i.test(err)
        ? 'The loaded kernel module and the driver libraries differ (a driver update without a reboot): reboot, or reload the nvidia modules.'
        : 'Install the NVIDIA driver for your distribution and reboot; check with `nvidia-smi`.',
    });
    return checks;
  }
  const names = machine.gpus.length
    ? `${machine.gpus.length}× ${[...new Set(machine.gpus.map((g) => g.name))].join(', ')}`
    : 'an NVIDIA GPU';
  checks.push({
    id: 'gpu',
    title: 'GPU',
    status: 'ok',
    detail: `${names}${machine.cudaCeiling ? `, the driver runs CUDA up to ${machine.cudaCeiling}` : ''}${machine.wsl ? ' (WSL2)' : ''}`,
  });
  const rec = recommendTarget(machine, cudaVersion);
  const major = Number(cudaVersion.split('.')[0]);
  const need = MIN_DRIVER_BRANCH[major];
  if (rec.target === 'cpu') {
    checks.push({
      id: 'driver',
      title: 'Driver',
      status: 'missing',
      detail: `driver ${machine.driver} is older than ${need ?? '?'}, the first that runs CUDA ${major}.x builds (the plan uses CUDA ${cudaVersion})`,
      fix: `Update the NVIDIA driver to ${need ?? 'a newer one'} or newer, or set cuda.version in seam.toml to a CUDA your driver runs${machine.cudaCeiling ? ` (up to ${machine.cudaCeiling})` : ''}.`,
    });
  } else {
    const host = machine.driverLibDir
      ? `libcuda from ${machine.driverLibDir}${machine.nixos ? ' (NixOS)' : ''}`
      : "not NixOS: run GPU programs through nixGL or nix-gl-host so Nix binaries find the host's libcuda";
    const ok = !!machine.driverLibDir && !rec.warning;
    checks.push({
      id: 'driver',
      title: 'Driver',
      status: ok ? 'ok' : 'warning',
      detail: `driver ${machine.driver} runs CUDA ${cudaVersion}${rec.warning ? ` (${rec.warning})` : ''}; ${host}`,
      ...(ok
        ? {}
        : {
            fix: rec.warning
              ? 'Update the NVIDIA driver.'
              : 'On Ubuntu and other distributions, wrap GPU commands with nixGL (https://github.com/nix-community/nixGL) or use nix-gl-host.',
          }),
    });
  }
  return checks;
}

/** The binary caches' answer for each shell as setup checks: heavy local builds are a warning. */
export function cacheChecks(reports: Partial<Record<string, CacheReport>>): SetupCheck[] {
  return Object.entries(reports).map(([target, c]) => {
    const title = `Binary caches (${target} shell)`;
    if (!c?.checked)
      return {
        id: 'caches',
        title,
        status: 'info',
        detail: describeCache(target, c ?? { checked: false, why: 'not asked', fetch: { paths: 0, downloadBytes: 0 }, build: [] }),
      };
    const heavy = c.build.filter((b) => b.heavy);
    return heavy.length
      ? {
          id: 'caches',
          title,
          status: 'warning',
          detail: describeCache(target, c),
          fix: "The caches build nixpkgs' default Python, CUDA set and capabilities: drop python/cuda choices from seam.toml that step off them, or add the CUDA caches to nix.conf (README: Binary caches).",
        }
      : { id: 'caches', title, status: 'ok', detail: describeCache(target, c) };
  });
}
