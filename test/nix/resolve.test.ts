/**
 * Resolving a target's environment with Debian's real nix, on a fixture flake with no inputs
 * (test/fixtures/env-flake: plain derivations, distinct variables per target): resolution, the
 * cache (a second resolve runs no nix), invalidation when an input changes, the uv layer, the
 * driver folder, and every error with its fix.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { driverLinkFolder } from '../../src/core/env/driver';
import { stageGenerated } from '../../src/core/env/git';
import { runProcess } from '../../src/core/env/process';
import { cachedEnv, ResolveError, type Runner, resolveEnv } from '../../src/core/env/resolve';
import { applyEnvironment, terminalEnvironment } from '../../src/core/env/terminal';
import { FIXTURES, nixEnv, skipBecause, tree, which } from '../helpers';

const FLAKE = fs.readFileSync(path.join(FIXTURES, 'env-flake', 'flake.nix'), 'utf8');

describe('environment resolution (real nix print-dev-env)', function () {
  this.timeout(120_000);
  before(function () {
    if (!which('nix')) skipBecause(this, 'nix is not installed');
  });
  let calls = 0;
  const counting: Runner = (cmd, args, o) => {
    calls++;
    return runProcess(cmd, args, o);
  };
  const setup = () => ({
    root: tree({ 'flake.nix': FLAKE, 'seam.toml': 'policy = "nix"\n' }),
    cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'seam-cache-')),
  });
  const opts = (root: string, cacheDir: string, target = 'cpu') => ({
    root,
    cacheDir,
    target,
    nix: 'nix',
    env: nixEnv(),
    runner: counting,
  });

  it("resolves each target's variables and PATH, without the builder's noise", async () => {
    const { root, cacheDir } = setup();
    const cpu = await resolveEnv(opts(root, cacheDir, 'cpu'));
    assert.equal(cpu.fromCache, false);
    assert.equal(cpu.env.variables.SEAM_TARGET, 'cpu');
    assert.equal(cpu.env.variables.SEAM_DEVICE, 'cpu-only');
    assert.equal(cpu.env.variables.UV_PYTHON_DOWNLOADS, 'never');
    assert.equal(cpu.env.variables.UV_PROJECT_ENVIRONMENT, path.join(root, '.venv'));
    for (const noise of ['HOME', 'TMPDIR', 'NIX_BUILD_TOP', 'out', 'builder', 'PATH']) assert.ok(!(noise in cpu.env.variables), noise);
    assert.deepEqual(cpu.env.path, ['/fixture/cpu/bin']);
    const cuda = await resolveEnv(opts(root, cacheDir, 'cuda'));
    assert.deepEqual(
      [cuda.env.variables.SEAM_TARGET, cuda.env.variables.SEAM_DEVICE, cuda.env.variables.LD_LIBRARY_PATH],
      ['cuda', 'gpu', '/fixture/cuda/stubs'],
    );
  });

  it('a second resolve comes from the cache and runs no nix; an edit to flake.nix or seam.toml makes it stale', async () => {
    const { root, cacheDir } = setup();
    calls = 0;
    await resolveEnv(opts(root, cacheDir));
    assert.equal(calls, 1);
    const again = await resolveEnv(opts(root, cacheDir));
    assert.deepEqual([again.fromCache, calls], [true, 1]);
    fs.appendFileSync(path.join(root, 'seam.toml'), '# edited\n');
    assert.equal(cachedEnv(opts(root, cacheDir)), null);
    const fresh = await resolveEnv(opts(root, cacheDir));
    assert.deepEqual([fresh.fromCache, calls], [false, 2]);
    fs.writeFileSync(path.join(root, 'flake.nix'), FLAKE.replace('SEAM_FIXTURE = "env-flake"', 'SEAM_FIXTURE = "edited"'));
    const edited = await resolveEnv(opts(root, cacheDir));
    assert.deepEqual([edited.fromCache, edited.env.variables.SEAM_FIXTURE, calls], [false, 'edited', 3]);
  });

  it('adds the uv layer once .venv exists, even to a cached environment', async () => {
    const { root, cacheDir } = setup();
    const before = await resolveEnv(opts(root, cacheDir));
    assert.equal(before.env.venv, null);
    assert.ok(!('VIRTUAL_ENV' in before.env.variables));
    fs.mkdirSync(path.join(root, '.venv', 'bin'), { recursive: true });
    fs.writeFileSync(path.join(root, '.venv', 'pyvenv.cfg'), 'home = /nix/store/x/bin\n');
    const after = await resolveEnv(opts(root, cacheDir));
    assert.equal(after.fromCache, true);
    assert.equal(after.env.variables.VIRTUAL_ENV, path.join(root, '.venv'));
    assert.deepEqual(after.env.path, [path.join(root, '.venv', 'bin'), '/fixture/cpu/bin']);
    const full = applyEnvironment({ PATH: '/usr/bin', PYTHONPATH: '/leak' }, terminalEnvironment(after.env, null));
    assert.equal(full.PATH, `${path.join(root, '.venv', 'bin')}:/fixture/cpu/bin:/usr/bin`);
    assert.ok(!('PYTHONPATH' in full));
  });

  it('says exactly what is wrong: nix missing, no such target, flakes off, flake not tracked by git', async () => {
    const { root, cacheDir } = setup();
    const fails = async (o: Parameters<typeof resolveEnv>[0]) => {
      try {
        await resolveEnv(o);
      } catch (e) {
        assert.ok(e instanceof ResolveError, String(e));
        return e;
      }
      throw new Error('resolved');
    };
    const missing = await fails({ ...opts(root, cacheDir), nix: '/nonexistent/nix' });
    assert.deepEqual(
      [missing.kind, missing.fix],
      ['nix-missing', 'install Nix (https://nixos.org/download), or set seam.nixPath to where it is'],
    );
    assert.equal((await fails(opts(root, cacheDir, 'tpu'))).kind, 'no-target');
    const off = await fails({
      ...opts(root, cacheDir),
      env: {
        ...process.env,
        NIX_CONFIG: 'substituters =\nflake-registry =\nbuild-users-group =\nsandbox = false\nexperimental-features =',
      },
    });
    assert.equal(off.kind, 'flakes-disabled');
    assert.match(off.fix, /experimental-features = nix-command flakes/);
    if (which('git')) {
      const repo = tree({ 'flake.nix': FLAKE, 'README.md': 'x\n' });
      execFileSync('git', ['init', '-q'], { cwd: repo });
      execFileSync('git', ['add', 'README.md'], { cwd: repo });
      const untracked = await fails(opts(repo, cacheDir));
      assert.equal(untracked.kind, 'untracked');
      assert.match(untracked.message, /^flake\.nix is not tracked by git/);
      assert.match(untracked.fix, /stage the files Seam generated \(git add/);
      // Staging is the fix: the same resolve then works.
      const staged = await stageGenerated(repo, ['flake.nix', 'no-such-file']);
      assert.deepEqual(staged, { staged: ['flake.nix'] });
      assert.ok((await resolveEnv(opts(repo, cacheDir))).env.variables);
    }
  });

  it('cancel kills nix', async () => {
    const { root, cacheDir } = setup();
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(resolveEnv({ ...opts(root, cacheDir), signal: abort.signal }), (e: Error) => e.name === 'AbortError');
  });

  it("puts a folder of only the host driver's libraries ahead of CUDA stubs", async () => {
    const host = tree({ 'libcuda.so.1': '', 'libcuda.so.570.133.20': '', 'libnvidia-ml.so.1': '', 'libcudart.so.12': '', 'libz.so.1': '' });
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-drv-'));
    const dest = driverLinkFolder(host, cache)!;
    assert.equal(path.dirname(dest), path.join(cache, 'driver-libs'));
    assert.deepEqual(fs.readdirSync(dest).sort(), ['libcuda.so.1', 'libcuda.so.570.133.20', 'libnvidia-ml.so.1']);
    assert.equal(fs.readlinkSync(path.join(dest, 'libcuda.so.1')), path.join(host, 'libcuda.so.1'));
    assert.equal(driverLinkFolder(host, cache), dest, 'the same driver: the same folder');
    assert.equal(driverLinkFolder(tree({ 'libz.so.1': '' }), cache), null, 'no libcuda: nothing to expose');
    const { root, cacheDir } = setup();
    const cuda = await resolveEnv(opts(root, cacheDir, 'cuda'));
    assert.equal(
      applyEnvironment({ PATH: '/usr/bin' }, terminalEnvironment(cuda.env, dest)).LD_LIBRARY_PATH,
      `${dest}:/fixture/cuda/stubs`,
    );
  });
});
