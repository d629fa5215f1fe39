/**
 * `seam index refresh` runs its nix eval expression for real: against a copy of
 * ../shared/nixpkgs-mini (nixpkgs' structure, not a stand-in derived from Seam's knowledge) whose
 * torch version the test changes, and against a real nixpkgs where SEAM_TEST_NIXPKGS names one;
 * convert then uses what it read.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MINI, nixEnv, ROOT, skipBecause, tree, which } from '../helpers';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-home-'));
const seam = (args: string[], cwd: string) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...nixEnv(), HOME }, timeout: 600_000 });

describe('seam index refresh (real nix eval)', function () {
  this.timeout(900_000);
  before(function () {
    if (!which('nix')) skipBecause(this, 'nix is not installed');
    if (!fs.existsSync(path.join(MINI, 'default.nix'))) skipBecause(this, `no miniature nixpkgs at ${MINI}`);
    if (!fs.existsSync(CLI)) execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
  });

  it("native or pure is what the pin builds: a package nixpkgs builds with Cython is Nix's, one without native inputs is uv's", () => {
    // Neither is in Seam's bundled facts: without the pin both would go to Nix (nothing says they are pure Python).
    const root = tree({ 'requirements.txt': 'coloredlogs\nfastrlock\n' });
    const r = seam(['plan', '--json', '--nixpkgs', `path:${MINI}`], root);
    assert.equal(r.status, 0, r.stderr);
    const plan = JSON.parse(r.stdout);
    const of = (n: string) => plan.packages.find((p: { name: string }) => p.name === n);
    assert.deepEqual([of('fastrlock').owner.cpu, of('fastrlock').reason, of('fastrlock').nixVersion], ['nix', 'native', '0.8.3']);
    assert.deepEqual([of('coloredlogs').owner.cpu, of('coloredlogs').reason], ['uv', 'pure-python']);
    const offline = JSON.parse(
      seam(['plan', '--json'], tree({ 'requirements.txt': 'coloredlogs\n', 'seam.toml': 'nixpkgs = "path:/nonexistent"\n' })).stdout,
    );
    assert.equal(offline.packages.find((p: { name: string }) => p.name === 'coloredlogs').reason, 'maybe-native');
  });

  it('reads versions, attributes and CUDA sets from the nixpkgs it is given, and convert uses them', () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'nixpkgs-mini-copy-'));
    fs.cpSync(MINI, copy, { recursive: true });
    const file = path.join(copy, 'pkgs', 'top-level', 'python-packages.nix');
    const text = fs.readFileSync(file, 'utf8');
    const edited = text.replaceAll('pname = "torch";\n      version = "2.9.1";', 'pname = "torch";\n      version = "2.9.7";');
    assert.notEqual(edited, text);
    fs.writeFileSync(file, edited);
    const root = tree({ 'requirements.txt': 'torch>=2.5\nrequests\n' });
    const r = seam(['index', 'refresh', '--nixpkgs', copy], root);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /\d{3} python3Packages attributes, \d+ versions, CUDA sets 12_6, 12_8, 12_9, 13_0 \(default 12_8\) → \.seam\/index\.json/,
    );
    const index = JSON.parse(fs.readFileSync(path.join(root, '.seam', 'index.json'), 'utf8'));
    assert.equal(index.python.packages.torch.version, '2.9.7');
    assert.equal(index.python.packages.torch.uncertain, undefined);
    assert.match(index.nixpkgs.describes, /read with nix eval by seam index refresh/);
    // With the index and no nixpkgs Nix can read, convert plans with what refresh read.
    const c = seam(['convert', '--nixpkgs', `path:${path.join(root, 'no-such-nixpkgs')}`], root);
    assert.equal(c.status, 0, c.stderr);
    assert.match(fs.readFileSync(path.join(root, 'pyproject.toml'), 'utf8'), /"torch==2\.9\.7"/);
    assert.match(fs.readFileSync(path.join(root, 'seam-plan.txt'), 'utf8'), /torch 2\.9\.7 satisfies >=2\.5/);
  });

  it('says what failed when nix cannot evaluate the nixpkgs', () => {
    const r = seam(['index', 'refresh', '--nixpkgs', tree({ 'default.nix': 'throw "not nixpkgs"' })], tree({}));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /nix eval of .* failed:[\s\S]*not nixpkgs/);
  });

  it('against a real nixpkgs (SEAM_TEST_NIXPKGS)', function () {
    const real = process.env.SEAM_TEST_NIXPKGS;
    if (!real) skipBecause(this, 'no nixpkgs available: set SEAM_TEST_NIXPKGS to a nixpkgs flake ref or path');
    const root = tree({ 'requirements.txt': 'torch\n' });
    const r = seam(['index', 'refresh', '--nixpkgs', real], root);
    assert.equal(r.status, 0, r.stderr);
    const index = JSON.parse(fs.readFileSync(path.join(root, '.seam', 'index.json'), 'utf8'));
    assert.ok(index.python.attrs.length > 5000);
    assert.match(index.python.packages.torch.version, /^\d+\.\d+/);
    assert.equal(index.python.packages.torch.cudaAware, true);
  });
});
