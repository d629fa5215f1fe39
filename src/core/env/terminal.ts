/**
 * The one terminal environment: what a process in a target's environment gets, computed from what
 * Nix returned for the dev shell (its variables, SEAM_PYTHON and SEAM_CUDA_VERSION among them,
 * the .venv uv made) and the machine (the driver folder, for CUDA). The editor's environment
 * collection, its terminal profiles and `seam env` all apply this; the generated shellHook
 * applies the same driver policy in shell (driver.ts).
 */
import type { ResolvedEnv } from './cache';

export interface TerminalEnvironment {
  target: string;
  /** Variables to set, replacing what was there (LD_LIBRARY_PATH with the driver folder first, SEAM_TARGET). */
  variables: Record<string, string>;
  /** Folders in front of PATH, in order. */
  path: string[];
  /** Variables to clear. */
  unset: string[];
  /** The folder of the host's driver libraries ahead of any stub (cuda only). */
  driverDir: string | null;
  /** The dev shell's interpreter ("python312 3.12"), from SEAM_PYTHON. */
  python: string | null;
  /** The CUDA release the cuda shell's packages are built with, from SEAM_CUDA_VERSION. */
  cuda: string | null;
  /** The uv layer, when .venv exists. */
  venv: string | null;
}

export function terminalEnvironment(env: ResolvedEnv, driverDir: string | null): TerminalEnvironment {
  const variables: Record<string, string> = { ...env.variables, SEAM_TARGET: env.target };
  const driver = env.target === 'cuda' ? driverDir : null;
  if (driver) variables.LD_LIBRARY_PATH = [driver, ...(env.variables.LD_LIBRARY_PATH ? [env.variables.LD_LIBRARY_PATH] : [])].join(':');
  return {
    target: env.target,
    variables,
    path: [...env.path],
    unset: [...env.unset],
    driverDir: driver,
    python: env.variables.SEAM_PYTHON || null,
    cuda: env.variables.SEAM_CUDA_VERSION || null,
    venv: env.venv,
  };
}

/** The whole environment of a process started in it (a terminal profile, `seam shell`): `base` with `t` applied. */
export function applyEnvironment(base: NodeJS.ProcessEnv, t: TerminalEnvironment): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...base, ...t.variables };
  for (const k of t.unset) delete out[k];
  out.PATH = [...t.path, ...(base.PATH ? [base.PATH] : [])].join(':');
  return out;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** `seam env`'s output: shell code that applies `t` to the current shell (eval "$(seam env)"). */
export function shellExports(t: TerminalEnvironment): string {
  const lines: string[] = [];
  for (const k of t.unset) lines.push(`unset ${k}`);
  for (const [k, v] of Object.entries(t.variables).sort(([a], [b]) => a.localeCompare(b))) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) lines.push(`export ${k}=${shellQuote(v)}`); // a name a shell cannot export is left out
  }
  if (t.path.length) lines.push(`export PATH=${shellQuote(t.path.join(':'))}:"$PATH"`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}
