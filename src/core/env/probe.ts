/** Runs the machine probes (nix, nvidia-smi, /proc, ldconfig) for `seam doctor` and the editor. Only call this where running programs is allowed. */
import * as fs from 'node:fs';
import { GPU_QUERY, type GpuProbes } from './gpu';
import { type Runner, runProcess } from './process';
import type { SetupProbes } from './setup';

const readOrNull = (p: string) => {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return null;
  }
};

async function output(runner: Runner, cmd: string, args: string[], signal?: AbortSignal, env?: NodeJS.ProcessEnv): Promise<string | null> {
  try {
    const r = await runner(cmd, args, { signal, timeoutMs: 20_000, env });
    return `${r.stdout}${r.stderr}`;
  } catch {
    return null; // not installed (or cancelled)
  }
}

/** `ldconfig -p` (on PATH, else /sbin/ldconfig: not on a user's PATH on Debian), or null. */
export async function ldconfigOutput(runner: Runner = runProcess, signal?: AbortSignal): Promise<string | null> {
  return (await output(runner, 'ldconfig', ['-p'], signal)) ?? (await output(runner, '/sbin/ldconfig', ['-p'], signal));
}

export async function probeGpu(runner: Runner = runProcess, signal?: AbortSignal, platform = process.platform): Promise<GpuProbes> {
  if (platform !== 'linux') return { platform, query: null, table: null, procNvidia: null, wsl: false, nixos: false, ldconfig: null };
  const query = await output(runner, 'nvidia-smi', GPU_QUERY, signal);
  const failed = query !== null && !/^\s*[^,\n]+,\s*\d+\.\d+/m.test(query);
  const table = failed ? await output(runner, 'nvidia-smi', [], signal) : null;
  const ldconfig = await ldconfigOutput(runner, signal);
  return {
    platform,
    query,
    table,
    procNvidia: readOrNull('/proc/driver/nvidia/version'),
    wsl: fs.existsSync('/usr/lib/wsl/lib'),
    nixos: fs.existsSync('/run/opengl-driver/lib'),
    ldconfig,
  };
}

export async function probeSetup(
  nix: string,
  runner: Runner = runProcess,
  signal?: AbortSignal,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SetupProbes> {
  const [nixVersion, nixConfig, gpu] = await Promise.all([
    output(runner, nix, ['--version'], signal, env),
    output(runner, nix, ['--extra-experimental-features', 'nix-command', 'show-config'], signal, env),
    probeGpu(runner, signal),
  ]);
  return {
    ...gpu,
    platform: process.platform,
    nixVersion,
    nixConfig,
    nvidiaSmi: gpu.table ?? null,
    procNvidia: gpu.procNvidia,
    openglDriver: gpu.nixos,
  };
}
