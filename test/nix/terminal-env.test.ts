/**
 * One terminal environment and one driver policy: the host driver's folder ahead of Nix's
 * libraries holds only the driver's own libraries — never a system lib folder with its libc — in
 * the core's terminal environment (the editor's collection and terminal profiles), in `seam env`
 * (a process, with real nix on the fixture flake) and in the generated shellHook (bash).
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DRIVER_LIBRARY, driverLibraryFolder, driverLinkFolder, driverShellCode, hostDriverFolder } from '../../src/core/env/driver';
import type { ResolvedEnv } from '../../src/core/env/resolve';
import { applyEnvironment, shellExports, terminalEnvironment } from '../../src/core/env/terminal';
import { FIXTURES, nixEnv, ROOT, skipBecause, tree, which } from '../helpers';

/** A host library folder as Ubuntu has it: the driver beside libc, libstdc++ and friends. */
function ubuntuLibDir(): string {
  return tree({
    'libc.so.6': '',
    'libstdc++.so.6': '',
    'libz.so.1': '',
    'libcuda.so.1': '',
    'libcuda.so.570.133.20': '',
    'libnvidia-ml.so.1': '',
    'libnvidia-ptxjitcompiler.so.1': '',
    'libnvcuvid.so.1': '',
    'libcudart.so.12': '',
  });
}
const ldconfigFor = (dir: string) =>
  `1234 libs found in cache \`/etc/ld.so.cache'\n\tlibz.so.1 (libc6,x86-64) => ${dir}/libz.so.1\n\tlibcuda.so.1 (libc6) => /usr/lib/i386-linux-gnu/libcuda.so.1\n\tlibcuda.so.1 (libc6,x86-64) => ${dir}/libcuda.so.1\n`;

/** A folder with a fake `ldconfig` that prints `text`, for PATH. */
function fakeLdconfig(text: string): string {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-ldconfig-'));
  fs.writeFileSync(path.join(bin, 'ldconfig'), `#!/bin/sh\ncat <<'EOF'\n${text}EOF\n`, { mode: 0o755 });
  return bin;
}

const env = (target: 'cpu' | 'cuda', vars: Record<string, string> = {}): ResolvedEnv => ({
  target,
  system: 'x86_64-linux',
  key: 'k',
  variables: {
    SEAM_PYTHON: 'python312 3.12',
    SEAM_CUDA_VERSION: target === 'cuda' ? '12.8' : '',
    LD_LIBRARY_PATH: '/nix/store/x-gcc-lib/lib',
    ...vars,
  },
  path: ['/nix/store/y-python/bin'],
  unset: ['PYTHONPATH'],
  venv: null,
  resolvedAt: '',
  nixMs: 0,
});

describe('one terminal environment, one driver policy', function () {
  this.timeout(120_000);

  it('the driver folder holds only the driver libraries, never the system folder the driver sits in', () => {
    const lib = ubuntuLibDir();
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-cache-'));
    const folder = driverLibraryFolder({ nixos: false, wsl: false, ldconfig: ldconfigFor(lib) }, cache)!;
    assert.notEqual(folder, lib);
    assert.deepEqual(fs.readdirSync(folder).sort(), [
      'libcuda.so.1',
      'libcuda.so.570.133.20',
      'libnvcuvid.so.1',
      'libnvidia-ml.so.1',
      'libnvidia-ptxjitcompiler.so.1',
    ]);
    for (const n of ['libc.so.6', 'libstdc++.so.6', 'libcudart.so.12']) assert.ok(!DRIVER_LIBRARY.test(n), n);
    assert.equal(driverLibraryFolder({ nixos: true, wsl: false, ldconfig: null }, cache), '/run/opengl-driver/lib');
    assert.equal(driverLibraryFolder({ nixos: false, wsl: true, ldconfig: null }, cache), '/usr/lib/wsl/lib');
    assert.equal(driverLibraryFolder({ nixos: false, wsl: false, ldconfig: '0 libs found\n' }, cache), null);
  });

  it('the terminal environment puts the driver folder first on cuda only, and carries Python and CUDA from the shell', () => {
    const cuda = terminalEnvironment(env('cuda'), '/drv');
    assert.equal(cuda.variables.LD_LIBRARY_PATH, '/drv:/nix/store/x-gcc-lib/lib');
    assert.deepEqual([cuda.python, cuda.cuda, cuda.variables.SEAM_TARGET], ['python312 3.12', '12.8', 'cuda']);
    const cpu = terminalEnvironment(env('cpu'), '/drv');
    assert.equal(cpu.variables.LD_LIBRARY_PATH, '/nix/store/x-gcc-lib/lib', 'the cpu shell needs no driver');
    assert.equal(cpu.cuda, null);
    const full = applyEnvironment({ PATH: '/usr/bin', PYTHONPATH: '/leak', HOME: '/h' }, cuda);
    assert.deepEqual(
      [full.PATH, full.PYTHONPATH, full.HOME, full.LD_LIBRARY_PATH],
      ['/nix/store/y-python/bin:/usr/bin', undefined, '/h', '/drv:/nix/store/x-gcc-lib/lib'],
    );
    const exports = shellExports(terminalEnvironment(env('cpu', { 'BAD-NAME': 'x', Q: "it's" }), null));
    assert.match(exports, /^unset PYTHONPATH\n/);
    assert.match(exports, /export Q='it'\\''s'\n/);
    assert.doesNotMatch(exports, /BAD-NAME/);
  });

  it("hostDriverFolder remembers the folder until ldconfig's cache or the driver folders change: a cached call runs nothing", async () => {
    const lib = ubuntuLibDir();
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-cache-'));
    let runs = 0;
    const probe = async () => {
      runs++;
      return ldconfigFor(lib);
    };
    const first = await hostDriverFolder(cache, probe, 'linux');
    const second = await hostDriverFolder(cache, probe, 'linux');
    assert.equal(second, first);
    assert.equal(runs, 1);
    assert.equal(await hostDriverFolder(cache, probe, 'darwin'), null);
  });

  it("the shellHook makes the same folder the editor and seam env use (bash, with the host's ldconfig)", function () {
    if (!which('bash') || !which('sha256sum')) skipBecause(this, 'bash or sha256sum is missing');
    const lib = ubuntuLibDir();
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-cache-'));
    const bin = fakeLdconfig(ldconfigFor(lib));
    const script = `${driverShellCode()}\nprintf '%s' "$LD_LIBRARY_PATH"`;
    // /run/opengl-driver/lib and /usr/lib/wsl/lib do not exist on this machine: the ldconfig branch runs.
    if (fs.existsSync('/run/opengl-driver/lib') || fs.existsSync('/usr/lib/wsl/lib')) skipBecause(this, 'this machine is NixOS or WSL2');
    const out = execFileSync('bash', ['-c', script], {
      env: { PATH: `${bin}:/usr/bin:/bin`, HOME: '/nonexistent', XDG_CACHE_HOME: cache, LD_LIBRARY_PATH: '/nix/store/x-gcc-lib/lib' },
      encoding: 'utf8',
    });
    const ts = driverLinkFolder(lib, path.join(cache, 'seam'));
    assert.equal(out, `${ts}:/nix/store/x-gcc-lib/lib`);
    assert.deepEqual(fs.readdirSync(ts!).sort(), [
      'libcuda.so.1',
      'libcuda.so.570.133.20',
      'libnvcuvid.so.1',
      'libnvidia-ml.so.1',
      'libnvidia-ptxjitcompiler.so.1',
    ]);
    const none = spawnSync('bash', ['-c', script], {
      env: { PATH: `${fakeLdconfig('0 libs\n')}:/usr/bin:/bin`, XDG_CACHE_HOME: cache },
      encoding: 'utf8',
    });
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /no NVIDIA driver found/);
  });

  it('seam env applies the same policy: the cuda target gets the driver folder first, the cpu target none (real nix)', function () {
    if (!which('nix')) skipBecause(this, 'nix is not installed');
    const CLI = path.join(ROOT, 'dist', 'cli.js');
    if (!fs.existsSync(CLI)) execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
    if (fs.existsSync('/run/opengl-driver/lib') || fs.existsSync('/usr/lib/wsl/lib')) skipBecause(this, 'this machine is NixOS or WSL2');
    const root = tree({ 'flake.nix': fs.readFileSync(path.join(FIXTURES, 'env-flake', 'flake.nix'), 'utf8') });
    const lib = ubuntuLibDir();
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-xdg-'));
    const run = (target: string) => {
      const r = spawnSync(process.execPath, [CLI, 'env', '--target', target, '--json', root], {
        env: { ...nixEnv(), PATH: `${fakeLdconfig(ldconfigFor(lib))}:${process.env.PATH}`, XDG_CACHE_HOME: cache },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    const cuda = run('cuda');
    assert.equal(cuda.driverDir, driverLinkFolder(lib, path.join(cache, 'seam')));
    assert.equal(cuda.variables.LD_LIBRARY_PATH, `${cuda.driverDir}:/fixture/cuda/stubs`);
    const cpu = run('cpu');
    assert.equal(cpu.driverDir, null);
    assert.equal(cpu.variables.LD_LIBRARY_PATH, undefined);
  });
});
