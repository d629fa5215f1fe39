/**
 * `seam plan --cache` against a real local binary cache: a copy of ../shared/nixpkgs-mini whose
 * stdenv differs by a comment (so every store path is this test's own), some of its builds copied
 * to a `file://` cache with `nix copy` and deleted from the store; then Nix's dry run must report
 * those as fetched and the rest — torch named as heavy — as built. Offline it says it could not check.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDryRun, pnameOf } from '../../src/core/env/caches';
import { MINI, nixEnv, ROOT, skipBecause, tree, which } from '../helpers';

const CLI = path.join(ROOT, 'dist', 'cli.js');

describe('seam plan --cache (real nix, a local file:// binary cache)', function () {
  this.timeout(600_000);
  before(function () {
    if (!which('nix')) skipBecause(this, 'nix is not installed');
    if (!which('git')) skipBecause(this, 'git is not installed');
    if (!fs.existsSync(path.join(MINI, 'flake.nix'))) skipBecause(this, `no miniature nixpkgs at ${MINI}`);
    if (!fs.existsSync(CLI)) execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
  });

  it('reads what Nix will fetch and build, naming the heavy builds', () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'nixpkgs-mini-cache-'));
    fs.cpSync(MINI, copy, { recursive: true });
    fs.appendFileSync(path.join(copy, 'pkgs', 'stdenv', 'setup.sh'), `\n# seam cache test ${process.pid}-${Date.now()}\n`);
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-binary-cache-'));
    const HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-home-'));
    const base = nixEnv();
    const nix = (args: string[], env = base) => execFileSync('nix', args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    // requests (and what it needs) go into the cache, and out of the store.
    const [built] = JSON.parse(nix(['build', '--no-link', '--json', `path:${copy}#python313Packages.requests`]));
    const closure = nix(['path-info', '-r', built.outputs.out]).trim().split('\n');
    nix(['copy', '--to', `file://${cache}`, ...closure]);
    // One path at a time, referrers first (what another path still needs is kept alive, and stays).
    for (let pass = 0; pass < 3; pass++)
      for (const p of closure) if (fs.existsSync(p)) spawnSync('nix', ['store', 'delete', p], { env: base });
    const gone = closure.filter((p) => !fs.existsSync(p));
    assert.ok(gone.includes(built.outputs.out), 'requests left the store');

    const root = tree({ 'requirements.txt': 'torch\nrequests\n' });
    const env = { ...base, HOME, NIX_CONFIG: `${base.NIX_CONFIG}\nsubstituters = file://${cache}\nrequire-sigs = false\n` };
    const c = spawnSync(process.execPath, [CLI, 'convert', '--nixpkgs', `path:${copy}`, root], { cwd: root, env, encoding: 'utf8' });
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, new RegExp(`^Binary caches: cpu shell: downloads ${gone.length} paths .*heavy: .*torch \\(2–6 hours\\)`, 'm'));
    const r = spawnSync(process.execPath, [CLI, 'plan', '--cache', '--json', root], { cwd: root, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const { cache: report } = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(report).sort(), ['cpu', 'cuda']);
    for (const target of ['cpu', 'cuda']) {
      const t = report[target];
      assert.equal(t.checked, true, JSON.stringify(t));
      assert.equal(t.fetch.paths, gone.length, `${target}: the paths the cache has are fetched`);
      assert.equal(typeof t.fetch.downloadBytes, 'number'); // the miniature's builds are a few KiB: nix reports 0.00 MiB
      const names = t.build.map((b: { name: string }) => pnameOf(b.name));
      assert.ok(!names.includes('requests'), 'requests is fetched, not built');
      const torch = t.build.find((b: { name: string }) => pnameOf(b.name) === 'torch');
      assert.deepEqual([torch?.name, torch?.heavy], ['python3.13-torch-2.9.1', true]);
      assert.ok(!t.build.some((b: { name: string; heavy: boolean }) => b.heavy && !/torch|triton/.test(b.name)), JSON.stringify(t.build));
    }
    const text = spawnSync(process.execPath, [CLI, 'plan', '--cache', root], { cwd: root, env, encoding: 'utf8' });
    assert.match(
      text.stdout,
      new RegExp(
        `cpu shell: downloads ${gone.length} paths \\(\\d+ KiB\\), builds \\d+ locally, heavy: (triton \\(1–2 hours\\), )?torch \\(2–6 hours\\)`,
      ),
    );

    // No cache can be reached: it says it could not check, and why.
    const offline = { ...env, NIX_CONFIG: `${base.NIX_CONFIG}\nsubstituters = http://seam-no-such-cache.invalid\nconnect-timeout = 2\n` };
    const o = JSON.parse(
      spawnSync(process.execPath, [CLI, 'plan', '--cache', '--json', root], { cwd: root, env: offline, encoding: 'utf8' }).stdout,
    );
    assert.equal(o.cache.cpu.checked, false);
    assert.match(o.cache.cpu.why, /no binary cache could be reached \(.*seam-no-such-cache\.invalid/);

    // A cpu-only project (seam.toml targets = ["cpu"]) has no cuda shell: only the cpu shell is asked about.
    const cpuOnly = tree({ 'requirements.txt': 'torch\nrequests\n', 'seam.toml': `nixpkgs = "path:${copy}"\ntargets = ["cpu"]\n` });
    const co = spawnSync(process.execPath, [CLI, 'convert', cpuOnly], { cwd: cpuOnly, env, encoding: 'utf8' });
    assert.equal(co.status, 0, co.stderr);
    assert.doesNotMatch(co.stdout, /cuda shell|does not provide attribute/);
    const only = JSON.parse(
      spawnSync(process.execPath, [CLI, 'plan', '--cache', '--json', cpuOnly], { cwd: cpuOnly, env, encoding: 'utf8' }).stdout,
    );
    assert.deepEqual(Object.keys(only.cache), ['cpu']);
    assert.equal(only.cache.cpu.checked, true, JSON.stringify(only.cache.cpu));
  });

  it("reads nix's dry-run report: counts, sizes, heavy builds", () => {
    const r = parseDryRun(
      [
        'these 3 derivations will be built:',
        '  /nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-python3.13-torch-2.9.1.drv',
        '  /nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-seam-cpu.drv',
        '  /nix/store/cccccccccccccccccccccccccccccccc-opencv-4.12.0.drv',
        'these 2 paths will be fetched (1.50 MiB download, 6.00 MiB unpacked):',
        '  /nix/store/dddddddddddddddddddddddddddddddd-python3.13-requests-2.32.4',
        '  /nix/store/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-zlib-1.3.1',
      ].join('\n'),
    );
    assert.deepEqual(r.fetch, { paths: 2, downloadBytes: 1572864 });
    assert.deepEqual(
      r.build.map((b) => [b.name, b.heavy]),
      [
        ['python3.13-torch-2.9.1', true],
        ['opencv-4.12.0', true],
      ],
    );
  });
});
