import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getStaticTOMLValue, parseTOML } from 'toml-eslint-parser';
import { DEFAULT_SEAM_CONFIG, readSeamToml, writeSeamToml } from '../../src/core/config/seamToml';
import { convertProject } from '../../src/core/generate/convert';
import { generateFlake, shellContents, systemAttrs } from '../../src/core/generate/flake';
import { generatePyproject, projectName, uvProject } from '../../src/core/generate/pyproject';
import { applyWrites, diffWrite, ownership, planWrites, sign, withBlock } from '../../src/core/generate/write';
import { defaultKnowledge } from '../../src/core/knowledge/index';
import { findManifests, readProject } from '../../src/core/manifests/index';
import { planProject } from '../../src/core/plan/planner';
import { openProject } from '../../src/core/project';
import { commentText, nixAttrName, nixIndented, nixString, tomlString } from '../../src/core/text/escape';
import { ROOT, snapshot, tree } from '../helpers';
import { HOSTILE } from '../support/hostile';

const toml = (text: string) => getStaticTOMLValue(parseTOML(text)) as unknown as Record<string, any>;
const convertDir = (root: string) => openProject(root).conversion({ seamVersion: 'test' });

describe('escaping', () => {
  it('writes Nix strings that cannot be broken out of', () => {
    assert.equal(nixString('a"b'), '"a\\"b"');
    assert.equal(nixString('${x}'), '"\\${x}"');
    assert.equal(nixString('$x'), '"$x"');
    assert.equal(nixString('a\\b\n'), '"a\\\\b\\n"');
  });
  it('quotes attribute names that are not plain identifiers or are keywords', () => {
    assert.deepEqual(['torch', 'zope-interface', 'if', '3d', 'a.b'].map(nixAttrName), ['torch', 'zope-interface', '"if"', '"3d"', '"a.b"']);
  });
  it('keeps shell ${var} literal inside Nix indented strings and fills @placeholders@', () => {
    const s = nixIndented("echo \"${HOME}\" ''x'' @py@\n", { py: 'python' });
    assert.equal(s, "''\necho \"''${HOME}\" '''x''' ${python}\n''");
    assert.throws(() => nixIndented('@missing@'), /no value for @missing@/);
  });
  it('writes TOML strings that parse back to the same text', () => {
    for (const s of HOSTILE) assert.equal(toml(`k = ${tomlString(s)}`).k, s, JSON.stringify(s));
  });
  it('makes comment text one printable line', () => {
    assert.equal(commentText('a\nb\u0000c✓ → d\u2028e\u202ef\ud800'), 'a?b?c✓ → d?e?f?');
  });
  it('reads attribute paths out of knowledge entries', () => {
    assert.deepEqual(systemAttrs('stdenv.cc (gcc) + gfortran'), ['stdenv.cc', 'gfortran']);
    assert.deepEqual(systemAttrs('rustc + cargo'), ['rustc', 'cargo']);
    assert.deepEqual(systemAttrs('cudaPackages (libcublas, libcufft)'), []);
    assert.deepEqual(systemAttrs('cudaPackages.cudnn'), ['cudaPackages.cudnn']);
  });
});

describe('seam.toml', () => {
  it('round-trips: what Seam writes, it reads back as the same settings', () => {
    const config = {
      ...structuredClone(DEFAULT_SEAM_CONFIG),
      policy: 'uv' as const,
      python: '3.11',
      cuda: '12.8',
      cudaCapabilities: ['8.9', '9.0'],
      overrides: { torch: { owner: 'uv' as const }, 'my-pkg': { owner: 'skip' as const } },
      substituters: [{ url: 'https://cache.example', publicKey: 'cache.example-1:AAAA=' }],
    };
    const text = writeSeamToml(config, { python: { version: '3.11', reason: 'x' }, cuda: { version: '12.8', reason: 'y' } });
    const back = readSeamToml(text, 'seam.toml');
    assert.deepEqual(back.problems, []);
    assert.deepEqual(back.config, config);
  });
  it('writes the defaults with the choices Seam made as comments', () => {
    const text = writeSeamToml(DEFAULT_SEAM_CONFIG, {
      python: { version: '3.12', reason: 'nixpkgs default\n"x"' },
      cuda: { version: '12.9', reason: 'default' },
    });
    assert.match(text, /^# python = "3\.12" {3}# Seam chose 3\.12: nixpkgs default\?"x"$/m);
    assert.deepEqual(readSeamToml(text, 'seam.toml'), { config: DEFAULT_SEAM_CONFIG, problems: [] });
  });
  it('reports bad settings with file and line and keeps the defaults', () => {
    const { config, problems } = readSeamToml(
      'targets = ["cuda", "tpu"]\npolicy = "yolo"\n\n[overrides]\ntorch = { owner = "conda" }\nnumpy = { owner = "uv" }\n[cuda]\nversion = 12\nfoo = 1\n',
      '/p/seam.toml',
    );
    assert.deepEqual(
      problems.map((p) => [p.line, p.severity, p.code]),
      [
        [1, 'error', 'config/target'],
        [1, 'warning', 'config/no-cpu'],
        [2, 'error', 'config/policy'],
        [9, 'warning', 'config/unknown-key'],
        [8, 'error', 'config/cuda'],
        [5, 'error', 'config/override'],
      ],
    );
    assert.deepEqual(config.targets, ['cpu', 'cuda']);
    assert.equal(config.policy, 'nix');
    assert.deepEqual(config.overrides, { numpy: { owner: 'uv' } });
  });
  it('reports a TOML syntax error where it is', () => {
    const { problems } = readSeamToml('policy = "nix"\ntargets = [\n', 'seam.toml');
    assert.equal(problems[0].code, 'config/syntax');
    assert.ok(problems[0].line >= 2, JSON.stringify(problems[0]));
  });
  it('its overrides and policy steer the plan', () => {
    const dir = tree({ 'requirements.txt': 'torch>=2\nnumpy==1.20\n' });
    const { config } = readSeamToml('policy = "uv"\n[overrides]\ntorch = { owner = "uv" }\n', 'seam.toml');
    const plan = planProject(readProject(findManifests(dir)), config);
    const by = (n: string) => plan.packages.find((p) => p.name === n)!;
    assert.deepEqual([by('torch').owner, by('torch').reason], [{ cpu: 'uv', cuda: 'uv' }, 'override']);
    assert.equal(by('numpy').owner.cpu, 'nix', 'numpy is native: policy "uv" cannot move it');
  });
});

describe('flake.nix generation', () => {
  const example = path.join(ROOT, 'examples', 'ml-project');
  it('is deterministic and starts with a comment saying how to regenerate', () => {
    const a = convertDir(example).files.find((f) => f.path === 'flake.nix')!.content;
    const b = convertDir(example).files.find((f) => f.path === 'flake.nix')!.content;
    assert.equal(a, b);
    assert.match(
      a,
      /^# Generated by Seam test from environment\.yml, pyproject\.toml, requirements-base\.txt, requirements\.txt\.\n# Do not edit: change seam\.toml or the manifests, then run `seam convert` again\./,
    );
  });
  it("names the CUDA caches in seam-plan.txt with their keys and terms (and never nix-community's)", () => {
    const report = convertDir(tree({ 'requirements.txt': 'torch\n' })).files.find((f) => f.path === 'seam-plan.txt')!.content;
    assert.match(
      report,
      /^ {2}https:\/\/cache\.nixos-cuda\.org {2}cache\.nixos-cuda\.org:74DUi4Ye579gUqzH4ziL9IyiJBlDpMRn9MBN8oNan9M=\n {4}.*not an official NixOS project/m,
    );
    assert.match(
      report,
      /^ {2}https:\/\/cache\.flox\.dev {2}flox-cache-public-1:7F4OyH7ZCnFhcze3fJdfyXYLQw\/aV7GEed86nQ7IsOs=\n {4}Flox's licensed redistribution/m,
    );
    assert.doesNotMatch(report, /nix-community/);
  });

  it("gives the cuda shell cudaSupport, unfree and the CUDA caches, and nixpkgs' default CUDA set; the cpu shell none of it", () => {
    const flake = convertDir(example).files.find((f) => f.path === 'flake.nix')!.content;
    assert.match(flake, /cpuPkgs = system: import nixpkgs \{ inherit system; \};/);
    assert.match(flake, /cudaSupport = true;/);
    assert.match(flake, /allowUnfree = true;/);
    assert.doesNotMatch(flake, /overlays =/, "the manifests' CUDA 12.1 is answered with the default set, which the caches build");
    assert.match(flake, /# CUDA: nixpkgs' default package set \(the manifests ask for CUDA 12\.1/);
    assert.match(flake, /"https:\/\/cache\.nixos-cuda\.org"/);
    assert.match(flake, /"cache\.nixos-cuda\.org:74DUi4Ye579gUqzH4ziL9IyiJBlDpMRn9MBN8oNan9M="/);
    assert.match(flake, /"https:\/\/cache\.flox\.dev"/);
    assert.match(flake, /"flox-cache-public-1:7F4OyH7ZCnFhcze3fJdfyXYLQw\/aV7GEed86nQ7IsOs="/);
    assert.doesNotMatch(flake, /nix-community|cuda-maintainers/, 'nix-community builds no CUDA since 2025; cuda-maintainers is unverified');
    assert.match(flake, /python = pkgs\.python312;/, 'python=3.11 is not built by the caches: the nearest built set');
    assert.match(flake, /--system-site-packages --without-pip/);
    assert.match(flake, /UV_PYTHON_DOWNLOADS = "never";/);
    assert.match(flake, /UV_PYTHON = "\$\{python\}\/bin\/python3";/);
  });
  it('takes another CUDA set only when seam.toml asks for it (an overlay, and the cost said)', () => {
    const dir = tree({ 'requirements.txt': 'torch\n', 'seam.toml': '[cuda]\nversion = "12.6"\n' });
    const conv = convertDir(dir);
    const flake = conv.files.find((f) => f.path === 'flake.nix')!.content;
    assert.match(flake, /overlays = \[ \(final: prev: \{ cudaPackages = final\.cudaPackages_12_6; \}\) \];/);
    assert.match(conv.plan.cuda.reason, /the CUDA caches build only nixpkgs' default set .*compile locally/);
  });
  it("uses nixpkgs' default CUDA set when the manifests ask for no version", () => {
    const dir = tree({ 'requirements.txt': 'torch\n' });
    const flake = convertDir(dir).files.find((f) => f.path === 'flake.nix')!.content;
    assert.doesNotMatch(flake, /overlays =/);
    assert.match(flake, /# CUDA: nixpkgs' default package set/);
  });
  it('puts each package on the shells the plan says: Nix packages in withPackages, tools as system packages, uv ones nowhere', () => {
    const plan = planProject(readProject(findManifests(example)));
    const cuda = shellContents(plan, 'cuda');
    assert.ok(cuda.python.includes('torch') && cuda.python.includes('opencv4'));
    assert.deepEqual(cuda.system, ['ffmpeg', 'git']);
    assert.ok(!cuda.python.includes('transformers') && !cuda.nixOwned.includes('transformers'));
    assert.ok(cuda.nixOwned.includes('opencv-python') && cuda.nixOwned.includes('torch'));
  });
  it('narrows CUDA capabilities only when seam.toml asks, and then says what it costs', () => {
    const dir = tree({ 'requirements.txt': 'torch\n' });
    const flake = convertProject({
      root: dir,
      model: readProject(findManifests(dir)),
      config: { ...DEFAULT_SEAM_CONFIG, cudaCapabilities: ['8.9'] },
      userPyproject: false,
      seamVersion: 't',
    }).files[0].content;
    assert.match(flake, /cudaCapabilities = \[\n\s+"8\.9"\n\s+\]; # from seam\.toml: the binary caches build the default list/);
  });
  it('leaves the cuda shell out when seam.toml has only the cpu target', () => {
    const dir = tree({ 'requirements.txt': 'torch\n' });
    const flake = convertProject({
      root: dir,
      model: readProject(findManifests(dir)),
      config: { ...DEFAULT_SEAM_CONFIG, targets: ['cpu'] },
      userPyproject: false,
      seamVersion: 't',
    }).files[0].content;
    assert.doesNotMatch(flake, /cudaShell|cudaSupport = true/);
  });
});

describe('the uv project', () => {
  const files = {
    'requirements.txt': [
      '--index-url https://user:s3cret@pypi.corp.example/simple',
      '--extra-index-url https://download.pytorch.org/whl/cu121',
      '--find-links ./wheels',
      'torch==2.2.1',
      'requests>=2.31 ; python_version >= "3.9"',
      'mylib @ git+https://github.com/org/mylib@v1.2#egg=mylib',
      'rich[jupyter]>=13',
      '-e ./libs/core',
      'transformers>=4.38',
    ].join('\n'),
    'libs/core/pyproject.toml': '[project]\nname = "core-lib"\n',
  };
  it('carries uv-owned requirements with their sources, pins Nix packages with constraints, and keeps no passwords', () => {
    const dir = tree(files);
    const conv = convertDir(dir);
    const text = conv.files.find((f) => f.path === 'pyproject.toml')!.content;
    const doc = toml(text);
    assert.equal(doc.project['requires-python'], `==${conv.plan.python.version}.*`);
    assert.deepEqual(
      doc.project.dependencies.sort(),
      [
        'core-lib',
        'mylib @ git+https://github.com/org/mylib@v1.2#egg=mylib',
        'requests>=2.31; python_version >= "3.9"',
        'rich[jupyter]>=13',
        'transformers>=4.38',
      ].sort(),
    );
    assert.ok(!doc.project.dependencies.some((d: string) => d.startsWith('torch')), 'Nix owns torch: uv never gets it as a requirement');
    assert.ok(doc.tool.uv['constraint-dependencies'].includes('torch==2.2.1'));
    assert.deepEqual(
      [doc.tool.uv.index[0].name, doc.tool.uv.index[0].url, doc.tool.uv.index[0].format],
      ['nix', './.seam/nix-wheels', 'flat'],
      "Nix's packages are uv's first index: the shells' wheels without code",
    );
    assert.equal(doc.tool.uv['exclude-dependencies'], undefined, 'resolved against Nix, not excluded');
    const team = conv.uv.exclude;
    assert.ok(
      team.includes('torch') && team.includes('filelock') && team.includes('sympy'),
      "a team's pyproject excludes torch and what it brings",
    );
    assert.ok(!team.includes('transformers') && !team.includes('requests'), 'uv packages stay resolvable');
    assert.equal(doc.tool.uv.package, false);
    assert.deepEqual(doc.tool.uv.sources, { 'core-lib': { path: './libs/core', editable: true } });
    assert.deepEqual(
      doc.tool.uv.index.slice(1).map((i: any) => [i.url, i.default ?? false]),
      [['https://pypi.corp.example/simple', true]],
    );
    assert.ok(
      conv.uv.warnings.some((w) =>
        /download\.pytorch\.org\/whl\/cu121: left out: it serves PyTorch wheels, and Nix provides those/.test(w),
      ),
      'the PyTorch index serves only what Nix owns here',
    );
    assert.deepEqual(doc.tool.uv['find-links'], ['./wheels']);
    assert.doesNotMatch(text, /s3cret/);
    assert.ok(conv.uv.warnings.some((w) => /credentials removed/.test(w)));
  });
  it('indexes mean what the team meant: explicit ones stay explicit and tied to their packages, Nix-only ones are left out, --extra-index-url takes the best match', () => {
    const poetry = convertDir(
      tree({
        'pyproject.toml': [
          '[tool.poetry]',
          'name = "x"',
          'version = "0.1.0"',
          '[tool.poetry.dependencies]',
          'python = "^3.11"',
          'torch = { version = "2.9.1", source = "pytorch" }',
          'torchmetrics = { version = ">=1", source = "corp" }',
          'rich = "*"',
          '[[tool.poetry.source]]',
          'name = "pytorch"',
          'url = "https://download.pytorch.org/whl/cu121"',
          'priority = "explicit"',
          '[[tool.poetry.source]]',
          'name = "corp"',
          'url = "https://pypi.corp.example/simple"',
          'priority = "explicit"',
        ].join('\n'),
      }),
    );
    assert.deepEqual(
      poetry.uv.indexes.map((i) => [i.name, i.explicit]),
      [['corp', true]],
    );
    assert.deepEqual(poetry.uv.sources, { torchmetrics: { index: 'corp' } });
    assert.ok(poetry.uv.warnings.some((w) => /cu121: left out: the packages taken from it \(torch\) come from Nix/.test(w)));
    assert.equal(poetry.uv.indexStrategy, null, 'explicit indexes need no strategy');
    const pip = convertDir(
      tree({
        'requirements.txt':
          '--extra-index-url https://pypi.corp.example/simple\n--extra-index-url https://download.pytorch.org/whl/cu121\ntorch==2.9.1\nrich\n',
      }),
    );
    assert.deepEqual(
      pip.uv.indexes.map((i) => i.url),
      ['https://pypi.corp.example/simple'],
    );
    assert.equal(pip.uv.indexStrategy, 'unsafe-best-match', "pip's --extra-index-url picks the best version over all indexes");
    const text = pip.files.find((f) => f.path === 'pyproject.toml')!.content;
    assert.equal(toml(text).tool.uv['index-strategy'], 'unsafe-best-match');
  });

  it("keeps a team's own pyproject.toml and proposes the [tool.uv] lines in the report instead", () => {
    const conv = convertDir(path.join(ROOT, 'examples', 'ml-project'));
    assert.ok(!conv.files.some((f) => f.path === 'pyproject.toml'));
    const report = conv.files.find((f) => f.path === 'seam-plan.txt')!.content;
    assert.match(report, /Your pyproject\.toml is yours, so Seam did not change it/);
    assert.match(report, /constraint-dependencies = \[\n\s+"numpy==2\.3\.3",/);
  });
  it('keeps what uv add put into its pyproject.toml, brings back what uv remove took that a manifest asks for, and still blocks other edits', async () => {
    const root = tree({ 'requirements.txt': 'rich>=13\nclick\n' });
    const write = async () => {
      const files = convertDir(root).files;
      const planned = planWrites(root, files, false);
      if (!planned.some((w) => w.action === 'blocked')) await applyWrites(root, planned);
      return planned.find((w) => w.path === 'pyproject.toml')!;
    };
    await write();
    const file = path.join(root, 'pyproject.toml');
    const first = fs.readFileSync(file, 'utf8');
    assert.match(first, /\[tool\.seam\]\n#.*\ndependencies = \[\n {2}"click",\n {2}"rich>=13",\n\]/);
    // What `uv add torchmetrics` does to the file (one line into the array, nothing else).
    fs.writeFileSync(file, first.replace('  "rich>=13",\n]', '  "rich>=13",\n  "torchmetrics>=1.9.0",\n]'));
    assert.equal(ownership(fs.readFileSync(file, 'utf8')), 'edited');
    const carried = await write();
    assert.equal(carried.action, 'replace', carried.note);
    assert.match(carried.note ?? '', /kept torchmetrics>=1\.9\.0/);
    const second = fs.readFileSync(file, 'utf8');
    assert.equal(ownership(second), 'seam', "Seam's file again, signed");
    assert.match(second, /dependencies = \[\n {2}"click",\n {2}"rich>=13",\n {2}"torchmetrics>=1\.9\.0",\n\]/);
    assert.match(second, /uv-added = \[\n {2}"torchmetrics>=1\.9\.0",\n\]/);
    assert.equal((await write()).action, 'unchanged', 'and the next convert keeps it, unchanged');
    // uv remove of a package the manifests ask for: it comes back, and the plan says why.
    fs.writeFileSync(file, second.replace('  "click",\n  "rich>=13",', '  "rich>=13",'));
    assert.equal((await write()).action, 'replace');
    assert.match(fs.readFileSync(file, 'utf8'), /^ {2}"click",$/m);
    assert.match(
      fs.readFileSync(path.join(root, 'seam-plan.txt'), 'utf8'),
      /click: removed from pyproject\.toml \(uv remove\), but the manifests ask for it/,
    );
    // Any other edit is the user's: blocked, as before.
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('package = false', 'package = true'));
    assert.equal((await write()).action, 'blocked');
  });

  it('names the project from the manifests or the folder, always as a name uv accepts', () => {
    const dir = tree({ 'environment.yml': 'name: My_Env\ndependencies: [numpy]\n' });
    assert.equal(projectName(readProject(findManifests(dir)), dir), 'my-env');
    // A local package's setup.py in a subfolder names that package, not this project.
    const sub = tree({ 'requirements.txt': './ext\n', 'ext/setup.py': 'from setuptools import setup\nsetup(name="my-ext")\n' });
    assert.notEqual(projectName(readProject(findManifests(sub)), sub), 'my-ext');
    assert.equal(projectName({ manifests: [], overlaps: [] }, '/x/ "weird" folder!'), 'weird-folder');
    assert.equal(projectName({ manifests: [], overlaps: [] }, '/x/!!!'), 'seam-project');
  });
  it('survives hostile text in names and URLs: TOML that parses back to exactly what was written', () => {
    const dir = tree({
      'environment.yml':
        'name: "evil\\"] = 1\\n[x"\ndependencies:\n  - pip:\n    - pkg @ https://example.com/a"b\\c/pkg-1.0.tar.gz\n    - ok @ https://example.com/x%22y/ok-1.0.tar.gz\n',
    });
    const conv = convertDir(dir);
    const doc = toml(conv.files.find((f) => f.path === 'pyproject.toml')!.content);
    assert.equal(Object.keys(doc).sort().join(','), 'project,tool');
    assert.ok(doc.project.dependencies.includes('ok @ https://example.com/x%22y/ok-1.0.tar.gz'));
    const plan = planProject(readProject(findManifests(dir)));
    const uv = uvProject(plan, readProject(findManifests(dir)), dir);
    assert.deepEqual(toml(generatePyproject(plan, uv, 'n', ['a"\nb'], 't')).project.dependencies, uv.dependencies);
  });
});

describe('writing all or nothing', () => {
  const project = { 'requirements.txt': 'torch>=2\nrequests\n', 'environment.yml': 'name: t\ndependencies:\n  - ffmpeg\n' };
  const write = (root: string, force = false, opts = {}) => applyWrites(root, planWrites(root, convertDir(root).files, force), opts);

  it('signs what it generates and tells its files from edited and foreign ones', () => {
    const signed = sign('# Generated by Seam x\nbody\n');
    assert.equal(ownership(signed), 'seam');
    assert.equal(ownership(signed.replace('body', 'b0dy')), 'edited');
    assert.equal(ownership('# my own flake\n{ }\n'), 'user');
    assert.equal(ownership(null), 'missing');
  });
  it('re-running is byte-identical, and the manifests are never touched', async () => {
    const root = tree(project);
    const manifests = ['requirements.txt', 'environment.yml'].map((f) => fs.readFileSync(path.join(root, f)));
    await write(root);
    const first = snapshot(root);
    await write(root);
    assert.equal(snapshot(root), first);
    assert.deepEqual(
      planWrites(root, convertDir(root).files, false).map((w) => w.action),
      ['unchanged', 'keep', 'unchanged', 'unchanged', 'unchanged'],
    );
    assert.deepEqual(
      ['requirements.txt', 'environment.yml'].map((f) => fs.readFileSync(path.join(root, f))),
      manifests,
    );
  });
  for (const at of [0, 2, 4]) {
    it(`a failure injected before rename ${at} leaves the tree exactly as it was`, async () => {
      const root = tree({ ...project, 'flake.nix': sign('# Generated by Seam old\n{ }\n'), '.gitignore': 'node_modules/\n' });
      const before = snapshot(root);
      await assert.rejects(
        () =>
          write(root, false, {
            beforeRename: (_: string, i: number) => {
              if (i === at) throw new Error('injected');
            },
          }),
        /injected/,
      );
      assert.equal(snapshot(root), before);
    });
  }
  it('a failed check of a staged file writes nothing', async () => {
    const root = tree(project);
    const before = snapshot(root);
    await assert.rejects(
      () =>
        write(root, false, {
          check: (p: string) => {
            if (p === 'flake.nix') throw new Error('does not parse');
          },
        }),
      /does not parse/,
    );
    assert.equal(snapshot(root), before);
  });
  it('never replaces a file Seam did not write without --force, and then keeps a copy', async () => {
    const root = tree({ ...project, 'flake.nix': '{ outputs = _: { }; }\n' });
    const writes = planWrites(root, convertDir(root).files, false);
    assert.equal(writes[0].action, 'blocked');
    assert.match(writes[0].note!, /Seam did not write it; run with --force/);
    await assert.rejects(() => applyWrites(root, writes), /not written: flake\.nix/);
    assert.equal(fs.readFileSync(path.join(root, 'flake.nix'), 'utf8'), '{ outputs = _: { }; }\n');
    await write(root, true);
    assert.equal(fs.readFileSync(path.join(root, '.seam', 'backup', 'flake.nix'), 'utf8'), '{ outputs = _: { }; }\n');
    assert.equal(ownership(fs.readFileSync(path.join(root, 'flake.nix'), 'utf8')), 'seam');
  });
  it("adds its .gitignore lines as one marked block and keeps the user's lines", () => {
    assert.equal(
      withBlock('node_modules/', '.venv/\n'),
      'node_modules/\n\n# >>> seam (generated; `seam convert` rewrites this block)\n.venv/\n# <<< seam\n',
    );
    const once = withBlock('a\n', 'x\n');
    assert.equal(withBlock(once, 'x\n'), once);
    assert.equal(withBlock(`${once}b\n`, 'y\n'), 'a\n\n# >>> seam (generated; `seam convert` rewrites this block)\ny\n# <<< seam\nb\n');
  });
  it('shows a dry run as a diff', () => {
    const root = tree(project);
    const diff = planWrites(root, convertDir(root).files, false).map(diffWrite).join('');
    assert.match(diff, /^--- \/dev\/null\n\+\+\+ b\/flake\.nix\n@@ -0,0 \+1,\d+ @@\n\+# Generated by Seam/);
  });
});

describe('generated flakes are deterministic for every fixture shape', () => {
  it('same input, same bytes (generateFlake)', () => {
    const dir = tree({
      Pipfile: '[packages]\njax = {extras = ["cuda12"], version = ">=0.4"}\ntensorflow = "*"\n[requires]\npython_version = "3.10"\n',
    });
    const plan = planProject(readProject(findManifests(dir)));
    const make = () =>
      generateFlake({
        plan,
        config: DEFAULT_SEAM_CONFIG,
        knowledge: defaultKnowledge(),
        name: 'x',
        sources: ['Pipfile'],
        seamVersion: 't',
      });
    assert.equal(make(), make());
    assert.match(make(), /python = pkgs\.python312;/, 'Python 3.10 is not built by the caches: the nearest built set');
    const asked = generateFlake({
      plan: planProject(readProject(findManifests(dir)), { ...DEFAULT_SEAM_CONFIG, python: '3.10' }),
      config: DEFAULT_SEAM_CONFIG,
      knowledge: defaultKnowledge(),
      name: 'x',
      sources: ['Pipfile'],
      seamVersion: 't',
    });
    assert.match(asked, /python = pkgs\.python310;/);
    assert.match(asked, /ps\.tomli/, 'Python 3.10 has no tomllib: the helper needs tomli');
  });
});
