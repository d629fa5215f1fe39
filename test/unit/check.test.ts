/**
 * The contract check on real uv.lock files (../shared/data/uv-locks, copied byte for byte from
 * public projects), and the shells' seam-uv.py run by the real Python on the same locks: both
 * must keep uv off exactly the same packages.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkContract, ownedFromFlake, withNixClosure } from '../../src/core/check/contract';
import { nixOnly, parseUvLock, readUvLockFull } from '../../src/core/check/uvlock';
import { readUvLockFast } from '../../src/core/check/uvlockFast';
import { UV_HELPER } from '../../src/core/generate/helper';
import { defaultKnowledge } from '../../src/core/knowledge/index';
import { SHARED, skipBecause, tree, which } from '../helpers';

const LOCKS = path.join(SHARED, 'data', 'uv-locks');
const lockText = (name: string) => fs.readFileSync(path.join(LOCKS, `${name}.uv.lock`), 'utf8');

describe('uv.lock (real files)', function () {
  this.timeout(30_000);
  before(function () {
    if (!fs.existsSync(LOCKS)) skipBecause(this, '../shared/data/uv-locks is not beside the checkout');
  });
  it("the fast reader gives the TOML parser's answer on every real lock", () => {
    for (const f of fs.readdirSync(LOCKS).filter((x) => x.endsWith('.uv.lock'))) {
      const text = fs.readFileSync(path.join(LOCKS, f), 'utf8');
      const fast = readUvLockFast(text);
      assert.ok(fast, `${f}: the fast reader gave up on a lock uv wrote`);
      assert.deepEqual(fast, readUvLockFull(text), f);
      assert.ok(fast.packages.length > 10);
    }
  });
  it('the fast reader reads what TOML allows uv to write (CRLF, comments, escapes, literal strings) and gives up on the rest', () => {
    const lock = [
      'version = 1 # a comment',
      '',
      '[[package]]',
      'name = "caf\\u00e9-lib"',
      "version = '1.0'",
      'source = { registry = "https://x/\\"q\\"" }',
      'dependencies = [',
      '  # why',
      `  { name = "a", marker = "extra == 'name = \\"b\\"'" },`,
      ']',
      'wheels = [{ url = "u", hash = "h]" }]',
      '',
    ].join('\r\n');
    const fast = readUvLockFast(lock);
    assert.deepEqual(fast, readUvLockFull(lock));
    assert.deepEqual(fast?.packages[0], { name: 'café-lib', version: '1.0', source: { registry: 'https://x/"q"' }, deps: ['a'] });
    for (const odd of [
      'version = 1\n[[package]]\nname = """x"""\n', // multi-line string
      'version = 1\n[[package]]\nsource.registry = "x"\n', // dotted key
      '[[package]]\n"name" = "x"\n', // quoted key
      'version = 1\n[[package]]\nname =\n', // no value
      'version = 1\n[[package]]\nname = "x" y\n', // stray text
    ])
      assert.equal(readUvLockFast(odd), null, odd);
    assert.equal(parseUvLock('[[package]]\n"name" = "x"\n').packages[0].name, 'x', 'the full parser reads what the fast one leaves');
    assert.throws(
      () => parseUvLock('version = 1\n[[package]]\nname =\n'),
      (e: Error & { line?: number }) => e.line === 3,
    );
  });
  it('reads packages, versions, edges over extras and groups, and the [manifest] constraints', () => {
    const nanochat = parseUvLock(lockText('karpathy__nanochat'));
    assert.equal(nanochat.version, 1);
    assert.equal(nanochat.packages.length, 105);
    assert.deepEqual([...nanochat.versions.get('torch')!].sort(), ['2.9.1', '2.9.1+cpu', '2.9.1+cu128']);
    const root = nanochat.packages.find((p) => p.name === 'nanochat')!;
    assert.ok('editable' in root.source || 'virtual' in root.source);
    assert.ok(root.deps.has('torch') && root.deps.has('pytest'), 'runtime, extra and dev-group edges');
    const nemo = parseUvLock(lockText('NVIDIA-NeMo__RL'));
    assert.equal(nemo.constraints.length, 22);
    const zonos = parseUvLock(lockText('Zyphra__Zonos'));
    assert.equal(zonos.packages.length, 116, 'the older format without `revision`');
  });
  it('says where a broken lock breaks', () => {
    assert.throws(
      () => parseUvLock('version = 1\n\n[[package]]\nname = "x"\nversion = \n'),
      (e: Error & { line?: number }) => /not valid TOML/.test(e.message) && e.line === 5,
    );
  });
  it('keeps uv off torch and everything only torch needs (nvidia-*, triton), but not what the project needs too', () => {
    const lock = parseUvLock(lockText('Zyphra__Zonos'));
    const { excluded, through } = nixOnly(lock, new Set(['torch', 'torchaudio']));
    const nvidia = excluded.filter((n) => n.startsWith('nvidia-'));
    assert.equal(nvidia.length, 13);
    assert.ok(excluded.includes('triton') && excluded.includes('torch'));
    assert.ok(!excluded.includes('numpy'), 'Zonos itself needs numpy');
    assert.deepEqual(through.get('nvidia-cublas-cu12'), ['torch']);
  });
  it('in a pure-Python lock, excludes nothing unless asked, and then only what nothing else needs', () => {
    const lock = parseUvLock(lockText('pallets__click'));
    assert.deepEqual(nixOnly(lock, new Set()).excluded, []);
    assert.deepEqual(nixOnly(lock, new Set(['jinja2'])).excluded, ['jinja2', 'markupsafe']);
  });

  it("seam-uv.py prepare writes Nix's packages as wheels without code; cpu and cuda share them; a new pin replaces the old version", function () {
    const py = spawnSync('python3', ['-c', 'import tomllib'], { encoding: 'utf8' });
    if (!which('python3') || py.status !== 0) skipBecause(this, 'python3 with tomllib (3.11+) is not installed');
    const meta = (name: string, version: string) => `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n\n`;
    const dir = tree({
      'seam-uv.py': UV_HELPER,
      'cuda/torch-2.9.1.dist-info/METADATA': meta('torch', '2.9.1'),
      'cuda/triton-3.5.0.dist-info/METADATA': meta('triton', '3.5.0'),
      'cpu/torch-2.9.1.dist-info/METADATA': meta('torch', '2.9.1'),
      'cpu/Jinja2-3.1.6.dist-info/METADATA': meta('Jinja2', '3.1.6'),
      'newpin/torch-2.10.0.dist-info/METADATA': meta('torch', '2.10.0'),
      'root/.venv/bin/.keep': '',
    });
    const wheels = () => fs.readdirSync(path.join(dir, 'root', '.seam', 'nix-wheels')).sort();
    const prepare = (site: string) => {
      const r = spawnSync(
        'python3',
        [path.join(dir, 'seam-uv.py'), 'prepare', path.join(dir, 'root', '.venv'), path.join(dir, site), path.join(dir, 'root')],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(r.status, 0, r.stderr);
    };
    prepare('cuda');
    assert.deepEqual(wheels(), ['torch-2.9.1-py3-none-any.whl', 'triton-3.5.0-py3-none-any.whl']);
    const bytes = fs.readFileSync(path.join(dir, 'root', '.seam', 'nix-wheels', 'torch-2.9.1-py3-none-any.whl'));
    prepare('cpu');
    assert.deepEqual(
      wheels(),
      ['jinja2-3.1.6-py3-none-any.whl', 'torch-2.9.1-py3-none-any.whl', 'triton-3.5.0-py3-none-any.whl'],
      "the cuda shell's triton stays",
    );
    assert.deepEqual(
      fs.readFileSync(path.join(dir, 'root', '.seam', 'nix-wheels', 'torch-2.9.1-py3-none-any.whl')),
      bytes,
      'the same bytes every time',
    );
    prepare('newpin');
    assert.deepEqual(
      wheels(),
      ['jinja2-3.1.6-py3-none-any.whl', 'torch-2.10.0-py3-none-any.whl', 'triton-3.5.0-py3-none-any.whl'],
      "torch's old version goes",
    );
    assert.equal(
      fs.readFileSync(path.join(dir, 'root', '.venv', 'seam-nix-packages.txt'), 'utf8'),
      'torch\n',
      "UV_EXCLUDE's list is this shell's",
    );
  });

  it('seam-uv.py (real Python) keeps uv off exactly what `seam check` computes, on every lock', function () {
    const py = spawnSync('python3', ['-c', 'import tomllib'], { encoding: 'utf8' });
    if (!which('python3') || py.status !== 0) skipBecause(this, 'python3 with tomllib (3.11+) is not installed');
    const dir = tree({
      'seam-uv.py': UV_HELPER,
      'site/torch-2.2.1.dist-info/METADATA': 'Metadata-Version: 2.1\nName: torch\nVersion: 2.2.1\n\n',
      'site/Jinja2-3.1.4.dist-info/METADATA': 'Name: Jinja2\nVersion: 3.1.4\n\nbody\nName: not-this\n',
    });
    fs.writeFileSync(path.join(dir, 'owned.txt'), 'numpy\ntorchaudio\n');
    for (const name of ['karpathy__nanochat', 'Zyphra__Zonos', 'pallets__click', 'NVIDIA-NeMo__RL']) {
      const r = spawnSync(
        'python3',
        [path.join(dir, 'seam-uv.py'), 'skip', path.join(LOCKS, `${name}.uv.lock`), path.join(dir, 'site'), path.join(dir, 'owned.txt')],
        { encoding: 'utf8' },
      );
      assert.equal(r.status, 0, r.stderr);
      const args = r.stdout.trim().split('\n').filter(Boolean);
      const names = args.filter((_, i) => i % 2 === 1);
      assert.ok(args.every((a, i) => (i % 2 === 0 ? a === '--no-install-package' : /^[a-z0-9-]+$/.test(a))));
      const expected = nixOnly(parseUvLock(lockText(name)), new Set(['torch', 'jinja2', 'numpy', 'torchaudio'])).excluded;
      assert.deepEqual(names, expected, name);
      if (name === 'karpathy__nanochat') {
        assert.ok(names.includes('nvidia-cudnn-cu12') && names.includes('torch'));
        assert.match(r.stderr, /seam: uv\.lock has torch 2\.9\.1, 2\.9\.1\+cpu, 2\.9\.1\+cu128, Nix has 2\.2\.1/);
      }
    }
  });
});

describe('the contract', () => {
  const lock = () => parseUvLock(lockText('karpathy__nanochat'));
  it('one line per violation: package, both versions and the fix', () => {
    const r = checkContract({
      lock: lock(),
      owned: new Set(['torch', 'numpy']),
      nixVersions: new Map([
        ['torch', '2.5.1'],
        ['numpy', '2.3.3'],
      ]),
      generatedPyproject: false,
    });
    assert.deepEqual(
      r.violations.map((v) => v.package),
      ['numpy', 'torch'],
    );
    const torch = r.violations.find((v) => v.package === 'torch')!;
    assert.equal(
      torch.message,
      'torch: uv.lock has 2.9.1, 2.9.1+cpu, 2.9.1+cu128, Nix has 2.5.1 — fix: add "torch==2.5.1" to [tool.uv] constraint-dependencies in pyproject.toml (seam-plan.txt lists them all), then `uv lock`',
    );
    assert.ok(r.keptOut.includes('nvidia-nccl-cu12'));
  });
  it("holds when uv.lock has Nix's versions and .venv has nothing of Nix's", () => {
    const r = checkContract({
      lock: lock(),
      owned: new Set(['torch']),
      nixVersions: new Map([['torch', '2.9.1']]),
      venv: new Map([['wandb', '0.21.3']]),
      generatedPyproject: true,
    });
    assert.deepEqual(r.violations, []);
  });
  it('catches what uv put into .venv that Nix provides or only Nix packages need', () => {
    const r = checkContract({
      lock: lock(),
      owned: new Set(['torch']),
      nixVersions: new Map([['torch', '2.9.1']]),
      venv: new Map([
        ['torch', '2.9.1'],
        ['nvidia-cublas-cu12', '12.8.4.1'],
        ['wandb', '0.21.3'],
      ]),
      generatedPyproject: true,
    });
    assert.deepEqual(
      r.violations.map((v) => v.message.split(' — ')[0]),
      [
        'nvidia-cublas-cu12: .venv has 12.8.4.1 installed by uv, but only torch (Nix) needs it',
        'torch: .venv has 2.9.1 installed by uv, but Nix provides torch 2.9.1',
      ],
    );
  });
  it('reads the Nix-owned names out of a generated flake.nix', () => {
    assert.deepEqual(
      [...ownedFromFlake('x\n          nixOwned = [\n            "torch"\n            "Pillow"\n          ];\n y nixOwned = [ ];\n')],
      ['torch', 'pillow'],
    );
  });
  it('adds what nixpkgs brings along with a Nix package (torch → filelock, jinja2, …)', () => {
    const all = withNixClosure(new Set(['torch']), defaultKnowledge());
    for (const n of ['filelock', 'jinja2', 'networkx', 'sympy']) assert.ok(all.has(n), n);
  });
});
