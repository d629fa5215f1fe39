/**
 * The `seam` CLI and the `dist/core.js` library, tested as a user meets them: the built bundles,
 * run as a separate process (`node dist/cli.js …`) or loaded with require().
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MINI, nixEnv, ROOT, snapshot, tree } from '../helpers';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const CORE = path.join(ROOT, 'dist', 'core.js');

/** Runs the CLI bundle in `cwd`; never through a shell. */
function seam(args: string[], cwd = ROOT, env: Record<string, string> = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 30_000,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const PROJECT = {
  'environment.yml':
    'name: demo\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n  - pytorch::pytorch=2.3\n  - pip\n  - pip:\n    - -r requirements.txt\n',
  'requirements.txt':
    '--index-url https://pypi.example/simple\nrequests>=2.31 \\\n    --hash=sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n-e ./lib\njax[cuda12]>=0.4 ; sys_platform == "linux"\n',
  'lib/pyproject.toml': '[project]\nname = "mylib"\ndependencies = ["numpy<2"]\n',
  'node_modules/pkg/requirements.txt': 'should-not-be-found\n',
  '.venv/lib/requirements.txt': 'should-not-be-found\n',
  'build/setup.py': 'setup(install_requires=["not-found"])\n',
};

describe('seam CLI (as a process)', function () {
  this.timeout(60_000);
  before(() => {
    // The suite normally runs after `npm run build`; build here when run on its own.
    if (!fs.existsSync(CLI) || !fs.existsSync(CORE))
      execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
  });

  it('is an executable node script', () => {
    assert.match(fs.readFileSync(CLI, 'utf8').split('\n')[0], /^#!\/usr\/bin\/env node$/);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.equal(pkg.bin.seam, './dist/cli.js');
  });

  it('prints help and version; bad usage exits 2', () => {
    const help = seam(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /inspect \[PATH\.\.\.\] \[--json\]/);
    assert.equal(seam([]).code, 2);
    const version = seam(['--version']);
    assert.equal(version.code, 0);
    assert.equal(version.out.trim(), `seam ${JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}`);
    const unknown = seam(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown command 'frobnicate'/);
    const option = seam(['inspect', '--yaml']);
    assert.equal(option.code, 2);
    assert.match(option.err, /unknown option '--yaml'/);
    const missing = seam(['inspect', 'no/such/file.txt']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /no\/such\/file\.txt: no such file or folder/);
  });

  it('with no path, finds the manifests under the current folder, skipping node_modules, .venv and build folders', () => {
    const dir = tree(PROJECT);
    const r = seam(['inspect', '--json'], dir);
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out);
    // requirements.txt is read through environment.yml's pip section, not again on its own.
    assert.deepEqual(
      json.manifests.map((m: { path: string }) => m.path),
      ['environment.yml', path.join('lib', 'pyproject.toml')],
    );
    assert.ok(!r.out.includes('should-not-be-found') && !r.out.includes('not-found'));
  });

  it('--json prints the documented shape, with sources relative to the current folder', () => {
    const dir = tree(PROJECT);
    const json = JSON.parse(seam(['inspect', '--json'], dir).out);
    const env = json.manifests[0];
    assert.deepEqual(
      Object.keys(env)
        .filter((k) => ['path', 'kind', 'python', 'channels', 'indexes', 'requirements', 'problems'].includes(k))
        .sort(),
      ['channels', 'indexes', 'kind', 'path', 'problems', 'python', 'requirements'],
    );
    assert.equal(env.kind, 'conda');
    assert.equal(env.python, '==3.11.*');
    assert.deepEqual(env.channels, ['conda-forge']);
    assert.deepEqual(env.indexes, [
      { url: 'conda-forge', kind: 'conda-channel' },
      { url: 'https://pypi.example/simple', kind: 'index-url' },
    ]);
    const byName = Object.fromEntries(env.requirements.map((r: { normalizedName: string }) => [r.normalizedName, r]));
    assert.deepEqual(byName.requests, {
      name: 'requests',
      normalizedName: 'requests',
      specifier: '>=2.31',
      extras: [],
      marker: null,
      url: null,
      editable: false,
      hashes: ['sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
      ecosystem: 'pypi',
      scope: 'main',
      source: { path: 'requirements.txt', line: 2, column: 1, endLine: 2, endColumn: 15 },
    });
    assert.deepEqual([byName.jax.extras, byName.jax.marker, byName.jax.source.line], [['cuda12'], 'sys_platform == "linux"', 5]);
    assert.deepEqual([byName.mylib.editable, byName.mylib.url], [true, './lib']);
    assert.deepEqual([byName.pytorch.ecosystem, byName.pytorch.conda.channel, byName.pytorch.specifier], ['conda', 'pytorch', '==2.3.*']);
    assert.deepEqual(env.problems, []);
  });

  it('exits 1 when a file has errors, still printing the JSON, with file, line and column', () => {
    const dir = tree({ 'requirements.txt': 'numpy>==1.0\nscipy\nrequests pandas==(1\n' });
    const r = seam(['inspect', '--json', 'requirements.txt'], dir);
    assert.equal(r.code, 1);
    const m = JSON.parse(r.out).manifests[0];
    assert.deepEqual(
      m.requirements.map((x: { name: string; specifier: string }) => [x.name, x.specifier]),
      [
        ['numpy', '>=1.0'],
        ['scipy', ''],
      ],
    );
    assert.deepEqual(
      m.problems.map((p: { path: string; line: number; column: number; severity: string }) => [p.path, p.line, p.column, p.severity]),
      [
        ['requirements.txt', 1, 6, 'warning'],
        ['requirements.txt', 3, 10, 'error'],
      ],
    );
    assert.match(m.problems[0].message, />==.*read as 'numpy>=1\.0'/);
  });

  it('prints a readable summary with problems located as file:line:column', () => {
    const dir = tree({ 'requirements.txt': 'numpy>==1.0\ntorch==2.3.1+cu121\nx==1..0\n' });
    const r = seam(['inspect'], dir);
    assert.equal(r.code, 1);
    assert.match(r.out, /torch\s+==2\.3\.1\+cu121/);
    assert.match(r.out, /requirements\.txt:1:6/);
    assert.match(r.out, /requirements\.txt:3:2/);
    assert.ok(!r.out.includes('\u001b['), 'no colour when stdout is not a terminal');
  });

  it('reports binary, huge and non-UTF-8 files, and never writes to what it reads', () => {
    const dir = tree({
      'requirements.txt': Buffer.from([0x6e, 0x75, 0x6d, 0x70, 0x79, 0x0a, 0x00, 0x01, 0x02]),
      'requirements-big.txt': `${'x'.repeat(5 * 1024 * 1024)}\n`,
      'requirements-latin1.txt': Buffer.from('caf\xe9\nnumpy\n', 'latin1'),
    });
    const before = snapshot(dir);
    const r = seam(['inspect', '--json', 'requirements.txt', 'requirements-big.txt', 'requirements-latin1.txt'], dir);
    assert.equal(r.code, 1);
    const problems = JSON.parse(r.out).manifests.map((m: { problems: { line: number; message: string }[] }) =>
      m.problems.map((p) => `${p.line}: ${p.message}`),
    );
    assert.match(problems[0][0], /^2: binary file/);
    assert.match(problems[1][0], /over Seam's limit of 4\.0 MiB/);
    assert.match(problems[2][0], /^1: byte 0xe9 is not valid UTF-8/);
    assert.equal(snapshot(dir), before);
  });

  it('expands ${VAR} from its environment (never inside a URL: no secret is printed) and reads the bundled example cleanly', () => {
    const dir = tree({ 'requirements.txt': '--index-url https://${TOKEN}@pypi.example/simple\nnumpy>=${MIN}\n' });
    const out = seam(['inspect', '--json'], dir, { TOKEN: 'tok', MIN: '1.26' }).out;
    const json = JSON.parse(out);
    assert.equal(json.manifests[0].indexes[0].url, 'https://${TOKEN}@pypi.example/simple');
    assert.equal(json.manifests[0].requirements[0].specifier, '>=1.26');
    assert.doesNotMatch(out, /tok@/);
    const example = seam(['inspect', 'examples/ml-project']);
    assert.equal(example.code, 0, example.out);
    assert.match(example.out, /2 manifests, 22 requirements, 0 errors/);
  });
});

describe('seam plan and seam explain (as a process)', function () {
  this.timeout(60_000);

  it('plan --json prints the documented shape for the bundled example', () => {
    const r = seam(['plan', '--json', 'examples/ml-project']);
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out);
    assert.deepEqual(json.targets, ['cpu', 'cuda']);
    // No nixpkgs can be read here (github: is offline): the bundled knowledge, said to be approximate.
    assert.match(
      r.err,
      /could not read nixpkgs github:NixOS\/nixpkgs\/nixos-unstable: .*planning with Seam's bundled knowledge of nixpkgs \(versions approximate\)/,
    );
    assert.deepEqual([json.nixpkgs.facts, json.nixpkgs.approximate], ['bundled', true]);
    assert.equal(json.python, '3.12');
    assert.deepEqual([json.cuda.requested, json.cuda.version], ['12.1', '12.9']);
    const torch = json.packages.find((p: { name: string }) => p.name === 'torch');
    assert.deepEqual([torch.owner, torch.nixAttr, torch.status], [{ cpu: 'nix', cuda: 'nix' }, 'torch', 'conflict']);
    assert.deepEqual(torch.sources, [{ path: path.join('examples', 'ml-project', 'environment.yml'), line: 9 }]);
    assert.ok(json.problems.every((p: { path: string }) => !path.isAbsolute(p.path)));
  });

  it('plan --nixpkgs path:… reads the facts from that nixpkgs (the miniature): versions, Python and CUDA defaults', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-home-'));
    const env = { HOME: home, NIX_CONFIG: nixEnv().NIX_CONFIG ?? '' };
    const r = seam(['plan', '--json', '--nixpkgs', `path:${MINI}`, 'examples/ml-project'], ROOT, env);
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out);
    assert.deepEqual([json.nixpkgs.facts, json.nixpkgs.approximate], ['pin', false]);
    assert.deepEqual(
      [json.python, json.cuda.version],
      ['3.12', '12.8'],
      "the miniature's python312 is built, python311 is not; its default CUDA is 12.8",
    );
    assert.equal(json.packages.find((p: { name: string }) => p.name === 'torch').nixVersion, '2.9.1');
    const again = seam(['plan', '--json', '--nixpkgs', `path:${MINI}`, 'examples/ml-project'], ROOT, env);
    assert.doesNotMatch(again.err, /reading \d+ package fact/, 'the second plan reads the facts from the cache');
  });

  it('plan prints a table, filters by --target, and refuses an unknown target', () => {
    const r = seam(['plan', 'examples/ml-project', '--target', 'cpu']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^package\s+cpu\s+nixpkgs\s+requested\s+status$/m);
    assert.match(r.out, /^torch\s+Nix\s+torch 2\.2\.1\s+==2\.3\.1\s+conflict/m);
    assert.match(r.out, /^ {2}torch \(asked for as pytorch\) → Nix: native, CUDA-aware/m);
    const bad = seam(['plan', '--target', 'gpu']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--target takes cpu or cuda, not 'gpu'/);
  });

  it('explain says why, for a declared package and for one no manifest names', () => {
    const declared = seam(['explain', 'pytorch', 'examples/ml-project']);
    assert.equal(declared.code, 0, declared.err);
    assert.match(declared.out, /^torch \(asked for as pytorch\) → Nix/);
    assert.match(declared.out, /declared at examples\/ml-project\/environment\.yml:9/);
    const absent = seam(['explain', 'deepspeed', 'examples/ml-project']);
    assert.match(
      absent.out,
      /^deepspeed is in none of the manifests; if it were added:\ndeepspeed → uv: builds native code, but nixpkgs lacks it/,
    );
    assert.equal(seam(['explain']).code, 2);
  });
});

describe('dist/core.js (the core as a library)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const core = () => require(CORE) as typeof import('../../src/core/index');

  it('parses requirements and throws SeamError with a column', () => {
    assert.deepEqual(core().parseRequirement('Jax[cuda12] >=0.4 ; sys_platform == "linux"'), {
      name: 'Jax',
      extras: ['cuda12'],
      specifier: '>=0.4',
      url: null,
      marker: 'sys_platform == "linux"',
    });
    assert.throws(
      () => core().parseRequirement('numpy>==1.0'),
      (e: Error & { column?: number }) => e.name === 'SeamError' && e.column === 6,
    );
  });

  it('evaluates markers, compares versions and checks specifiers as packaging does', () => {
    const { evaluateMarker, compareVersions, specifierContains, linuxEnvironment } = core();
    assert.equal(evaluateMarker('python_version >= "3.10" and platform_machine == "x86_64"', linuxEnvironment('3.12')), true);
    assert.equal(evaluateMarker('"cuda" in extras', { extras: ['cuda'] } as never, 'lock_file'), true);
    assert.equal(compareVersions('2.1.0+cu118', '2.1.0'), 1);
    assert.equal(compareVersions('1.0rc1', '1.0'), -1);
    // packaging 26: with no explicit setting, contains() accepts the pre-release it is asked about.
    assert.equal(specifierContains('>=1.0', '2.0b1'), true);
    assert.equal(specifierContains('>=1.0', '2.0b1', { prereleases: false }), false);
    assert.equal(specifierContains('>=1.0,<2', '2.0b1'), false);
  });

  it('reads a manifest into the model', () => {
    const dir = tree({ 'environment.yml': 'dependencies:\n  - numpy=1.26\n' });
    const m = core().readManifest(path.join(dir, 'environment.yml'));
    assert.equal(m.kind, 'conda');
    assert.deepEqual(
      m.requirements.map((r) => [r.name, r.specifier, r.source.line, r.source.column]),
      [['numpy', '==1.26.*', 2, 5]],
    );
  });
});
