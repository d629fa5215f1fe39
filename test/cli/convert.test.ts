/** `seam convert` and `seam check` as a process, on copies of the example and of real uv.lock files. */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, SHARED, skipBecause, snapshot, tree, which } from '../helpers';

const CLI = path.join(ROOT, 'dist', 'cli.js');
function seam(args: string[], cwd: string): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
const copyExample = () =>
  tree(
    Object.fromEntries(
      ['environment.yml', 'requirements.txt', 'requirements-base.txt', 'pyproject.toml', 'seam.toml', 'src/vision_train/__init__.py'].map(
        (f) => [f, fs.readFileSync(path.join(ROOT, 'examples', 'ml-project', f))],
      ),
    ),
  );
const bytes = (root: string, files: string[]) => files.map((f) => fs.readFileSync(path.join(root, f)).toString('base64'));

describe('seam convert (as a process)', function () {
  this.timeout(120_000);
  before(() => {
    if (!fs.existsSync(CLI)) execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
  });
  const manifests = ['environment.yml', 'requirements.txt', 'requirements-base.txt', 'pyproject.toml'];

  it('--dry-run prints the diff and writes nothing', () => {
    const root = copyExample();
    const before = snapshot(root);
    const r = seam(['convert', '--dry-run'], root);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^--- \/dev\/null\n\+\+\+ b\/flake\.nix\n/m);
    assert.match(r.out, /would write \(nothing written\)\n {2}create {4}flake\.nix/);
    assert.equal(snapshot(root), before);
  });
  it('writes the environment, then re-runs byte-identically, never touching the manifests', () => {
    const root = copyExample();
    const original = bytes(root, manifests);
    const first = seam(['convert'], root);
    assert.equal(first.code, 0, first.err);
    for (const f of ['flake.nix', 'seam.toml', '.gitignore', 'seam-plan.txt']) assert.ok(fs.existsSync(path.join(root, f)), f);
    assert.ok(!fs.readdirSync(root).some((f) => f.startsWith('.seam-write-')), 'no staging folder left');
    assert.match(first.out, /Your pyproject\.toml was left as it is/);
    const after = snapshot(root);
    const second = seam(['convert'], root);
    assert.equal(second.code, 0, second.err);
    assert.match(second.out, /unchanged flake\.nix\n {2}keep {6}seam\.toml {2}\(yours now/);
    assert.equal(snapshot(root), after);
    assert.deepEqual(bytes(root, manifests), original);
  });
  it('in a git repository stages exactly the files it generated (no commit); --no-stage leaves that to the user', function () {
    if (!which('git')) this.skip();
    const root = tree({ 'requirements.txt': 'rich\n', 'notes.txt': 'mine\n' });
    execFileSync('git', ['init', '-q'], { cwd: root });
    const r = seam(['convert'], root);
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /^Staged for git \(git add, nothing committed; --no-stage to leave it to you\): \.gitignore flake\.nix pyproject\.toml seam-plan\.txt seam\.toml$/m,
    );
    assert.match(r.out, /^Next: nix develop/m);
    const status = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' });
    for (const f of ['flake.nix', 'seam.toml', 'pyproject.toml', 'seam-plan.txt', '.gitignore'])
      assert.match(status, new RegExp(`^A  ${f.replace('.', '\\.')}$`, 'm'));
    assert.match(status, /^\?\? notes\.txt$/m);
    assert.match(status, /^\?\? requirements\.txt$/m, "the user's own files stay theirs to stage");
    const other = tree({ 'requirements.txt': 'rich\n' });
    execFileSync('git', ['init', '-q'], { cwd: other });
    const n = seam(['convert', '--no-stage'], other);
    assert.equal(n.code, 0, n.err);
    assert.doesNotMatch(n.out, /Staged for git/);
    assert.match(n.out, /^Next: git add .*flake\.nix.* \(a flake sees only files git tracks\), then nix develop/m);
    assert.equal(execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: other, encoding: 'utf8' }), '');
  });
  it("keeps the user's seam.toml edits and follows them on the next run", () => {
    const root = copyExample();
    seam(['convert'], root);
    const edited = `${fs.readFileSync(path.join(root, 'seam.toml'), 'utf8').replace('[overrides]\n', '[overrides]\n# mine\nwandb = { owner = "uv" }\n')}`;
    fs.writeFileSync(path.join(root, 'seam.toml'), edited);
    assert.equal(seam(['convert'], root).code, 0);
    assert.equal(fs.readFileSync(path.join(root, 'seam.toml'), 'utf8'), edited);
    const flake = fs.readFileSync(path.join(root, 'flake.nix'), 'utf8');
    assert.doesNotMatch(flake, /ps\.wandb/);
    assert.match(fs.readFileSync(path.join(root, 'seam-plan.txt'), 'utf8'), /wandb → uv: owner set in seam\.toml/);
  });
  it('refuses to replace a flake.nix it did not write, and replaces it with --force keeping a backup', () => {
    const root = copyExample();
    fs.writeFileSync(path.join(root, 'flake.nix'), '{ outputs = _: { }; }\n');
    const before = snapshot(root);
    const r = seam(['convert'], root);
    assert.equal(r.code, 1);
    assert.match(r.err, /nothing written:\n.*blocked {3}flake\.nix {2}\(Seam did not write it; run with --force/s);
    assert.equal(snapshot(root), before);
    const forced = seam(['convert', '--force'], root);
    assert.equal(forced.code, 0, forced.err);
    assert.equal(fs.readFileSync(path.join(root, '.seam', 'backup', 'flake.nix'), 'utf8'), '{ outputs = _: { }; }\n');
  });
  it('leaves out a line it cannot read and says so; writes nothing when nothing could be read or seam.toml has errors', () => {
    const root = tree({ 'requirements.txt': 'torch>=2\nnot a requirement ==\nnumpy>==1.26 scipy\n' });
    const r = seam(['convert'], root);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /^requirements\.txt:2:\d+: error: /m);
    assert.match(r.err, /^requirements\.txt:3:\d+: warning: invalid operator '>==' .*read as 2 requirements \(numpy>=1\.26, scipy\)/m);
    assert.match(r.err, /seam convert: one line could not be read and is left out \(errors above\); fix and convert again to add it/);
    const plan = fs.readFileSync(path.join(root, 'seam-plan.txt'), 'utf8');
    for (const name of ['torch', 'numpy', 'scipy']) assert.match(plan, new RegExp(`^  ${name} `, 'm'));
    const none = tree({ 'requirements.txt': 'not a requirement ==\n' });
    const before = snapshot(none);
    const r1 = seam(['convert'], none);
    assert.equal(r1.code, 1);
    assert.match(r1.err, /^requirements\.txt:1:\d+: error: [\s\S]*nothing written; fix the errors above first/m);
    assert.equal(snapshot(none), before);
    const bad = tree({ 'requirements.txt': 'torch\n', 'seam.toml': 'policy = "sometimes"\n' });
    const r2 = seam(['convert'], bad);
    assert.equal(r2.code, 1);
    assert.match(r2.err, /^seam\.toml:1:\d+: error: policy must be one of/m);
  });
  it('every command leaves the manifests byte-identical', () => {
    const root = copyExample();
    const original = bytes(root, manifests);
    for (const args of [
      ['inspect'],
      ['plan'],
      ['plan', '--json'],
      ['explain', 'torch'],
      ['convert', '--dry-run'],
      ['convert'],
      ['check'],
      ['convert', '--force'],
    ]) {
      seam(args, root);
      assert.deepEqual(bytes(root, manifests), original, args.join(' '));
    }
  });
  it("--update-pyproject adds Seam's constraint block to the team's pyproject.toml, with a backup and a diff", () => {
    const root = copyExample();
    const original = fs.readFileSync(path.join(root, 'pyproject.toml'), 'utf8');
    const dry = seam(['convert', '--dry-run', '--update-pyproject'], root);
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /^\+\+\+ b\/pyproject\.toml\n[\s\S]*^\+constraint-dependencies = \[$/m);
    assert.equal(fs.readFileSync(path.join(root, 'pyproject.toml'), 'utf8'), original);
    const r = seam(['convert', '--update-pyproject'], root);
    assert.equal(r.code, 0, r.err);
    const edited = fs.readFileSync(path.join(root, 'pyproject.toml'), 'utf8');
    assert.match(edited, /^\[tool\.uv\]\n# >>> seam: Nix pins these[\s\S]*"torch==2\.2\.1",/m);
    assert.equal(fs.readFileSync(path.join(root, '.seam', 'backup', 'pyproject.toml'), 'utf8'), original);
    assert.equal(edited.replace(/\n\[tool\.uv\]\n# >>> seam[\s\S]*?# <<< seam\n/, ''), original.replace(/\n$/, '\n'));
    const again = seam(['convert', '--update-pyproject'], root);
    assert.match(again.out, /unchanged pyproject\.toml/);
    assert.equal(seam(['convert', '--update-pyproject'], tree({ 'requirements.txt': 'torch\n' })).code, 2);
  });
  it("seam plan and seam explain follow the folder's seam.toml too", () => {
    const root = tree({ 'requirements.txt': 'torch>=2\n', 'seam.toml': '[overrides]\ntorch = { owner = "uv" }\n' });
    assert.match(seam(['plan'], root).out, /^torch +uv +uv /m);
    assert.match(seam(['explain', 'torch'], root).out, /^torch → uv: owner set in seam\.toml/);
    const bad = seam(['plan', '--json'], tree({ 'requirements.txt': 'torch\n', 'seam.toml': 'policy = 1\n' }));
    assert.equal(bad.code, 1);
    assert.ok(JSON.parse(bad.out).problems.some((p: { code: string }) => p.code === 'config/policy'));
  });
  it('says so when there is nothing to convert, and rejects bad usage', () => {
    assert.equal(seam(['convert'], tree({ 'README.md': 'hi\n' })).code, 1);
    assert.equal(seam(['convert', '--frobnicate'], tree({})).code, 2);
    assert.equal(seam(['convert', 'a', 'b'], tree({})).code, 2);
  });
});

describe('seam check (as a process)', function () {
  this.timeout(120_000);
  const LOCKS = path.join(SHARED, 'data', 'uv-locks');
  before(function () {
    if (!fs.existsSync(LOCKS)) skipBecause(this, '../shared/data/uv-locks is not beside the checkout');
  });
  const withLock = (name: string) => {
    const root = tree({
      'pyproject.toml': fs.readFileSync(path.join(LOCKS, `${name}.pyproject.toml`), 'utf8'),
      'uv.lock': fs.readFileSync(path.join(LOCKS, `${name}.uv.lock`), 'utf8'),
    });
    const c = seam(['convert'], root);
    assert.equal(c.code, 0, c.err);
    return root;
  };

  it('nanochat (torch 2.9.1 from the PyTorch indexes): exit 1, one line naming torch, both versions and the fix', () => {
    const root = withLock('karpathy__nanochat');
    const r = seam(['check', '--offline'], root);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(
      r.out,
      /^torch: uv\.lock has 2\.9\.1, 2\.9\.1\+cpu, 2\.9\.1\+cu128, Nix has 2\.2\.1 — fix: add "torch==2\.2\.1" to \[tool\.uv\] constraint-dependencies/m,
    );
    assert.match(r.err, /the Seam shells pass them to `uv sync --no-install-package`: .*nvidia-cublas-cu12/);
    const json = JSON.parse(seam(['check', '--offline', '--json'], root).out);
    assert.equal(json.ok, false);
    assert.ok(json.keptOut.includes('triton'));
  });
  it('click (pure Python): the contract holds, exit 0', () => {
    const r = seam(['check', '--offline'], withLock('pallets__click'));
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /the contract holds/);
  });
  it('finds what uv installed into .venv that only Nix packages need', () => {
    const root = withLock('Zyphra__Zonos');
    const site = path.join(root, '.venv', 'lib', 'python3.12', 'site-packages');
    fs.mkdirSync(path.join(site, 'nvidia_cudnn_cu12-9.1.0.70.dist-info'), { recursive: true });
    fs.writeFileSync(path.join(root, '.venv', 'pyvenv.cfg'), 'home = /nix/store/x-python3/bin\n');
    fs.writeFileSync(
      path.join(site, 'nvidia_cudnn_cu12-9.1.0.70.dist-info', 'METADATA'),
      'Metadata-Version: 2.1\nName: nvidia-cudnn-cu12\nVersion: 9.1.0.70\n\n',
    );
    const r = seam(['check', '--offline'], root);
    assert.equal(r.code, 1);
    assert.match(
      r.out,
      /^nvidia-cudnn-cu12: \.venv has 9\.1\.0\.70 installed by uv, but only torch \(Nix\) needs it — fix: remove \.venv and enter the Seam shell/m,
    );
  });
  it('without a Seam flake.nix, says to convert first', () => {
    const r = seam(['check', '--offline'], tree({ 'uv.lock': 'version = 1\n' }));
    assert.equal(r.code, 1);
    assert.match(r.err, /no flake\.nix .*run `seam convert` first/);
  });
});
