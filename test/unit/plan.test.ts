import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { defaultKnowledge } from '../../src/core/knowledge/index';
import { findManifests, readProject } from '../../src/core/manifests/index';
import { eraJump } from '../../src/core/model/versions';
import { wheelPython } from '../../src/core/plan/environment';
import { planProject } from '../../src/core/plan/planner';
import type { Plan, PlannedPackage } from '../../src/core/plan/types';
import { openProject } from '../../src/core/project';
import { ROOT, tree } from '../helpers';

const planDir = (dir: string, config?: Parameters<typeof planProject>[1]) => planProject(readProject(findManifests(dir)), config);
const plan = (files: Record<string, string>, config?: Parameters<typeof planProject>[1]) => planDir(tree(files), config);
const pkg = (p: Plan, name: string): PlannedPackage => {
  const found = p.packages.find((x) => x.name === name);
  assert.ok(found, `${name} is not in the plan: ${p.packages.map((x) => x.name).join(', ')}`);
  return found;
};
const owners = (p: Plan, name: string) => `${pkg(p, name).owner.cpu}/${pkg(p, name).owner.cuda}`;

describe('package knowledge (bundled from shared/data)', () => {
  const k = defaultKnowledge();
  it('knows torch as native and CUDA-aware, with its variants and where the fact came from', () => {
    const torch = k.python('torch')!;
    assert.equal(torch.attr, 'torch');
    assert.equal(torch.native && torch.cudaAware, true);
    assert.equal(torch.variants?.bin, 'torch-bin');
    assert.match(torch.source ?? '', /^NixOS\/nixpkgs@[0-9a-f]{12}:pkgs\/development\/python-modules\/torch/);
  });
  it('maps conda names, python attributes and the closure of Nix packages', () => {
    assert.deepEqual(
      [k.conda('pytorch')?.pypi, k.conda('py-opencv')?.pypi, k.conda('ffmpeg')?.nixTopLevel, k.conda('pytorch-cuda')?.kind],
      ['torch', 'opencv-python', 'ffmpeg', 'cuda-selector'],
    );
    assert.equal(k.python('opencv-python')?.attr, 'opencv4');
    assert.equal(k.hasAttr('zope.interface'), 'zope-interface');
    assert.ok(k.deps('torch')!.deps.includes('filelock'));
    assert.ok(!k.deps('torch')!.deps.some((d) => d.startsWith('nvidia-')), 'the wheel CUDA runtime is not a Python dependency under Nix');
    assert.equal(k.python('constructor'), undefined, 'lookups never reach Object.prototype');
    assert.ok(k.cuda.sets.includes(k.cuda.default));
  });
});

describe('the planner', () => {
  it('plans the bundled conda + pip example on both targets and explains each decision', () => {
    const p = planDir(path.join(ROOT, 'examples', 'ml-project'));
    assert.deepEqual(p.targets, ['cpu', 'cuda']);
    assert.deepEqual(
      [p.python.version, p.python.attr],
      ['3.12', 'python312'],
      'python=3.11 is not built by the caches: the nearest built set',
    );
    assert.ok(p.problems.some((x) => x.code === 'plan/python-off-cache' && /set python = "3\.11" in seam\.toml/.test(x.message)));
    const dflt = defaultKnowledge().cuda.default.replace('_', '.');
    assert.deepEqual(
      [p.cuda.requested, p.cuda.version, p.cuda.set, p.cuda.overlay],
      ['12.1', dflt, `cudaPackages_${dflt.replace('.', '_')}`, false],
    );
    assert.match(
      p.cuda.reason,
      new RegExp(
        `ask for CUDA 12\\.1 \\(pytorch-cuda 12\\.1\\.\\*\\); nixpkgs' default ${dflt.replace('.', '\\.')}, which the CUDA caches build, runs on the same drivers`,
      ),
    );
    assert.equal(owners(p, 'torch'), 'nix/nix');
    assert.match(pkg(p, 'torch').explanation, /^torch \(asked for as pytorch\) → Nix: native, CUDA-aware/);
    assert.deepEqual(pkg(p, 'torch').requestedAs, ['pytorch']);
    assert.equal(owners(p, 'onnxruntime'), 'nix/nix', 'onnxruntime-gpu is the CUDA build of onnxruntime');
    assert.equal(owners(p, 'ffmpeg'), 'system/system');
    assert.equal(owners(p, 'pytorch-cuda'), 'skip/skip');
    assert.equal(owners(p, 'pip'), 'skip/skip');
    assert.equal(owners(p, 'transformers'), 'uv/uv');
    assert.equal(pkg(p, 'transformers').status, 'resolved-by-uv');
    assert.deepEqual(
      [owners(p, 'vision-train'), pkg(p, 'vision-train').reason, pkg(p, 'vision-train').editable],
      ['uv/uv', 'local-project', true],
    );
    assert.deepEqual(
      pkg(p, 'numpy').sources.map((s) => path.basename(s.path)),
      ['environment.yml', 'requirements-base.txt'],
    );
    assert.ok(p.indexes.every((i) => i.kind !== 'conda-channel'));
    assert.deepEqual(
      p.indexes.map((i) => i.url),
      ['https://download.pytorch.org/whl/cu121'],
    );
  });

  it('gives Nix the pure-Python packages a Nix package needs (the closure), and only those', () => {
    const p = plan({ 'requirements.txt': 'torch>=2.0\nfilelock\njinja2>=3\nrequests\n' });
    assert.deepEqual([owners(p, 'filelock'), pkg(p, 'filelock').reason, pkg(p, 'filelock').neededBy], ['nix/nix', 'closure', ['torch']]);
    assert.equal(owners(p, 'jinja2'), 'nix/nix');
    assert.match(pkg(p, 'jinja2').explanation, /needed by torch, so uv must not install a second copy/);
    assert.equal(owners(p, 'requests'), 'uv/uv');
  });

  it('puts a native package nixpkgs lacks on uv, saying what its wheel needs', () => {
    const p = plan({ 'requirements.txt': 'torch\nflash-attn>=2.5\nmypurelib\n' });
    assert.deepEqual([owners(p, 'flash-attn'), pkg(p, 'flash-attn').reason], ['uv/uv', 'native-not-in-nixpkgs']);
    assert.match(pkg(p, 'flash-attn').warnings[0], /CUDA toolkit and torch it was built against/);
    assert.deepEqual([owners(p, 'mypurelib'), pkg(p, 'mypurelib').reason], ['uv/uv', 'not-in-nixpkgs']);
  });

  it("reads the CUDA version from +cu tags, /cu indexes, per-requirement --index-url, jax[cuda12] and conda cudatoolkit, and answers with nixpkgs' default set", () => {
    const dflt = defaultKnowledge().cuda.default.replace('_', '.');
    const tag = plan({ 'requirements.txt': 'torch==2.1.0+cu118\n' });
    assert.deepEqual([tag.cuda.requested, tag.cuda.version, tag.cuda.overlay], ['11.8', dflt, false]);
    assert.match(tag.cuda.reason, /ask for CUDA 11\.8 .*answered with nixpkgs' default .*needs NVIDIA driver 525 or newer/);
    assert.equal(tag.problems.find((x) => x.code === 'plan/cuda-moved')?.line, 1);
    const index = plan({ 'requirements.txt': '--extra-index-url https://download.pytorch.org/whl/cu128\ntorch\n' });
    assert.deepEqual([index.cuda.requested, index.cuda.version], ['12.8', dflt]);
    const perRequirement = plan({ 'requirements.txt': 'torch==2.1.0 --index-url https://download.pytorch.org/whl/cu121\n' });
    assert.equal(perRequirement.cuda.requested, '12.1', 'Open-Sora names the CUDA build with --index-url on the requirement line');
    const jax = plan({ 'requirements.txt': 'jax[cuda12]>=0.4\n' });
    assert.deepEqual([jax.cuda.requested, jax.cuda.version], ['12', dflt]);
    const conda = plan({ 'environment.yml': 'dependencies:\n  - python=3.10\n  - cudatoolkit=11.3\n  - pytorch\n' });
    assert.deepEqual([conda.cuda.requested, conda.cuda.version, owners(conda, 'cudatoolkit')], ['11.3', dflt, 'skip/system']);
    const none = plan({ 'requirements.txt': 'requests\nflask>=3\n' });
    assert.equal(none.cuda.requested, null);
    assert.match(none.cuda.reason, /^nixpkgs' default CUDA [0-9.]+, which the CUDA binary caches build/);
    assert.ok(
      none.packages.every((x) => x.owner.cpu === 'uv' && x.owner.cuda === 'uv'),
      'a project with no native packages is all uv',
    );
    const mixed = plan({ 'requirements.txt': 'torch==2.1.0+cu118\n--extra-index-url https://download.pytorch.org/whl/cu121\n' });
    assert.ok(mixed.problems.some((x) => x.code === 'plan/cuda-mismatch'));
  });

  it('chooses the interpreter from conda python, requires-python, Pipfile and poetry, as a nixpkgs pythonXY', () => {
    // Bundled knowledge: nixpkgs 25.11, python3 = python313; 3.12 and 3.13 built by the caches.
    assert.equal(plan({ 'requirements.txt': 'numpy\n' }).python.version, '3.13', "nixpkgs' default python3");
    assert.equal(plan({ 'pyproject.toml': '[tool.poetry.dependencies]\npython = "^3.12"\n' }).python.attr, 'python313');
    assert.equal(
      plan({ 'pyproject.toml': '[project]\nname = "x"\nrequires-python = ">=3.9,<3.13"\n' }).python.attr,
      'python312',
      'the newest built set that fits',
    );
    const offCache = plan({ Pipfile: '[packages]\nrequests = "*"\n[requires]\npython_version = "3.10"\n' });
    assert.equal(offCache.python.attr, 'python312', '3.10 is not built: the nearest built set, and how to follow the manifests');
    assert.match(
      offCache.problems.find((x) => x.code === 'plan/python-off-cache')!.message,
      /set python = "3\.10" in seam\.toml — then .*compiles on this machine/,
    );
    const impossible = plan({ 'pyproject.toml': '[project]\nname = "x"\nrequires-python = "<3.8"\n' });
    const moved = impossible.problems.find((x) => x.code === 'plan/python-moved')!;
    assert.equal(moved.severity, 'warning', 'a working environment on the nearest Python, not a refusal');
    assert.match(
      moved.message,
      /no Python in this nixpkgs fits .*Seam uses 3\.10, the nearest for which every Nix package evaluates.*pin an older nixpkgs/,
    );
    assert.equal(impossible.python.record, true);
    assert.equal(plan({ 'requirements.txt': 'numpy\n' }, { policy: 'nix', overrides: {}, python: '3.13' }).python.attr, 'python313');
  });

  it("keeps the interpreter inside the requires-python of the team's own pyproject.toml, which uv enforces, and says when it cannot", () => {
    const own = (spec: string) =>
      openProject(tree({ 'pyproject.toml': `[project]\nname = "x"\nversion = "1"\nrequires-python = "${spec}"\n` })).plan;
    // 3.11 is not built: without a uv-bound range Seam would take 3.12; uv would refuse a 3.12 .venv here.
    const inside = own('==3.11.*');
    assert.equal(inside.python.attr, 'python311');
    assert.match(
      inside.problems.find((x) => x.code === 'plan/python-not-built')!.message,
      /requires-python, which uv enforces, excludes every set the binary caches build/,
    );
    assert.equal(own('>=3.10').python.attr, 'python313', 'a range that allows a built set stays on the caches');
    assert.equal(
      plan({ Pipfile: '[packages]\nrequests = "*"\n[requires]\npython_version = "3.11"\n' }).python.attr,
      'python312',
      'pipenv is not uv: the caches win',
    );
    const impossible = own('<3.8');
    assert.equal(impossible.python.record, true);
    const refuses = impossible.problems.find((x) => x.code === 'plan/requires-python')!;
    assert.deepEqual([refuses.line, refuses.severity], [4, 'warning']);
    assert.match(
      refuses.message,
      /requires-python <3\.8 excludes Python 3\.10.*uv lock and uv sync will refuse the project.*Seam never edits your pyproject\.toml/,
    );
  });

  it('reports version conflicts with their choices and applies the policy', () => {
    const files = { 'requirements.txt': 'torch==2.0.0\njinja2==3.0.0\n' };
    const nix = plan(files);
    assert.deepEqual([pkg(nix, 'torch').status, pkg(nix, 'torch').conflict?.choices.length], ['conflict', 3]);
    assert.match(pkg(nix, 'torch').conflict!.applied, /accepted Nix's/);
    assert.equal(nix.problems.filter((x) => x.code === 'plan/version-conflict' && x.severity === 'warning').length, 2);
    const uv = plan(files, { policy: 'uv', overrides: {} });
    assert.deepEqual([owners(uv, 'jinja2'), pkg(uv, 'jinja2').reason], ['uv/uv', 'version-policy']);
    assert.equal(owners(uv, 'torch'), 'nix/nix', 'a native package stays on Nix');
    const strict = plan(files, { policy: 'strict', overrides: {} });
    assert.ok(strict.problems.some((x) => x.code === 'plan/version-conflict' && x.severity === 'error'));
  });

  it('an era jump (torch 1.x → 2.x, TensorFlow 1.x, numpy 1.19 → 2.x) or a version Seam cannot compare is a decision, not a warning', () => {
    const files = { 'requirements.txt': 'torch==1.11.0\nnumpy~=1.19.2\ntensorflow<2\njinja2==3.0.0\n' };
    const p = plan(files);
    const era = p.problems
      .filter((x) => x.code === 'plan/version-conflict' && x.severity === 'error')
      .map((x) => x.package)
      .sort();
    assert.deepEqual(era, ['numpy', 'tensorflow', 'torch']);
    const torch = p.problems.find((x) => x.package === 'torch')!;
    assert.match(
      torch.message,
      /torch: the manifests ask for ==1\.11\.0 \(1\.x\), nixpkgs has 2\.\d+\.\d+ \(2\.x\): another era, so decide/,
    );
    assert.match(torch.message, /owner = "nix" \} in seam\.toml.*move torch to uv.*pin an older nixpkgs whose torch is 1\.x/);
    assert.match(pkg(p, 'torch').conflict!.applied, /none yet/);
    assert.equal(p.problems.find((x) => x.package === 'jinja2')?.severity, 'warning', "within an era Nix's version is accepted, as before");
    // The decision, recorded in seam.toml, is honoured and said.
    const decided = plan(files, { policy: 'nix', overrides: { torch: { owner: 'nix' } } });
    const t = decided.problems.find((x) => x.package === 'torch')!;
    assert.equal(t.severity, 'warning');
    assert.match(t.message, /accepted Nix's .* \(seam\.toml: owner = "nix"\), 1\.x → 2\.x/);
    // A version Seam cannot compare with the pinned one.
    assert.deepEqual(eraJump('==1.15.0', '2.20.0'), { asked: '1.x', nix: '2.x' });
    assert.equal(eraJump('>=0.4,<0.5', '0.7.2'), null, '0.x is one era: wandb 0.19 → 0.21 is a routine update');
    assert.deepEqual(eraJump('<1', '1.2.0'), { asked: '0.x', nix: '1.x' });
    assert.deepEqual(eraJump('<2.0', '2.3.3'), { asked: '1.x', nix: '2.x' });
    assert.deepEqual(eraJump('>=3', '2.9.1'), { asked: '3.x', nix: '2.x', newer: true });
    assert.equal(eraJump('>=1.0', '2.9.1'), null, 'an open range bounds nothing');
    assert.equal(eraJump('==2.2.1', '2.9.1'), null, 'the same era');
    assert.match(eraJump('==1.15', 'unstable-2024-01-01')!.nix, /not a version Seam can compare/);
  });

  it('native where native: a package is pure Python only when Seam knows it (py3-none-any wheels, or nixpkgs builds it without native inputs)', () => {
    const p = plan({ 'requirements.txt': 'faiss-gpu\nrtree\nrdkit\npyopengl\nlmdb\nflask>=3\nsome-internal-tool\n' });
    for (const name of ['faiss', 'rtree', 'rdkit', 'pyopengl']) {
      assert.equal(owners(p, name), 'nix/nix', `${name} builds or loads native code: Nix`);
      assert.equal(pkg(p, name).reason, 'native');
    }
    assert.deepEqual(
      [owners(p, 'lmdb'), pkg(p, 'lmdb').reason],
      ['nix/nix', 'maybe-native'],
      'nixpkgs has lmdb and nothing says it is pure Python',
    );
    assert.deepEqual([owners(p, 'flask'), pkg(p, 'flask').reason], ['uv/uv', 'pure-python'], 'flask ships only py3-none-any wheels');
    const unknown = pkg(p, 'some-internal-tool');
    assert.deepEqual([owners(p, 'some-internal-tool'), unknown.reason], ['uv/uv', 'not-in-nixpkgs']);
    assert.match(unknown.warnings.join('\n'), /does not know whether it ships compiled code/, 'flagged, not called pure Python');
  });

  it('honours the wheel tags of direct wheel URLs when it chooses the interpreter (text-generation-webui: cp310 wheels)', () => {
    assert.equal(wheelPython('https://x/llama_cpp_python-0.2.90+cu121-cp310-cp310-linux_x86_64.whl'), '==3.10.*');
    assert.equal(wheelPython('https://x/a-1.0-cp38-abi3-manylinux2014_x86_64.whl'), '>=3.8');
    assert.equal(wheelPython('https://x/a-1.0-py3-none-any.whl'), null);
    const p = plan({
      'requirements.txt': [
        'torch',
        'https://github.com/oobabooga/llama-cpp-python-cuBLAS-wheels/releases/download/textgen-webui/llama_cpp_python_cuda-0.2.90+cu121-cp310-cp310-linux_x86_64.whl; platform_system == "Linux"',
        'https://github.com/oobabooga/exllamav2/releases/download/v0.1.9/exllamav2-0.1.9+cu121.torch2.4.1-cp310-cp310-linux_x86_64.whl; platform_system == "Linux"',
        '',
      ].join('\n'),
    });
    assert.equal(p.python.version, '3.10');
    assert.match(p.python.requested ?? '', /==3\.10\.\*/);
    // Wheels picked by a python_version marker are alternatives: no constraint.
    const alt = plan({
      'requirements.txt':
        'https://x/a-1.0-cp310-cp310-linux_x86_64.whl; python_version == "3.10"\nhttps://x/a-1.0-cp311-cp311-linux_x86_64.whl; python_version == "3.11"\n',
    });
    assert.equal(alt.python.requested, null);
  });

  it('honours owner overrides from seam.toml, and keeps direct references and hostile URLs for uv', () => {
    const p = plan(
      {
        'requirements.txt':
          'numpy\ntorch @ https://download.pytorch.org/whl/cu121/torch-2.3.1%2Bcu121-cp311-cp311-linux_x86_64.whl\nevil @ https://x.example/a";${HOME}$(rm)`x`.whl\n',
      },
      { policy: 'nix', overrides: { numpy: { owner: 'uv' } } },
    );
    assert.deepEqual([owners(p, 'numpy'), pkg(p, 'numpy').reason], ['uv/uv', 'override']);
    assert.deepEqual([owners(p, 'torch'), pkg(p, 'torch').reason], ['uv/uv', 'direct-reference']);
    assert.match(pkg(p, 'torch').warnings[0], /set owner = "nix" in seam\.toml/);
    assert.equal(pkg(p, 'evil').url, 'https://x.example/a";${HOME}$(rm)`x`.whl');
    assert.equal(p.cuda.requested, '12.1', 'the +cu121 in the wheel URL names the CUDA version');
  });

  it('maps conda-only names: tensorflow-gpu, py-opencv, virtual and runtime packages', () => {
    const p = plan({
      'environment.yml': 'dependencies:\n  - tensorflow-gpu\n  - py-opencv\n  - _libgcc_mutex\n  - cpuonly\n  - mystery-conda-pkg\n',
    });
    assert.equal(owners(p, 'tensorflow'), 'nix/nix');
    assert.equal(owners(p, 'opencv-python'), 'nix/nix');
    assert.equal(owners(p, '_libgcc_mutex'), 'skip/skip');
    assert.equal(owners(p, 'cpuonly'), 'skip/skip');
    assert.equal(owners(p, 'mystery-conda-pkg'), 'uv/uv');
    assert.equal(p.problems.find((x) => x.code === 'plan/unknown-conda')?.line, 6);
  });

  it('is deterministic', () => {
    const dir = tree({
      'environment.yml': 'dependencies:\n  - pytorch\n  - pip:\n    - -r requirements.txt\n',
      'requirements.txt': 'transformers\nnumpy\n',
    });
    assert.deepEqual(planDir(dir), planDir(dir));
  });
});
