/**
 * The uv layer in daily use, with real nix (the miniature nixpkgs) and a real uv against PyPI:
 * entering the cpu shell locks and syncs without torch or any nvidia-/cuda- wheel; then `uv run`,
 * `uv add` of a package that depends on torch, and `uv pip install torch` leave Nix's torch the only
 * torch; the shell exports no LD_LIBRARY_PATH; `.venv/bin/torchrun` (Nix's entry point) runs in the
 * venv and imports a uv package; `seam check` passes, and its resolution finds a uv package that
 * disagrees with Nix's torch. The miniature's torch gets a console script in a temporary copy (real
 * nixpkgs' torch ships torchrun in its entry_points.txt). Without uv or PyPI: SKIPPED, except under CI=true.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NIX_SHIM_SUMMARY } from '../../src/core/check/contract';
import { parseUvLock } from '../../src/core/check/uvlock';
import { nixCompatibility } from '../../src/core/env/compat';
import { runProcess } from '../../src/core/env/process';
import { resolveEnv } from '../../src/core/env/resolve';
import { MINI, needUvLayer, nixEnv, ROOT, tree } from '../helpers';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const UV_CACHE = path.join(os.homedir(), '.cache', 'seam-test-uv');

/**
 * A copy of the miniature whose torch ships torchrun as real torch does (entry_points.txt →
 * torch.distributed.run:main), and, given a folder holding a real setuptools, whose setuptools is
 * that one (the miniature's is a stand-in without setuptools.build_meta; real nixpkgs' is real).
 */
function miniWithTorchrun(realSetuptools?: string): string {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-mini-'));
  fs.cpSync(MINI, copy, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', copy]);
  const builder = path.join(copy, 'pkgs', 'python', 'default.nix');
  const b = fs.readFileSync(builder, 'utf8');
  const anchor = 'echo nixpkgs-mini > "$site/${distInfo}/INSTALLER"';
  assert.ok(b.includes(anchor), 'the miniature builder changed: update this test');
  fs.writeFileSync(builder, b.replace(anchor, `${anchor}\n              \${attrs.testInstall or ""}`));
  const packages = path.join(copy, 'pkgs', 'top-level', 'python-packages.nix');
  const p = fs.readFileSync(packages, 'utf8');
  assert.ok(p.includes('buildPythonPackage {\n      pname = "torch";'), 'the miniature changed: update this test');
  const install = [
    'mkdir -p "$site/torch/distributed"',
    'touch "$site/torch/distributed/__init__.py"',
    `printf 'import runpy\\nimport sys\\n\\n\\ndef main():\\n    sys.argv = sys.argv[1:]\\n    runpy.run_path(sys.argv[0], run_name="__main__")\\n' > "$site/torch/distributed/run.py"`,
    `printf '[console_scripts]\\ntorchrun = torch.distributed.run:main\\n' > "$(echo "$site"/torch-*.dist-info)/entry_points.txt"`,
  ].join('\n');
  // The first torch is python3Packages.torch (torch-bin, also named torch, follows).
  let patched = p.replace('pname = "torch";', `pname = "torch";\n      testInstall = ''\n${install}\n'';`);
  if (realSetuptools) {
    assert.ok(patched.includes('setuptools = mk { pname = "setuptools";'), 'the miniature changed: update this test');
    const copyIn = `for d in setuptools pkg_resources _distutils_hack; do rm -rf "$site/$d"; cp -r ${realSetuptools}/$d "$site/"; done; cp ${realSetuptools}/setuptools-*.dist-info/entry_points.txt "$(echo "$site"/setuptools-*.dist-info)/"`;
    patched = patched.replace(
      'setuptools = mk { pname = "setuptools";',
      `setuptools = mk { pname = "setuptools"; testInstall = ''\n${copyIn}\n'';`,
    );
  }
  fs.writeFileSync(packages, patched);
  return copy;
}

describe('the uv layer in daily use: a real uv in a real Seam shell (miniature nixpkgs)', function () {
  this.timeout(900_000);
  let uv = '';
  let root = '';
  let env: NodeJS.ProcessEnv = {};
  const shell = (script: string) =>
    spawnSync('nix', ['develop', '.#cpu', '-c', 'bash', '-c', script], { cwd: root, env, encoding: 'utf8', timeout: 600_000 });
  const sitePackages = () => {
    const lib = path.join(root, '.venv', 'lib');
    const py = fs.readdirSync(lib).find((d) => d.startsWith('python'))!;
    return fs.readdirSync(path.join(lib, py, 'site-packages'));
  };
  /** Real torch/triton/nvidia-/cuda- installs in .venv; Seam's stand-in dist-info (metadata only, "Provided by Nix") is not one. */
  const foreignTorch = (names: string[]) =>
    names.filter((n) => {
      if (!(/^(torch|triton|nvidia|cuda)[-_.]/i.test(n) || n === 'torch')) return false;
      if (!n.endsWith('.dist-info')) return true;
      const meta = path.join(root, '.venv', 'lib', fs.readdirSync(path.join(root, '.venv', 'lib'))[0], 'site-packages', n, 'METADATA');
      return !(fs.existsSync(meta) && fs.readFileSync(meta, 'utf8').includes(NIX_SHIM_SUMMARY));
    });

  before(async function () {
    uv = await needUvLayer(this);
    const mini = miniWithTorchrun();
    // The miniature's interpreters are the host's python3: the plan uses its version so uv finds it.
    const host = execFileSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();
    root = tree({
      'requirements.txt': 'torch==2.9.1\nrich>=13\n',
      'seam.toml': `nixpkgs = "path:${mini}"\npython = "${host}"\ntargets = ["cpu"]\n`,
      'train.py': 'import rich\nimport torch\nprint("rich from", rich.__file__)\nprint("torch from", torch.__file__)\n',
    });
    env = { ...nixEnv(), HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'seam-home-')), UV_CACHE_DIR: UV_CACHE, SEAM_QUIET: '1' };
    env.PATH = `${path.dirname(uv)}:${process.env.PATH}`;
    delete env.LD_LIBRARY_PATH;
    delete env.VIRTUAL_ENV;
    const c = spawnSync(process.execPath, [CLI, 'convert', root], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
    assert.equal(c.status, 0, c.stderr);
  });

  it('entering the cpu shell runs uv lock and uv sync: .venv has the uv packages and no torch, nvidia-* or cuda-* wheel', () => {
    const r = shell(
      'printenv LD_LIBRARY_PATH; echo "ld=$?"; sh -c \'echo "host sees [${LD_LIBRARY_PATH-}]"\'; python -c "import rich, torch; print(torch.__file__)"',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /ld=1/, 'the cpu shell exports no LD_LIBRARY_PATH');
    assert.match(r.stdout, /host sees \[\]/, 'host programs see none');
    assert.match(r.stdout, /^\/nix\/store\/.*torch\/__init__\.py$/m, "Python imports Nix's torch");
    const site = sitePackages();
    assert.ok(
      site.some((n) => n.startsWith('rich-')),
      `uv installed rich: ${site}`,
    );
    assert.deepEqual(foreignTorch(site), [], 'uv installed none of torch, triton, nvidia-*, cuda-*');
    const lock = parseUvLock(fs.readFileSync(path.join(root, 'uv.lock'), 'utf8'));
    assert.ok(
      fs.existsSync(path.join(root, '.seam', 'nix-wheels', 'torch-2.9.1-py3-none-any.whl')),
      "the shell wrote Nix's torch as a wheel without code",
    );
    assert.ok(![...lock.versions.keys()].some((n) => /^(nvidia|cuda)-/.test(n)), 'no nvidia-/cuda- wheel in the lock');
  });

  it("the editor's resolution makes the whole environment: the dev shell's variables and .venv, from the shell's own shellHook", async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-cache-'));
    const { env: resolved } = await resolveEnv({ root, target: 'cpu', nix: 'nix', cacheDir, env });
    assert.equal(resolved.hook?.failed, undefined, JSON.stringify(resolved.hook));
    assert.equal(resolved.variables.VIRTUAL_ENV, path.join(root, '.venv'));
    assert.equal(resolved.path[0], path.join(root, '.venv', 'bin'), '.venv/bin first, as in the shell');
    assert.equal(resolved.variables.UV_EXCLUDE, path.join(root, '.venv', 'seam-nix-packages.txt'));
    assert.equal(resolved.variables.UV_PYTHON, path.join(root, '.venv', 'bin', 'python'));
    assert.ok(!('LD_LIBRARY_PATH' in resolved.variables));
    // A terminal with this environment imports a uv package and Nix's torch.
    const t = spawnSync('python', ['-c', 'import rich, torch; print(torch.__file__)'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ...resolved.variables, PATH: [...resolved.path, process.env.PATH].join(':') },
    });
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /^\/nix\/store\/.*torch\/__init__\.py$/m);
  });

  it("uv run, uv add of a package that needs torch, and uv pip install torch leave Nix's torch the only torch", () => {
    const r = shell(
      [
        'uv run python -c "import torch; print(\'run:\', torch.__file__)"',
        'uv add torchmetrics',
        'uv pip install torch',
        'python -c "import torch; print(\'after:\', torch.__file__)"',
        'echo "nosync=${UV_NO_SYNC-}"',
      ].join(' && '),
    );
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^run: \/nix\/store\/.*torch\/__init__\.py$/m);
    assert.match(r.stdout, /^after: \/nix\/store\/.*torch\/__init__\.py$/m);
    assert.match(r.stdout, /nosync=$/m, "Seam's pyproject excludes Nix's packages, so uv run and uv add may sync");
    const site = sitePackages();
    assert.ok(
      site.some((n) => n.startsWith('torchmetrics-')),
      'uv add installed torchmetrics',
    );
    // torchmetrics needs torch and packaging: uv.lock takes both from the stand-in wheels the shell made, at Nix's
    // versions, so what it installs for them is metadata only.
    const text = fs.readFileSync(path.join(root, 'uv.lock'), 'utf8');
    assert.match(text, /name = "torch"\nversion = "2\.9\.1"\nsource = \{ registry = "\.seam\/nix-wheels" \}/, "uv.lock's torch is Nix's");
    assert.match(
      text,
      /name = "packaging"\nversion = "25\.0"\nsource = \{ registry = "\.seam\/nix-wheels" \}/,
      'and so is what torch brings',
    );
    assert.ok(![...parseUvLock(text).versions.keys()].some((n) => /^(nvidia|cuda)-/.test(n)), 'no nvidia-/cuda- wheel in the lock');
    assert.deepEqual(foreignTorch(site), [], 'and still no second torch, nor its CUDA wheels');
  });

  it('seam convert after uv add keeps the added package (the file uv edited is not "edited by hand")', () => {
    const c = spawnSync(process.execPath, [CLI, 'convert', root], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /replace {3}pyproject\.toml {2}\(uv add or uv remove changed its dependencies: kept torchmetrics/);
    const pyproject = fs.readFileSync(path.join(root, 'pyproject.toml'), 'utf8');
    assert.match(pyproject, /^dependencies = \[\n {2}"rich>=13",\n {2}"torchmetrics>=[^"]+",\n\]/m);
    assert.match(pyproject, /^uv-added = \[\n {2}"torchmetrics>=/m);
  });

  it(".venv/bin/torchrun (Nix's entry point) runs the venv's Python, so the script imports the uv packages", () => {
    const r = shell('.venv/bin/torchrun train.py');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`rich from ${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\.venv/`));
    assert.match(r.stdout, /torch from \/nix\/store\//);
    assert.match(
      fs.readFileSync(path.join(root, '.venv', 'bin', 'torchrun'), 'utf8'),
      /^#!.*\/\.venv\/bin\/python\n# seam: entry point of Nix's torch/,
    );
  });

  it("seam check passes: nothing of Nix in .venv, and uv resolves the locked packages together with Nix's versions", () => {
    const r = spawnSync(process.execPath, [CLI, 'check', '--json', root], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const out = JSON.parse(r.stdout);
    assert.equal(out.compatibility, 'agrees', JSON.stringify(out.notes));
  });

  it("the resolution catches a uv package that disagrees with Nix's torch (fastai 2.7.12 needs torch<2.1)", async () => {
    const lock = parseUvLock(
      'version = 1\n\n[[package]]\nname = "fastai"\nversion = "2.7.12"\nsource = { registry = "https://pypi.org/simple" }\n',
    );
    const r = await nixCompatibility(
      { lock, kept: new Set(['torch']), nixVersions: new Map([['torch', '2.9.1']]), python: '3.11' },
      uv,
      runProcess,
      { ...env, UV_CACHE_DIR: UV_CACHE },
    );
    assert.equal(r.kind, 'conflict', JSON.stringify(r));
    assert.match((r as { explanation: string }).explanation, /fastai==2\.7\.12 depends on torch/);
  });
});

describe("local projects in a real Seam shell: -e . on sys.path, a package that builds against torch built against Nix's (miniature nixpkgs, real uv)", function () {
  this.timeout(900_000);
  let root = '';
  let env: NodeJS.ProcessEnv = {};
  before(async function () {
    const uv = await needUvLayer(this);
    const host = execFileSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();
    // A real setuptools (from PyPI) for the miniature's Nix environment, which ./ext builds with: 70.3 builds wheels
    // itself and uses its own vendored packaging (71 and later prefer an installed one: here the miniature's stand-in).
    const setuptools = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-setuptools-'));
    const got = spawnSync(uv, ['pip', 'install', '--quiet', '--target', setuptools, '--python', 'python3', 'setuptools==70.3.0'], {
      encoding: 'utf8',
      env: { ...process.env, UV_CACHE_DIR: UV_CACHE },
    });
    assert.equal(got.status, 0, got.stderr);
    const mini = miniWithTorchrun(setuptools);
    root = tree({
      'requirements.txt': 'torch==2.9.1\n./ext\n-e .\n',
      'seam.toml': `nixpkgs = "path:${mini}"\npython = "${host}"\n`,
      // stable-diffusion's shape: a setup.py whose name is a literal, installed with -e .
      'setup.py':
        'from setuptools import find_packages, setup\n\nsetup(\n    name="my-app",\n    version="0.1",\n    packages=find_packages(),\n)\n',
      'myapp/__init__.py': 'WHERE = __file__\n',
      // gaussian-splatting's shape: a local package whose setup.py imports torch (there: torch.utils.cpp_extension).
      'ext/setup.py': [
        'import os',
        '',
        'import torch',
        'from setuptools import setup',
        '',
        'here = os.path.dirname(os.path.abspath(__file__))',
        'with open(os.path.join(here, "myext", "_built.py"), "w") as f:',
        '    f.write("TORCH = %r\\n" % torch.__file__)',
        'setup(name="my-ext", version="0.1", packages=["myext"])',
        '',
      ].join('\n'),
      'ext/myext/__init__.py': '',
    });
    env = { ...nixEnv(), HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'seam-home-')), UV_CACHE_DIR: UV_CACHE, SEAM_QUIET: '1' };
    env.PATH = `${path.dirname(uv)}:${process.env.PATH}`;
    delete env.VIRTUAL_ENV;
    const c = spawnSync(process.execPath, [CLI, 'convert', root], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
    assert.equal(c.status, 0, c.stderr);
  });

  it('the generated project names both, builds ./ext without isolation and puts -e . on sys.path; the cuda shell has CUDA_HOME only for a CUDA extension', () => {
    const pyproject = fs.readFileSync(path.join(root, 'pyproject.toml'), 'utf8');
    assert.match(pyproject, /^ {2}"my-ext",$/m, 'named from its literal setup(name=…)');
    assert.match(pyproject, /no-build-isolation-package = \[\n {2}"my-ext",\n\]/);
    assert.match(pyproject, /\[tool\.uv\.sources\]\nmy-ext = \{ path = "\.\/ext" \}/);
    assert.match(pyproject, /\[tool\.seam\]\n#.*\npython-path = \[\n {2}"\.",\n\]/);
    assert.doesNotMatch(pyproject, /^ {2}"my-app/m, 'the project itself is not a dependency of itself');
    assert.match(fs.readFileSync(path.join(root, 'flake.nix'), 'utf8'), /ps\.setuptools/, 'setuptools comes from Nix for the build');
  });

  it("entering the cpu shell builds ./ext against Nix's torch and imports the project's own code from the folder", () => {
    const r = spawnSync(
      'nix',
      ['develop', '.#cpu', '-c', 'python', '-c', 'import myapp, myext._built as b; print("app", myapp.WHERE); print("built", b.TORCH)'],
      { cwd: root, env, encoding: 'utf8', timeout: 600_000 },
    );
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^app ${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/myapp/__init__\\.py$`, 'm'));
    assert.match(r.stdout, /^built \/nix\/store\/.*torch\/__init__\.py$/m, "the build saw Nix's torch, not one from PyPI");
  });

  it('a CUDA extension gets CUDA_HOME (the pinned cudaPackages.cudatoolkit, with nvcc) in the cuda shell, and the cpu shell none', () => {
    const cuda = tree({
      'requirements.txt': 'torch\n./submodules/simple-knn\n',
      'seam.toml': `nixpkgs = "path:${MINI}"\n`,
      'submodules/simple-knn/setup.py':
        'from setuptools import setup\nfrom torch.utils.cpp_extension import BuildExtension, CUDAExtension\n\nsetup(name="simple_knn", ext_modules=[CUDAExtension(name="simple_knn._C", sources=["spatial.cu"])], cmdclass={"build_ext": BuildExtension})\n',
    });
    const c = spawnSync(process.execPath, [CLI, 'convert', cuda], { cwd: cuda, env, encoding: 'utf8', timeout: 300_000 });
    assert.equal(c.status, 0, c.stderr);
    const evalAttr = (attr: string) =>
      spawnSync('nix', ['eval', '--raw', `.#devShells.x86_64-linux.${attr}`], { cwd: cuda, env, encoding: 'utf8', timeout: 300_000 });
    const home = evalAttr('cuda.CUDA_HOME');
    assert.equal(home.status, 0, home.stderr);
    assert.match(home.stdout, /^\/nix\/store\/[a-z0-9]{32}-cuda-merged-/);
    assert.notEqual(evalAttr('cpu.CUDA_HOME').status, 0, 'the cpu shell has no CUDA_HOME');
    const plan = fs.readFileSync(path.join(cuda, 'seam-plan.txt'), 'utf8');
    assert.match(
      plan,
      /simple_knn \(\.\/submodules\/simple-knn\): its build imports torch, so uv builds it without isolation.*CUDA_HOME and nvcc/,
    );
  });
});
