/**
 * The flakes Seam generates, checked with Debian's real nix against ../shared/nixpkgs-mini — a
 * miniature nixpkgs with nixpkgs' structure and failure modes (python3 = python313, 3.10/3.11/3.14
 * not built, numpy disabled below 3.11, Linux-only triton, unfree CUDA, default cudaPackages_12_8),
 * not a stand-in derived from Seam's own knowledge. Every test project is converted by `seam
 * convert` (which reads its facts from the miniature), and every shell its flake declares must
 * evaluate (`drvPath`) on all four systems; `nix develop` runs the shellHook for real. Against a
 * real nixpkgs only with SEAM_TEST_NIXPKGS.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nixString } from '../../src/core/text/escape';
import { MINI, nixEnv, ROOT, skipBecause, tree, which } from '../helpers';
import { HOSTILE } from '../support/hostile';
import { LOCAL_PROJECTS, PIN_PROJECTS, SHAPES } from '../support/projects';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-home-'));
const env = () => ({ ...nixEnv(), HOME, SEAM_QUIET: '1' });

const run = (cmd: string, args: string[], cwd: string) => {
  const r = spawnSync(cmd, args, { cwd, env: env(), encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
};

/** `seam convert` of `files` pinned to `nixpkgs` (the miniature), in a git repository (a flake in git sees only tracked files). */
function project(files: Record<string, string>, nixpkgs = `path:${MINI}`): { root: string; out: string; err: string } {
  const root = tree(files);
  const r = spawnSync(
    process.execPath,
    [CLI, 'convert', '--nixpkgs', nixpkgs, ...(fs.existsSync(path.join(root, 'pyproject.toml')) ? ['--update-pyproject'] : []), root],
    {
      cwd: root,
      env: env(),
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  if (r.status !== 0) throw new Error(`seam convert failed (${r.status}):\n${r.stderr}`);
  run('git', ['init', '-q'], root);
  run('git', ['add', '-A'], root);
  return { root, out: r.stdout, err: r.stderr };
}

/** The drvPath of every shell the flake declares, on every system (throws when one does not evaluate). */
function drvPaths(root: string): Record<string, Record<string, string>> {
  return JSON.parse(
    run(
      'nix',
      ['eval', '--json', `${root}#devShells`, '--apply', 'builtins.mapAttrs (system: builtins.mapAttrs (name: s: s.drvPath))'],
      root,
    ),
  );
}

const evalJson = (root: string, attr: string) => JSON.parse(run('nix', ['eval', '--json', `${root}#${attr}`], root));

describe('generated flake.nix against the miniature nixpkgs (real nix)', function () {
  this.timeout(600_000);
  before(function () {
    if (!which('nix') || !which('nix-instantiate')) skipBecause(this, 'nix is not installed');
    if (!which('git')) skipBecause(this, 'git is not installed');
    if (!fs.existsSync(path.join(MINI, 'flake.nix'))) skipBecause(this, `no miniature nixpkgs at ${MINI}`);
    if (!fs.existsSync(CLI)) execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
  });

  for (const [name, files] of Object.entries({ ...SHAPES, ...LOCAL_PROJECTS, ...PIN_PROJECTS })) {
    it(`${name}: converts, and every shell it declares evaluates on all four systems`, () => {
      const { root } = project(files);
      run('nix-instantiate', ['--parse', 'flake.nix'], root);
      const shells = drvPaths(root);
      assert.deepEqual(Object.keys(shells).sort(), ['aarch64-darwin', 'aarch64-linux', 'x86_64-darwin', 'x86_64-linux']);
      assert.deepEqual(Object.keys(shells['x86_64-linux']).sort(), ['cpu', 'cuda', 'default']);
      assert.deepEqual(Object.keys(shells['aarch64-darwin']).sort(), ['cpu', 'default']);
      for (const s of Object.values(shells))
        for (const drv of Object.values(s)) assert.match(drv, /^\/nix\/store\/[a-z0-9]{32}-seam-(cpu|cuda)\.drv$/);
      const flake = fs.readFileSync(path.join(root, 'flake.nix'), 'utf8');
      assert.doesNotMatch(flake, /overlays =/, 'no cudaPackages overlay unless seam.toml asks for one');
      assert.match(flake, /inputs\.nixpkgs\.url = "path:[^"]*nixpkgs-mini";/);
    });
  }

  it("whisper's macOS shells have no triton (its marker and meta.platforms say Linux), its Linux x86_64 shells have", () => {
    const { root } = project(PIN_PROJECTS['whisper (triton only on Linux x86_64)']);
    const flake = fs.readFileSync(path.join(root, 'flake.nix'), 'utf8');
    assert.match(flake, /\+\+ \(if builtins\.elem system \[ "x86_64-linux" \] then \[ ps\.triton \] else \[ \]\)/);
    // The shell's Python environment (python.withPackages) keeps the packages it was given in extraLibs.
    const tritonIn = (system: string, target: string): boolean =>
      JSON.parse(
        run(
          'nix',
          [
            'eval',
            '--json',
            `${root}#devShells.${system}.${target}.nativeBuildInputs`,
            '--apply',
            'ds: builtins.any (d: builtins.any (p: (p.pname or "") == "triton") (d.extraLibs or [ ])) ds',
          ],
          root,
        ),
      );
    assert.equal(tritonIn('aarch64-darwin', 'cpu'), false);
    assert.equal(tritonIn('x86_64-linux', 'cpu'), true);
    assert.match(
      fs.readFileSync(path.join(root, 'seam-plan.txt'), 'utf8'),
      /triton: left out of the cpu shell on aarch64-linux, x86_64-darwin, aarch64-darwin: its markers exclude it/,
    );
  });

  it('a conda project asking for Python 3.8 converts: the nearest Python for which every Nix package evaluates, said and recorded', () => {
    // stable-diffusion's environment without its torch 1.x and numpy 1.x pins (those are another era: a decision of their own).
    const { 'seam.toml': _, ...files } = LOCAL_PROJECTS['conda with -e . (stable-diffusion)'];
    files['environment.yml'] = files['environment.yml'].replace(/=1\.11\.0|=0\.12\.0|=1\.19\.2/g, '');
    assert.match(files['environment.yml'], /- pytorch\n {2}- torchvision\n {2}- numpy\n/);
    const { root, err } = project(files);
    assert.match(
      err,
      /no Python in this nixpkgs fits .*Seam uses 3\.11, the nearest for which every Nix package evaluates \(3\.10: torchvision needs numpy, scipy, which do not evaluate here \(numpy: not supported for interpreter python310\)\)/,
    );
    assert.match(fs.readFileSync(path.join(root, 'flake.nix'), 'utf8'), /python = pkgs\.python311;/);
    assert.match(
      fs.readFileSync(path.join(root, 'seam.toml'), 'utf8'),
      /^# python = "3\.11" +# no Python in this nixpkgs fits ==3\.8\.5\.\*/m,
    );
  });

  it('a package that evaluates on no system of a target goes to uv there (cupy in the cpu shell is unfree CUDA)', () => {
    const { root } = project(PIN_PROJECTS['cupy for CUDA 12 (unfree CUDA in the cpu shell)']);
    const plan = fs.readFileSync(path.join(root, 'seam-plan.txt'), 'utf8');
    assert.match(
      plan,
      /cupy: nixpkgs' cupy does not evaluate for the cpu shell on any system \(needs cuda-merged.*\): uv installs it there/,
    );
    assert.equal(evalJson(root, 'devShells.x86_64-linux.cuda.SEAM_CUDA_VERSION'), '12.8');
  });

  it("the cuda shell uses nixpkgs' default CUDA set; another set only when seam.toml asks (an overlay)", () => {
    const { root: dflt } = project(SHAPES['conda + pip with CUDA (the example)']);
    assert.equal(
      evalJson(dflt, 'devShells.x86_64-linux.cuda.SEAM_CUDA_VERSION'),
      '12.8',
      "the example asks for 12.1: the miniature's default 12.8 answers",
    );
    assert.equal(evalJson(dflt, 'devShells.x86_64-linux.cpu.SEAM_CUDA_VERSION'), '');
    const { root: asked } = project({ 'requirements.txt': 'torch\n', 'seam.toml': '[cuda]\nversion = "12.6"\n' });
    assert.match(
      fs.readFileSync(path.join(asked, 'flake.nix'), 'utf8'),
      /overlays = \[ \(final: prev: \{ cudaPackages = final\.cudaPackages_12_6; \}\) \];/,
    );
    assert.equal(evalJson(asked, 'devShells.x86_64-linux.cuda.SEAM_CUDA_VERSION'), '12.6');
  });

  it('the plan and the flake follow the pin: a copy of the miniature with python3 = python312 and CUDA 12.9 by default', () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'nixpkgs-mini-copy-'));
    fs.cpSync(MINI, copy, { recursive: true });
    const top = path.join(copy, 'pkgs', 'top-level', 'all-packages.nix');
    const text = fs.readFileSync(top, 'utf8');
    const edited = text
      .replace('python3 = final.python313;', 'python3 = final.python312;')
      .replace(
        'python3Packages = lib.dontRecurseIntoAttrs final.python313Packages;',
        'python3Packages = lib.dontRecurseIntoAttrs final.python312Packages;',
      )
      .replace('cudaPackages_12 = final.cudaPackages_12_8;', 'cudaPackages_12 = final.cudaPackages_12_9;');
    assert.notEqual(edited, text);
    fs.writeFileSync(top, edited);
    for (const [pin, python, cuda] of [
      [`path:${MINI}`, '3.13', '12.8'],
      [`path:${copy}`, '3.12', '12.9'],
    ]) {
      const { root } = project({ 'requirements.txt': 'torch\nnumpy\n' }, pin);
      const planned = JSON.parse(run(process.execPath, [CLI, 'plan', '--json', root], root));
      assert.deepEqual([planned.python, planned.cuda.version, planned.nixpkgs.facts], [python, cuda, 'pin'], pin);
      assert.match(fs.readFileSync(path.join(root, 'flake.nix'), 'utf8'), new RegExp(`python = pkgs\\.python${python.replace('.', '')};`));
      assert.equal(evalJson(root, 'devShells.x86_64-linux.cuda.SEAM_CUDA_VERSION'), cuda);
    }
  });

  it('convert pins the revision: flake.lock as Nix writes it (nix leaves it unchanged), the revision and date in seam.toml', () => {
    const { root, out } = project({ 'requirements.txt': 'numpy\n' });
    assert.match(out, /^ {2}create {4}flake\.lock$/m);
    const lock = fs.readFileSync(path.join(root, 'flake.lock'), 'utf8');
    const meta = JSON.parse(run('nix', ['flake', 'metadata', '--json', `path:${MINI}`], root));
    assert.deepEqual(JSON.parse(lock).nodes.nixpkgs.locked, meta.locked);
    drvPaths(root);
    assert.equal(fs.readFileSync(path.join(root, 'flake.lock'), 'utf8'), lock, 'nix found nothing to change');
    const date = new Date(meta.locked.lastModified * 1000).toISOString().slice(0, 10);
    assert.match(
      fs.readFileSync(path.join(root, 'seam.toml'), 'utf8'),
      new RegExp(`^# flake\\.lock pins it at ${meta.locked.narHash.replace(/[+/]/g, '\\$&')} \\(${date}\\)`, 'm'),
    );
    // A flake.lock that is there already is the team's pin: convert keeps it.
    fs.writeFileSync(path.join(root, 'flake.lock'), lock.replace('"version": 7', '"version": 7 '));
    const again = spawnSync(process.execPath, [CLI, 'convert', '--nixpkgs', `path:${MINI}`, root], {
      cwd: root,
      env: env(),
      encoding: 'utf8',
    });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^ {2}keep {6}flake\.lock/m);
  });

  it('hostile manifest text is never interpreted: the flake evaluates, the shell runs, nothing from a manifest executes', () => {
    const { root } = project(SHAPES['hostile names and URLs']);
    const description = JSON.parse(run('nix', ['eval', '--json', '--file', 'flake.nix', 'description'], root));
    assert.match(description, /^Python environment for [a-z0-9-]+ \(Nix \+ uv, generated by Seam\)$/);
    run('nix', ['develop', `${root}#cpu`, '-c', 'true'], root);
    assert.ok(!fs.existsSync(path.join(root, 'PWNED')), 'a command in a file name ran');
    // Every string Seam writes into Nix, evaluated by Nix, is the string it meant.
    for (const h of HOSTILE)
      assert.equal(JSON.parse(run('nix', ['eval', '--json', '--expr', nixString(h)], root)), h.replaceAll('\u0000', '\uFFFD'));
  });

  it('system packages and CUDA libraries land in the shells that need them', () => {
    const { root } = project(SHAPES['conda system tools and CUDA libraries']);
    const names = (target: string): string[] =>
      JSON.parse(
        run('nix', ['eval', '--json', `${root}#devShells.x86_64-linux.${target}.nativeBuildInputs`, '--apply', 'map (d: d.name)'], root),
      );
    const cpu = names('cpu');
    assert.ok(cpu.includes('ffmpeg-7.1.2'), JSON.stringify(cpu));
    assert.ok(!cpu.some((n) => /cudnn|nccl|cuda_nvcc/.test(n)), `no CUDA library in the cpu shell: ${cpu}`);
    const cuda = names('cuda');
    for (const n of ['cudnn', 'nccl', 'cuda_nvcc'])
      assert.ok(
        cuda.some((x) => x.includes(n)),
        `${n} in ${cuda}`,
      );
  });

  it('nix develop: .venv on the Nix Python sees the Nix packages (other builds in the cuda shell), and is reused', () => {
    const { root } = project(SHAPES['conda + pip with CUDA (the example)']);
    const probe = 'import json, sys, torch, numpy; print(json.dumps([sys.prefix, torch.__file__, numpy.__version__]))';
    const inShell = (target: string) =>
      JSON.parse(
        run('nix', ['develop', `${root}#${target}`, '-c', 'python', '-c', probe], root)
          .trim()
          .split('\n')
          .pop()!,
      );
    const [prefix, cudaTorch, numpyVersion] = inShell('cuda');
    assert.equal(fs.realpathSync(prefix), fs.realpathSync(path.join(root, '.venv')));
    assert.match(cudaTorch, /^\/nix\/store\/[a-z0-9]{32}-python3-3\.12\.\d+-env\//);
    assert.equal(numpyVersion, '2.3.3');
    const cfg = fs.readFileSync(path.join(root, '.venv', 'pyvenv.cfg'), 'utf8');
    assert.match(cfg, /^include-system-site-packages = true$/m);
    const [, cpuTorch] = inShell('cpu');
    assert.notEqual(cpuTorch, cudaTorch, "the cpu shell's torch is another build (without CUDA)");
    assert.equal(fs.readFileSync(path.join(root, '.venv', 'pyvenv.cfg'), 'utf8'), cfg, 'the same interpreter: .venv is kept');
  });

  it('nix develop leaves a .venv that is not a virtual environment alone', () => {
    const { root } = project({ 'requirements.txt': 'numpy\n', '.venv/notes.txt': 'mine\n' });
    const r = spawnSync('nix', ['develop', `${root}#cpu`, '-c', 'true'], { cwd: root, env: env(), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /\.venv is not a virtual environment; leaving it alone/);
    assert.deepEqual(fs.readdirSync(path.join(root, '.venv')), ['notes.txt']);
  });

  it('convert refuses to write a flake whose shell would not evaluate, naming the shell, the package and the reason', () => {
    // The pin's facts are read with its default CUDA set; seam.toml asks for CUDA 13.0, with which nixpkgs marks torch broken.
    const root = tree({ 'requirements.txt': 'torch\n', 'seam.toml': '[cuda]\nversion = "13.0"\n' });
    const before = fs.readdirSync(root).sort();
    const r = spawnSync(process.execPath, [CLI, 'convert', '--nixpkgs', `path:${MINI}`, root], { cwd: root, env: env(), encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /flake\.nix: the cuda shell on x86_64-linux does not evaluate: Package .python3\.13-torch-2\.9\.1. in .* is marked as broken, refusing to evaluate/,
    );
    assert.doesNotMatch(r.stderr, /the cpu shell/);
    assert.match(
      r.stderr,
      /seam\.toml asks for CUDA 13\.0 \(cudaPackages_13_0\); without \[cuda\] version the cuda shell uses nixpkgs' default set/,
    );
    assert.deepEqual(fs.readdirSync(root).sort(), before, 'nothing written');
  });

  it('a conda system package the pin lacks is left out with a warning, one it has lands in the shells (facts of top-level packages)', () => {
    const { root } = project({ 'environment.yml': 'name: t\ndependencies:\n  - python=3.12\n  - abseil-cpp\n  - ffmpeg\n  - numpy\n' });
    assert.match(
      fs.readFileSync(path.join(root, 'seam-plan.txt'), 'utf8'),
      /abseil-cpp: left out of both shells: nixpkgs' abseil-cpp is not in this nixpkgs/,
    );
    const flake = fs.readFileSync(path.join(root, 'flake.nix'), 'utf8');
    assert.doesNotMatch(flake, /abseil/);
    assert.match(flake, /pkgs\.ffmpeg/);
    drvPaths(root);
  });

  it('evaluates against a real nixpkgs (SEAM_TEST_NIXPKGS)', function () {
    const real = process.env.SEAM_TEST_NIXPKGS;
    if (!real) skipBecause(this, 'no nixpkgs available: set SEAM_TEST_NIXPKGS to a nixpkgs flake ref or path');
    const { root } = project(SHAPES['conda + pip with CUDA (the example)'], real);
    const shells = drvPaths(root);
    assert.deepEqual(Object.keys(shells['x86_64-linux']).sort(), ['cpu', 'cuda', 'default']);
  });
});
