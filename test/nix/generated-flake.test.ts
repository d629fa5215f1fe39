/**
 * The flakes Seam generates, checked with Debian's real nix: every shape parses; its structure
 * evaluates (`nix flake show`, `nix eval`) against the offline nixpkgs stand-in
 * (test/fixtures/nixpkgs-seam-stub: NOT nixpkgs, only what the generated flake calls); and
 * `nix develop` runs the shellHook for real: the host's real Python makes .venv and sees the Nix
 * packages through the Seam .pth. Against a real nixpkgs only with SEAM_TEST_NIXPKGS.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyWrites, planWrites } from '../../src/core/generate/write';
import { openProject } from '../../src/core/project';
import { nixString } from '../../src/core/text/escape';
import { nixEnv, ROOT, skipBecause, tree, which } from '../helpers';
import { HOSTILE } from '../support/hostile';
import { makeSeamStub } from '../support/seam-stub';

const run = (cmd: string, args: string[], cwd: string) => {
  const r = spawnSync(cmd, args, { cwd, env: { ...nixEnv(), SEAM_QUIET: '1' }, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
};

/** Converts `files` into a git repository (a flake in git sees only tracked files). */
function project(files: Record<string, string>): string {
  const root = tree(files);
  const conv = openProject(root).conversion({ seamVersion: 'test' });
  applyWrites(root, planWrites(root, conv.files, false));
  run('git', ['init', '-q'], root);
  run('git', ['add', '-A'], root);
  return root;
}

const SHAPES: Record<string, Record<string, string>> = {
  'conda + pip with CUDA (the example)': Object.fromEntries(
    ['environment.yml', 'requirements.txt', 'requirements-base.txt', 'pyproject.toml'].map((f) => [
      f,
      fs.readFileSync(path.join(ROOT, 'examples', 'ml-project', f), 'utf8'),
    ]),
  ),
  'requirements with no GPU packages': { 'requirements.txt': 'requests>=2\nrich\nclick==8.1.7\n' },
  'jax with cuda12 extras (Pipfile, Python 3.10)': {
    Pipfile: '[packages]\njax = {extras = ["cuda12"], version = ">=0.4"}\nflax = "*"\n[requires]\npython_version = "3.10"\n',
  },
  'tensorflow-gpu and faiss-gpu (poetry)': {
    'pyproject.toml': '[tool.poetry]\nname = "tf"\n[tool.poetry.dependencies]\npython = "^3.11"\ntensorflow-gpu = "*"\nfaiss-gpu = "*"\n',
  },
  'PEP 621 with torch from the cu121 index': {
    'pyproject.toml': '[project]\nname = "p"\nrequires-python = ">=3.12"\ndependencies = ["torch==2.2.1+cu121", "numpy"]\n',
    'requirements.txt': '--extra-index-url https://download.pytorch.org/whl/cu121\ntorch\n',
  },
  'conda system tools and CUDA libraries': {
    'environment.yml': 'name: sys\ndependencies:\n  - python=3.12\n  - ffmpeg\n  - gdal\n  - cudnn\n  - nccl\n  - cuda-nvcc\n  - rust\n',
  },
  'hostile names and URLs': {
    'environment.yml': `name: ${JSON.stringify(HOSTILE.join(' '))}\ndependencies:\n  - pip:\n    - "pkg @ https://example.com/\${x}/a'b/pkg-1.0.tar.gz"\n`,
    'requirements.txt': '--index-url https://example.com/${builtins.abort}/simple\nrequests\n',
    'requirements-$(touch PWNED)-"${builtins.abort "x"}".txt': 'six\n',
  },
};

describe('generated flake.nix (real nix)', function () {
  this.timeout(300_000);
  let stub = '';
  before(function () {
    if (!which('nix') || !which('nix-instantiate')) skipBecause(this, 'nix is not installed');
    if (!which('git')) skipBecause(this, 'git is not installed');
    stub = makeSeamStub();
  });
  const withStub = () => ['--no-write-lock-file', '--override-input', 'nixpkgs', `path:${stub}`];

  for (const [name, files] of Object.entries(SHAPES)) {
    it(`${name}: parses, and shows cpu/cuda/default shells on Linux and cpu/default on macOS`, () => {
      const root = project(files);
      run('nix-instantiate', ['--parse', 'flake.nix'], root);
      const shown = JSON.parse(run('nix', ['flake', 'show', '--json', ...withStub(), root], root));
      assert.deepEqual(Object.keys(shown.devShells).sort(), ['aarch64-darwin', 'aarch64-linux', 'x86_64-darwin', 'x86_64-linux']);
      assert.deepEqual(Object.keys(shown.devShells['x86_64-linux']).sort(), ['cpu', 'cuda', 'default']);
      assert.deepEqual(Object.keys(shown.devShells['aarch64-darwin']).sort(), ['cpu', 'default']);
      assert.equal(shown.devShells['x86_64-linux'].cuda.name, 'seam-cuda');
      assert.equal(shown.devShells['x86_64-linux'].default.name, 'seam-cpu');
    });
  }

  it('hostile manifest text is never interpreted: the flake evaluates, the shell runs, nothing from a manifest executes', () => {
    const root = project(SHAPES['hostile names and URLs']);
    const flake = fs.readFileSync(path.join(root, 'flake.nix'), 'utf8');
    assert.match(
      flake.split('\n')[0],
      /requirements-\$\(touch PWNED\)-"\$\{builtins\.abort "x"\}"\.txt/,
      'the file name is in the header comment, on one line',
    );
    const description = JSON.parse(
      run('nix-instantiate', ['--eval', '--json', '--expr', `(import ${path.join(root, 'flake.nix')}).description`], root),
    );
    assert.match(description, /^Python environment for [a-z0-9-]+ \(Nix \+ uv, generated by Seam\)$/);
    run('nix', ['develop', ...withStub(), `${root}#cpu`, '-c', 'true'], root);
    assert.ok(!fs.existsSync(path.join(root, 'PWNED')), 'a command in a file name ran');
    // Every string Seam writes into Nix, evaluated by Nix, is the string it meant.
    for (const h of HOSTILE)
      assert.equal(JSON.parse(run('nix', ['eval', '--json', '--expr', nixString(h)], root)), h.replaceAll('\u0000', '\uFFFD'));
  });

  it("the cuda shell uses the CUDA set the manifests asked for; without a request, nixpkgs' default", () => {
    const asked = project(SHAPES['conda + pip with CUDA (the example)']);
    assert.equal(
      JSON.parse(run('nix', ['eval', '--json', ...withStub(), `${asked}#devShells.x86_64-linux.cuda.SEAM_CUDA_VERSION`], asked)),
      '12.6',
    );
    assert.equal(
      JSON.parse(run('nix', ['eval', '--json', ...withStub(), `${asked}#devShells.x86_64-linux.cpu.SEAM_CUDA_VERSION`], asked)),
      '',
    );
    const plain = project(SHAPES['requirements with no GPU packages']);
    assert.equal(
      JSON.parse(run('nix', ['eval', '--json', ...withStub(), `${plain}#devShells.x86_64-linux.cuda.SEAM_CUDA_VERSION`], plain)),
      '12.9',
    );
  });

  it('system packages and CUDA libraries land in the shells that need them', () => {
    const root = project(SHAPES['conda system tools and CUDA libraries']);
    const names = (target: string) =>
      JSON.parse(
        run(
          'nix',
          ['eval', '--json', ...withStub(), `${root}#devShells.x86_64-linux.${target}.nativeBuildInputs`, '--apply', 'map (d: d.name)'],
          root,
        ),
      );
    assert.deepEqual(
      names('cpu'),
      ['python312-env', 'uv-stand-in', 'cargo', 'ffmpeg', 'rustc'],
      'gdal is a Python package (osgeo) from Nix; the CUDA libraries are not in the cpu shell',
    );
    const cuda = names('cuda');
    for (const n of ['cuda-12_9-cudnn', 'cuda-12_9-nccl', 'cuda-12_9-cuda_nvcc', 'ffmpeg']) assert.ok(cuda.includes(n), `${n} in ${cuda}`);
  });

  it('nix develop: .venv on the Nix Python sees the Nix packages (CUDA builds in the cuda shell), and is reused', () => {
    const root = project(SHAPES['conda + pip with CUDA (the example)']);
    const probe = 'import json, sys, torch, numpy; print(json.dumps([sys.prefix, torch.__file__, torch.cuda, numpy.version]))';
    const inShell = (target: string) =>
      JSON.parse(
        run('nix', ['develop', ...withStub(), `${root}#${target}`, '-c', 'python', '-c', probe], root)
          .trim()
          .split('\n')
          .pop()!,
      );
    const [prefix, torchFile, cuda, numpyVersion] = inShell('cuda');
    assert.equal(fs.realpathSync(prefix), fs.realpathSync(path.join(root, '.venv')));
    assert.match(torchFile, /^\/nix\/store\/[a-z0-9]{32}-python311-env\//);
    assert.equal(cuda, true);
    assert.equal(numpyVersion, '2.3.3');
    const cfg = fs.readFileSync(path.join(root, '.venv', 'pyvenv.cfg'), 'utf8');
    assert.match(cfg, /^include-system-site-packages = true$/m);
    assert.match(cfg, /^home = \/nix\/store\/[a-z0-9]{32}-python311-stand-in\/bin$/m);
    const [, cpuTorch, cpuCuda] = inShell('cpu');
    assert.equal(cpuCuda, false, "the cpu shell's torch is built without CUDA");
    assert.notEqual(cpuTorch, torchFile);
    assert.equal(fs.readFileSync(path.join(root, '.venv', 'pyvenv.cfg'), 'utf8'), cfg, 'the same interpreter: .venv is kept');
  });

  it('nix develop leaves a .venv that is not a virtual environment alone', () => {
    const root = project({ 'requirements.txt': 'numpy\n', '.venv/notes.txt': 'mine\n' });
    const r = spawnSync('nix', ['develop', ...withStub(), `${root}#cpu`, '-c', 'true'], {
      cwd: root,
      env: { ...nixEnv(), SEAM_QUIET: '1' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /\.venv is not a virtual environment; leaving it alone/);
    assert.deepEqual(fs.readdirSync(path.join(root, '.venv')), ['notes.txt']);
  });

  it('evaluates against a real nixpkgs (SEAM_TEST_NIXPKGS)', function () {
    const real = process.env.SEAM_TEST_NIXPKGS;
    if (!real) skipBecause(this, 'no nixpkgs available: set SEAM_TEST_NIXPKGS to a nixpkgs flake ref or path');
    const root = project(SHAPES['conda + pip with CUDA (the example)']);
    const out = execFileSync(
      'nix',
      [
        'eval',
        '--json',
        '--override-input',
        'nixpkgs',
        real,
        '--no-write-lock-file',
        `${root}#devShells.x86_64-linux`,
        '--apply',
        'builtins.mapAttrs (n: s: s.name)',
      ],
      { cwd: root, env: nixEnv(), encoding: 'utf8' },
    );
    assert.deepEqual(JSON.parse(out), { cpu: 'seam-cpu', cuda: 'seam-cuda', default: 'seam-cpu' });
  });
});
