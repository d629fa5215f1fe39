/** Seam's targets as environments of the Python Environments extension, checked against its API's types. */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PythonEnvironmentInfo } from '@vscode/python-environments';
import type { Uri } from 'vscode';
import { launcherPath, pythonLauncher, type TerminalEnvironment } from '../../src/core/env/terminal';
import { environmentInfo, targetOfPath } from '../../src/extension/models/pythonEnvs';
import { tree } from '../helpers';

const terminal = (venv: string | null): TerminalEnvironment => ({
  target: 'cuda',
  variables: { SEAM_TARGET: 'cuda', CUDA_HOME: "/nix/store/x-cuda-merged-12.8 (it's)", VIRTUAL_ENV: venv ?? '' },
  path: ['/nix/store/y-python3-3.11-env/bin'],
  unset: ['PYTHONPATH'],
  driverDir: null,
  python: 'python311 3.11',
  cuda: '12.8',
  venv,
});

describe('Python Environments: each target is an environment', () => {
  it("gives the API an environment whose interpreter is the target's launcher, with no activation of its own", () => {
    const root = '/work/proj';
    const launcher = launcherPath(root, 'cuda');
    // Typed as the API's PythonEnvironmentInfo: a change of the API's shape fails the typecheck.
    const info: PythonEnvironmentInfo = environmentInfo(
      { name: 'proj', root },
      terminal(`${root}/.venv`),
      launcher,
      (p) => ({ fsPath: p }) as Uri,
    );
    assert.equal(launcher, '/work/proj/.seam/bin/cuda/python');
    assert.deepEqual(
      [info.name, info.displayName, info.version, info.description, info.sysPrefix],
      ['seam-cuda', 'Seam cuda (proj)', '3.11', 'Nix + uv, Python 3.11, CUDA 12.8', '/work/proj/.venv'],
    );
    assert.deepEqual(
      info.execInfo,
      { run: { executable: launcher }, activation: [], deactivation: [] },
      'terminals are not activated twice',
    );
    assert.equal(info.environmentPath.fsPath, launcher);
    assert.equal(targetOfPath(root, launcher, 'cpu'), 'cuda');
    assert.equal(targetOfPath(root, `${root}/.venv/bin/python`, 'cpu'), 'cpu', ".venv's python is the folder's current target");
    assert.equal(targetOfPath(root, '/usr/bin/python3', 'cpu'), null);
  });

  it("the launcher runs .venv's Python with the dev shell's variables (what Run Python File and the debugger start)", function () {
    const dir = tree({});
    const venv = path.join(dir, '.venv');
    if (spawnSync('python3', ['-m', 'venv', '--without-pip', venv]).status !== 0) this.skip();
    const text = pythonLauncher(terminal(venv))!;
    assert.equal(pythonLauncher(terminal(null)), null, 'no .venv, no launcher');
    const file = path.join(dir, 'python');
    fs.writeFileSync(file, text, { mode: 0o755 });
    const out = execFileSync(
      file,
      ['-c', 'import os, sys; print(os.environ["SEAM_TARGET"], os.environ["CUDA_HOME"], sys.prefix, "PYTHONPATH" in os.environ)'],
      {
        encoding: 'utf8',
        env: { ...process.env, PYTHONPATH: '/leak' },
      },
    );
    assert.equal(out.trim(), `cuda /nix/store/x-cuda-merged-12.8 (it's) ${venv} False`);
  });
});
