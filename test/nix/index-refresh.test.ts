/**
 * `seam index refresh` runs its nix eval expression for real: against the offline nixpkgs
 * stand-in here (it reads the stand-in's python3Packages, versions and CUDA sets), and against a
 * real nixpkgs where SEAM_TEST_NIXPKGS names one; convert and check then use what it read.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nixEnv, ROOT, skipBecause, tree, which } from '../helpers';
import { makeSeamStub } from '../support/seam-stub';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const seam = (args: string[], cwd: string) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: nixEnv(), timeout: 600_000 });

describe('seam index refresh (real nix eval)', function () {
  this.timeout(900_000);
  before(function () {
    if (!which('nix')) skipBecause(this, 'nix is not installed');
    if (!fs.existsSync(CLI)) execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
  });

  it('reads versions, attributes and CUDA sets from the nixpkgs it is given, and convert uses them', () => {
    const stub = makeSeamStub();
    const facts = path.join(stub, 'facts.nix');
    fs.writeFileSync(
      facts,
      fs
        .readFileSync(facts, 'utf8')
        .replace(/"torch" = \{ pypi = "torch"; version = "[^"]*"; \};/, '"torch" = { pypi = "torch"; version = "2.9.1"; };'),
    );
    const root = tree({ 'requirements.txt': 'torch>=2.5\nrequests\n' });
    const r = seam(['index', 'refresh', '--nixpkgs', stub], root);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /8\d{3} python3Packages attributes, \d+ versions, CUDA sets 12_6, 12_8, 12_9, 13_2 \(default 12_9\) → \.seam\/index\.json/,
    );
    const index = JSON.parse(fs.readFileSync(path.join(root, '.seam', 'index.json'), 'utf8'));
    assert.equal(index.python.packages.torch.version, '2.9.1');
    assert.equal(index.python.packages.torch.uncertain, undefined);
    assert.match(index.nixpkgs.describes, /read with nix eval by seam index refresh/);
    assert.equal(seam(['convert'], root).status, 0);
    assert.match(fs.readFileSync(path.join(root, 'pyproject.toml'), 'utf8'), /"torch==2\.9\.1"/);
    assert.match(fs.readFileSync(path.join(root, 'seam-plan.txt'), 'utf8'), /torch 2\.9\.1 satisfies >=2\.5/);
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
