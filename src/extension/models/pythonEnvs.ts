/**
 * Seam's targets as Python environments for the Python Environments extension
 * (ms-python.vscode-python-envs): each resolved target of a folder is one environment whose
 * interpreter is the target's launcher (.seam/bin/<target>/python: the dev shell's variables, then
 * .venv/bin/python), so Run Python File, the debugger and test runners run inside the target. No
 * activation commands: Seam's own terminal environment already applies, so nothing runs twice.
 * vscode-free: the adapter (../pythonEnvs.ts) turns paths into Uris.
 */
import type { PythonEnvironmentInfo } from '@vscode/python-environments';
import type { TerminalEnvironment } from '../../core/env/terminal';

export const MANAGER_NAME = 'seam';

/** The info of one target's environment, with paths where the API wants Uris (`toUri` makes them). */
export function environmentInfo<U>(
  folder: { name: string; root: string },
  t: TerminalEnvironment,
  launcher: string,
  toUri: (path: string) => U,
): Omit<PythonEnvironmentInfo, 'environmentPath'> & { environmentPath: U } {
  const version = /(\d+\.\d+(?:\.\d+)?)/.exec(t.python ?? '')?.[1] ?? '3';
  const cuda = t.target === 'cuda' && t.cuda ? `, CUDA ${t.cuda}` : '';
  return {
    name: `seam-${t.target}`,
    displayName: `Seam ${t.target} (${folder.name})`,
    shortDisplayName: `seam ${t.target}`,
    displayPath: launcher,
    version,
    environmentPath: toUri(launcher),
    description: `Nix + uv, Python ${version}${cuda}`,
    tooltip: `The ${t.target} environment of ${folder.name}: the Nix dev shell's variables and .venv (uv packages), from Seam`,
    execInfo: { run: { executable: launcher }, activation: [], deactivation: [] },
    sysPrefix: t.venv ?? folder.root,
    group: 'Seam',
  };
}

/** The target an interpreter path belongs to: a Seam launcher or the folder's .venv/bin/python. */
export function targetOfPath(root: string, path: string, current: string): string | null {
  const m = new RegExp(`^${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\.seam/bin/(cpu|cuda)/python$`).exec(path);
  if (m) return m[1];
  return path === `${root}/.venv/bin/python` || path === `${root}/.venv` ? current : null;
}
