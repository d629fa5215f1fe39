import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { poetryToPep440, pythonConstraintToMarker } from '../../src/core/manifests/poetry';
import { readPyproject } from '../../src/core/manifests/pyproject';
import type { Manifest } from '../../src/core/model/manifest';
import { tree } from '../helpers';

const rows = (m: Manifest) =>
  m.requirements.map((r) => [
    r.name,
    r.specifier,
    r.scope.kind === 'extra' || r.scope.kind === 'group' ? `${r.scope.kind}:${r.scope.name}` : r.scope.kind,
  ]);
const read = (text: string, extra: Record<string, string> = {}) =>
  readPyproject(path.join(tree({ 'pyproject.toml': text, ...extra }), 'pyproject.toml'));

describe('pyproject.toml', () => {
  it('reads PEP 621 dependencies, optional dependencies with self-referencing extras, requires-python and dynamic', () => {
    const m = read(`[project]
name = "Vision_Lab"
requires-python = ">= 3.10, <3.13"
dynamic = ["version"]
dependencies = [
  "torch>=2.1",
  'transformers[torch]>=4.30; python_version >= "3.10"',
]
[project.optional-dependencies]
GPU = ["cupy-cuda12x>=12"]
dev = ["pytest"]
all = ["vision-lab[gpu,dev]"]
`);
    assert.equal(m.name, 'Vision_Lab');
    assert.equal(m.python?.specifier, '>=3.10,<3.13');
    assert.deepEqual(m.extra.dynamic, ['version']);
    assert.deepEqual(rows(m), [
      ['torch', '>=2.1', 'main'],
      ['transformers', '>=4.30', 'main'],
      ['cupy-cuda12x', '>=12', 'extra:gpu'],
      ['pytest', '', 'extra:dev'],
    ]);
    assert.deepEqual(m.extra.extraIncludes, { all: ['dev', 'gpu'] });
    assert.deepEqual(
      m.requirements.map((r) => [r.source.line, r.source.column]),
      [
        [6, 4],
        [7, 4],
        [10, 9],
        [11, 9],
      ],
    );
    assert.deepEqual(m.problems, []);
  });

  it('reports a self-referencing extra that does not exist', () => {
    const m = read('[project]\nname = "p"\nversion = "1"\n[project.optional-dependencies]\nall = ["p[nope]"]\n');
    assert.deepEqual(
      m.problems.map((p) => [p.line, p.code]),
      [[5, 'pyproject/unknown-extra']],
    );
  });

  it('reports an invalid requirement string at its exact column', () => {
    const m = read('[project]\nname = "p"\nversion = "1"\ndependencies = ["ok", "numpy>==1.24"]\n');
    assert.deepEqual(
      m.problems.map((p) => [p.line, p.column, p.code]),
      [[4, 29, 'pep508/invalid-operator']],
    );
    assert.deepEqual(rows(m), [['ok', '', 'main']]);
  });

  it('reads PEP 735 dependency groups with include-group, and reports unknown groups and cycles', () => {
    const m = read(`[dependency-groups]
test = ["pytest>=8", {include-group = "Lint"}]
lint = ["ruff"]
bad = [{include-group = "missing"}]
cyc-a = [{include-group = "cyc-b"}]
cyc-b = [{include-group = "cyc-a"}]
`);
    assert.deepEqual(rows(m), [
      ['pytest', '>=8', 'group:test'],
      ['ruff', '', 'group:lint'],
    ]);
    assert.deepEqual(m.extra.groupIncludes, { test: ['lint'], 'cyc-a': ['cyc-b'], 'cyc-b': ['cyc-a'] });
    assert.deepEqual(
      m.problems.map((p) => [p.line, p.code]),
      [
        [4, 'pyproject/unknown-group'],
        [5, 'pyproject/group-cycle'],
      ],
    );
  });

  it('reads [build-system] requires as build scope', () => {
    assert.deepEqual(rows(read('[build-system]\nrequires = ["scikit-build-core>=0.9", "pybind11"]\n')), [
      ['scikit-build-core', '>=0.9', 'build'],
      ['pybind11', '', 'build'],
    ]);
  });

  it('reads poetry dependencies: ^, ~, *, tables, multiple constraints, groups, extras and sources', () => {
    const m = read(`[tool.poetry]
name = "poetry-proj"
[tool.poetry.dependencies]
python = "^3.10"
requests = "^2.31"
zero = "^0.2.3"
tilde = "~1.2.3"
star = "*"
exact = "1.4.2"
pendulum = { version = "~2.1", python = ">=3.8", markers = "sys_platform == 'linux'" }
numpy = [
  { version = "<1.25", python = "<3.9" },
  { version = "^1.26", python = ">=3.9" },
]
mylib = { git = "https://github.com/org/mylib.git", tag = "v1.0" }
local = { path = "../local", develop = true }
torch = { version = "^2.3", source = "pytorch-cu121" }
either = "1.0 || 2.0"
optdep = { version = ">=1", optional = true, extras = ["fast"] }
[tool.poetry.dev-dependencies]
black = "^24"
[tool.poetry.group.docs.dependencies]
mkdocs = ">=1.5 <2"
[tool.poetry.extras]
fancy = ["optdep"]
[[tool.poetry.source]]
name = "pytorch-cu121"
url = "https://download.pytorch.org/whl/cu121"
priority = "explicit"
`);
    assert.equal(m.name, 'poetry-proj');
    assert.equal(m.python?.specifier, '>=3.10,<4.0');
    assert.deepEqual(rows(m), [
      ['requests', '>=2.31,<3.0', 'main'],
      ['zero', '>=0.2.3,<0.3.0', 'main'],
      ['tilde', '>=1.2.3,<1.3.0', 'main'],
      ['star', '', 'main'],
      ['exact', '==1.4.2', 'main'],
      ['pendulum', '>=2.1,<2.2', 'main'],
      ['numpy', '<1.25', 'main'],
      ['numpy', '>=1.26,<2.0', 'main'],
      ['mylib', '', 'main'],
      ['local', '', 'main'],
      ['torch', '>=2.3,<3.0', 'main'],
      ['either', '', 'main'],
      ['optdep', '>=1', 'extra:fancy'],
      ['black', '>=24,<25', 'group:dev'],
      ['mkdocs', '>=1.5,<2', 'group:docs'],
    ]);
    const get = (n: string, i = 0) => m.requirements.filter((r) => r.name === n)[i];
    assert.equal(get('pendulum').marker, 'sys_platform == "linux" and python_version >= "3.8"');
    assert.equal(get('numpy', 1).marker, 'python_version >= "3.9"');
    assert.equal(get('mylib').url, 'git+https://github.com/org/mylib.git@v1.0');
    assert.deepEqual(get('mylib').reference, { type: 'vcs', vcs: 'git', revision: 'v1.0' });
    assert.deepEqual([get('local').url, get('local').editable], ['../local', true]);
    assert.deepEqual(get('torch').sourceHint, { source: 'pytorch-cu121' });
    assert.deepEqual(get('optdep').extras, ['fast']);
    assert.deepEqual(
      m.indexes.map((i) => [i.name, i.url]),
      [['pytorch-cu121', 'https://download.pytorch.org/whl/cu121']],
    );
    assert.deepEqual(
      m.problems.map((p) => [p.line, p.code]),
      [[18, 'poetry/or-constraint']],
    );
  });

  it('reads pdm dev-dependencies and sources', () => {
    const m = read(
      '[tool.pdm.dev-dependencies]\ntest = ["pytest"]\n[[tool.pdm.source]]\nname = "private"\nurl = "https://pypi.corp/simple"\n',
    );
    assert.deepEqual(rows(m), [['pytest', '', 'group:test']]);
    assert.deepEqual(
      m.indexes.map((i) => i.name),
      ['private'],
    );
  });

  it('reads uv: dev-dependencies, constraints, overrides, environments, indexes and sources', () => {
    const m = read(`[project]
name = "uvproj"
dependencies = ["torch>=2.4", "mylib", "localdep"]
[tool.uv]
environments = ["sys_platform == 'linux'"]
dev-dependencies = ["ipython"]
constraint-dependencies = ["grpcio<1.60"]
override-dependencies = ["numpy<2"]
[tool.uv.sources]
torch = [{ index = "pytorch-cu124", marker = "sys_platform == 'linux'" }]
mylib = { git = "https://github.com/o/mylib", rev = "abc123" }
localdep = { path = "packages/localdep", editable = true }
[[tool.uv.index]]
name = "pytorch-cu124"
url = "https://download.pytorch.org/whl/cu124"
explicit = true
`);
    assert.deepEqual(rows(m), [
      ['torch', '>=2.4', 'main'],
      ['mylib', '', 'main'],
      ['localdep', '', 'main'],
      ['ipython', '', 'group:dev'],
      ['grpcio', '<1.60', 'constraint'],
    ]);
    assert.deepEqual(m.requirements[0].sourceHint, { index: 'pytorch-cu124', marker: "sys_platform == 'linux'" });
    assert.equal(m.requirements[1].url, 'git+https://github.com/o/mylib@abc123');
    assert.deepEqual([m.requirements[2].url, m.requirements[2].editable], ['packages/localdep', true]);
    assert.deepEqual(m.extra.uvEnvironments, ["sys_platform == 'linux'"]);
    assert.deepEqual(m.extra.uvOverrides, ['numpy<2']);
    assert.deepEqual(
      m.indexes.map((i) => [i.name, i.url]),
      [['pytorch-cu124', 'https://download.pytorch.org/whl/cu124']],
    );
  });

  it('reads hatch environment dependencies', () => {
    const m = read(
      '[tool.hatch.envs.default]\ndependencies = ["coverage[toml]"]\n[tool.hatch.envs.docs]\nextra-dependencies = ["mkdocs"]\n',
    );
    assert.deepEqual(rows(m), [
      ['coverage', '', 'group:hatch-default'],
      ['mkdocs', '', 'group:hatch-docs'],
    ]);
  });

  it('follows setuptools dynamic dependencies into requirements files, and warns when they cannot be read', () => {
    const m = read(
      '[project]\nname = "d"\ndynamic = ["version", "dependencies", "optional-dependencies"]\n[tool.setuptools.dynamic]\ndependencies = { file = ["requirements.txt"] }\noptional-dependencies.gpu = { file = ["gpu.txt"] }\n',
      {
        'requirements.txt': 'numpy\n-r base.txt\n',
        'base.txt': 'scipy\n',
        'gpu.txt': 'cupy\n',
      },
    );
    assert.deepEqual(rows(m), [
      ['numpy', '', 'main'],
      ['scipy', '', 'main'],
      ['cupy', '', 'extra:gpu'],
    ]);
    assert.equal(path.basename(m.requirements[1].source.path), 'base.txt');
    const opaque = read('[project]\nname = "d"\ndynamic = ["version", "dependencies"]\n');
    assert.deepEqual(
      opaque.problems.map((p) => [p.line, p.code]),
      [[3, 'pyproject/dynamic-dependencies']],
    );
  });

  it('reports malformed TOML with line and column', () => {
    const m = read('[project]\nname = "x"\ndependencies = ["a",\nb = 2\n');
    assert.deepEqual(
      m.problems.map((p) => [p.line, p.code]),
      [[4, 'toml/syntax']],
    );
    assert.match(m.problems[0].message, /^TOML: /);
    const dup = read('[project]\nname = "x"\nname = "y"\n');
    assert.deepEqual(
      dup.problems.map((p) => [p.line, p.code]),
      [[3, 'toml/syntax']],
    );
  });

  it('warns when [project] has no version and does not declare it dynamic (uv and pip refuse such a project)', () => {
    const m = read('[project]\nname = "p"\ndependencies = ["numpy"]\n');
    assert.deepEqual(
      m.problems.map((p) => [p.line, p.code, p.severity]),
      [[1, 'pyproject/no-version', 'warning']],
    );
    assert.deepEqual(read('[project]\nname = "p"\ndynamic = ["version"]\n').problems, []);
  });

  it('reports wrong shapes instead of crashing', () => {
    const m = read('[project]\nversion = "1"\ndependencies = "numpy"\noptional-dependencies = 3\n[dependency-groups]\nx = [1]\n');
    assert.deepEqual(
      m.problems.map((p) => p.code),
      ['pyproject/not-a-list', 'pyproject/optional', 'pyproject/not-a-string'],
    );
  });

  it('reports an invalid poetry python constraint at its line, for the project and for a dependency', () => {
    const m = read('[tool.poetry.dependencies]\npython = "^.9"\nx = { version = "^1.2", python = "^3.x" }\ny = "^1"\n');
    assert.deepEqual(
      m.problems.map((p) => [p.line, p.code]),
      [
        [2, 'poetry/bad-python'],
        [3, 'poetry/bad-python'],
      ],
    );
    assert.equal(m.python, undefined);
    assert.deepEqual(rows(m), [['y', '>=1,<2', 'main']]);
  });
});

describe('poetry constraints', () => {
  const cases: [string, string | null][] = [
    ['^1.2.3', '>=1.2.3,<2.0.0'],
    ['^1.2', '>=1.2,<2.0'],
    ['^1', '>=1,<2'],
    ['^0.2.3', '>=0.2.3,<0.3.0'],
    ['^0.0.3', '>=0.0.3,<0.0.4'],
    ['^0', '>=0,<1'],
    ['~1.2.3', '>=1.2.3,<1.3.0'],
    ['~1.2', '>=1.2,<1.3'],
    ['~1', '>=1,<2'],
    ['*', ''],
    ['', ''],
    ['1.2.3', '==1.2.3'],
    ['1.2.*', '==1.2.*'],
    ['>=1.2,<2', '>=1.2,<2'],
    ['>= 1.2 < 2', '>=1.2,<2'],
    ['~=1.4', '~=1.4'],
    ['!=1.5', '!=1.5'],
    ['1.0 || 2.0', null],
  ];
  for (const [input, expected] of cases)
    it(`'${input}' → ${JSON.stringify(expected)}`, () => assert.equal(poetryToPep440(input), expected));

  it('rejects versions that are not versions', () => assert.throws(() => poetryToPep440('^banana')));

  it('turns python constraints into markers', () => {
    assert.equal(pythonConstraintToMarker('^3.9'), 'python_version >= "3.9" and python_version < "4.0"');
    assert.equal(pythonConstraintToMarker('>=3.8.1'), 'python_full_version >= "3.8.1"');
  });
});
