import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readManifest } from '../../src/core/manifests/index';
import { readPipfile } from '../../src/core/manifests/pipfile';
import { readSetupCfg } from '../../src/core/manifests/setupcfg';
import { readSetupPy } from '../../src/core/manifests/setuppy';
import type { Manifest } from '../../src/core/model/manifest';
import { snapshot, tree } from '../helpers';

const rows = (m: Manifest) =>
  m.requirements.map((r) => [
    r.name,
    r.specifier,
    r.scope.kind === 'extra' || r.scope.kind === 'group' ? `${r.scope.kind}:${r.scope.name}` : r.scope.kind,
    r.marker,
  ]);
const codes = (m: Manifest) => m.problems.map((p) => [p.line, p.column, p.code]);

describe('Pipfile', () => {
  const PIPFILE = `[[source]]
url = "https://pypi.org/simple"
verify_ssl = true
name = "pypi"

[[source]]
url = "https://download.pytorch.org/whl/cu121"
verify_ssl = true
name = "pytorch"

[packages]
requests = "*"
numpy = "==1.26.*"
torch = {version = ">=2.1", index = "pytorch"}
mylib = {git = "https://github.com/o/m.git", ref = "main", editable = true}
pywin32 = {version = "*", sys_platform = "== 'win32'"}
uvloop = {version = "*", markers = "sys_platform != 'win32'"}
localpkg = {path = "./libs/local", editable = true}
Django = {extras = ["bcrypt"], version = ">=4.2"}

[dev-packages]
pytest = ">=8"

[docs]
mkdocs = "*"

[requires]
python_version = "3.11"
`;
  it('reads packages, dev-packages, other categories, string and table forms, sources and requires', () => {
    const m = readPipfile(path.join(tree({ Pipfile: PIPFILE }), 'Pipfile'));
    assert.deepEqual(rows(m), [
      ['requests', '', 'main', null],
      ['numpy', '==1.26.*', 'main', null],
      ['torch', '>=2.1', 'main', null],
      ['mylib', '', 'main', null],
      ['pywin32', '', 'main', 'sys_platform == "win32"'],
      ['uvloop', '', 'main', 'sys_platform != "win32"'],
      ['localpkg', '', 'main', null],
      ['Django', '>=4.2', 'main', null],
      ['pytest', '>=8', 'group:dev', null],
      ['mkdocs', '', 'group:docs', null],
    ]);
    const get = (n: string) => m.requirements.find((r) => r.name === n)!;
    assert.deepEqual(
      [get('mylib').url, get('mylib').editable, get('mylib').reference?.revision],
      ['git+https://github.com/o/m.git@main', true, 'main'],
    );
    assert.deepEqual([get('localpkg').url, get('localpkg').editable], ['./libs/local', true]);
    assert.deepEqual(get('torch').sourceHint, { index: 'pytorch' });
    assert.deepEqual(get('Django').extras, ['bcrypt']);
    assert.deepEqual(
      m.indexes.map((i) => [i.name, i.default ?? false]),
      [
        ['pypi', true],
        ['pytorch', false],
      ],
    );
    assert.equal(m.python?.specifier, '==3.11.*');
    assert.deepEqual([get('numpy').source.line, get('numpy').source.column], [13, 10]);
    assert.deepEqual(m.problems, []);
  });

  it('reports bad versions and shapes, and TOML errors with their line', () => {
    const m = readPipfile(path.join(tree({ Pipfile: '[packages]\nbad = ">==1"\nodd = 3\n' }), 'Pipfile'));
    assert.deepEqual(
      m.problems.map((p) => [p.line, p.code]),
      [
        [2, 'pep508/invalid-operator'],
        [3, 'pipfile/bad-package'],
      ],
    );
    const broken = readPipfile(path.join(tree({ Pipfile: '[packages\nx = "*"\n' }), 'Pipfile'));
    assert.deepEqual(
      broken.problems.map((p) => [p.line, p.code]),
      [[2, 'toml/syntax']],
    );
  });

  it('reads python_full_version', () => {
    const m = readPipfile(path.join(tree({ Pipfile: '[requires]\npython_full_version = "3.10.14"\n' }), 'Pipfile'));
    assert.equal(m.python?.specifier, '==3.10.14');
  });
});

describe('setup.cfg', () => {
  it('reads install_requires, python_requires, setup_requires, extras, multi-line values and comments', () => {
    const m = readSetupCfg(
      path.join(
        tree({
          'setup.cfg': `[metadata]
name = oldproj

[options]
python_requires = >=3.8
install_requires =
    numpy>=1.20
    # a comment inside the value
    scipy; python_version >= "3.9"

    pandas
setup_requires = cython; wheel
tests_require =
    pytest

[options.extras_require]
gpu =
    cupy>=12
Docs = sphinx>=7
; a comment line
`,
        }),
        'setup.cfg',
      ),
    );
    assert.equal(m.name, 'oldproj');
    assert.equal(m.python?.specifier, '>=3.8');
    assert.deepEqual(rows(m), [
      ['numpy', '>=1.20', 'main', null],
      ['scipy', '', 'main', 'python_version >= "3.9"'],
      ['pandas', '', 'main', null],
      ['cython', '', 'build', null],
      ['wheel', '', 'build', null],
      ['pytest', '', 'group:test', null],
      ['cupy', '>=12', 'extra:gpu', null],
      ['sphinx', '>=7', 'extra:docs', null],
    ]);
    assert.deepEqual(
      m.requirements.map((r) => [r.source.line, r.source.column]),
      [
        [7, 5],
        [9, 5],
        [11, 5],
        [12, 18],
        [12, 26],
        [14, 5],
        [18, 5],
        [19, 8],
      ],
    );
    assert.deepEqual(m.problems, []);
  });

  it('reports invalid requirements at their column, duplicate keys and sections, and stray lines', () => {
    const m = readManifest(
      path.join(
        tree({
          'setup.cfg': 'stray = 1\n[options]\ninstall_requires =\n    pandas >== 2\ninstall_requires = x\nnot a key value\n[options]\n',
        }),
        'setup.cfg',
      ),
    );
    assert.deepEqual(codes(m), [
      [1, 1, 'ini/no-section'],
      [4, 12, 'pep508/invalid-operator'],
      [5, 1, 'ini/duplicate-key'],
      [6, 1, 'ini/syntax'],
      [7, 1, 'ini/duplicate-section'],
    ]);
  });
});

describe('setup.py (never executed)', () => {
  const SETUP = `#!/usr/bin/env python
import os
from setuptools import setup, find_packages

BASE = ["numpy>=1.21", "scipy"]
GPU = ['cupy-cuda12x']
EXTRAS = {
    "gpu": GPU,
    "dev": ["pytest", "black==23.*"],
    "linux:sys_platform == 'linux'": ["uvloop"],
}
PY = ">=3.8"

def read(f):
    return open(f).read()

setup(
    name="legacy-ml",
    version=read("VERSION"),
    python_requires=PY,
    packages=find_packages(),
    install_requires=BASE + [
        "torch>=1.13",  # comment
        'pandas>==1.5',
        "tqdm" "==4.66.4",
    ],
    extras_require=EXTRAS,
    setup_requires=[req.strip() for req in open("build.txt")],
    tests_require=("pytest-cov",),
    **extra_kwargs
)
`;
  it('reads literal arguments, follows module-level names, and reports what it cannot read', () => {
    const dir = tree({ 'setup.py': SETUP });
    const before = snapshot(dir);
    const m = readSetupPy(path.join(dir, 'setup.py'));
    assert.equal(snapshot(dir), before);
    assert.equal(m.name, 'legacy-ml');
    assert.equal(m.python?.specifier, '>=3.8');
    assert.deepEqual(rows(m), [
      ['numpy', '>=1.21', 'main', null],
      ['scipy', '', 'main', null],
      ['torch', '>=1.13', 'main', null],
      ['tqdm', '==4.66.4', 'main', null],
      ['cupy-cuda12x', '', 'extra:gpu', null],
      ['pytest', '', 'extra:dev', null],
      ['black', '==23.*', 'extra:dev', null],
      ['uvloop', '', 'extra:linux', 'sys_platform == "linux"'],
      ['pytest-cov', '', 'group:test', null],
    ]);
    assert.deepEqual(
      m.requirements.slice(0, 3).map((r) => [r.source.line, r.source.column]),
      [
        [5, 10],
        [5, 25],
        [23, 10],
      ],
    );
    assert.deepEqual(codes(m), [
      [24, 16, 'pep508/invalid-operator'],
      [28, 21, 'setuppy/dynamic'],
      [30, 5, 'setuppy/dynamic'],
    ]);
    assert.match(m.problems[1].message, /setup_requires can't be read without running setup\.py/);
  });

  it('reports dynamic install_requires (a call, a comprehension, an f-string) with its line, never guessing', () => {
    const m = readSetupPy(
      path.join(
        tree({
          'setup.py':
            'from setuptools import setup\nsetup(\n  install_requires=open("requirements.txt").read().splitlines(),\n  extras_require={k: [k] for k in ["a"]},\n  setup_requires=[f"numpy>={V}"],\n)\n',
        }),
        'setup.py',
      ),
    );
    assert.deepEqual(m.requirements, []);
    assert.deepEqual(
      m.problems.map((p) => [p.line, p.code]),
      [
        [3, 'setuppy/dynamic'],
        [4, 'setuppy/dynamic'],
        [5, 'setuppy/dynamic'],
      ],
    );
  });

  it('reads setuptools.setup(...) and triple-quoted and raw strings', () => {
    const m = readSetupPy(
      path.join(
        tree({
          'setup.py':
            'import setuptools\nREQS = """\nnumpy\n# c\nscipy>=1\n"""\nsetuptools.setup(install_requires=REQS, extras_require={"x": [r"pkg\\d"]})\n',
        }),
        'setup.py',
      ),
    );
    assert.deepEqual(rows(m).slice(0, 2), [
      ['numpy', '', 'main', null],
      ['scipy', '>=1', 'main', null],
    ]);
  });

  it('says so when there is no setup() call, and survives unterminated strings and self-reference', () => {
    const dir = tree({ 'a.py': 'print("hi")\n', 'b.py': 'setup(install_requires=["x\n', 'c.py': 'A = A\nsetup(install_requires=A)\n' });
    assert.deepEqual(
      readSetupPy(path.join(dir, 'a.py')).problems.map((p) => p.code),
      ['setuppy/no-setup-call'],
    );
    assert.deepEqual(
      readSetupPy(path.join(dir, 'b.py')).problems.map((p) => [p.line, p.code]),
      [[1, 'setuppy/syntax']],
    );
    assert.deepEqual(
      readSetupPy(path.join(dir, 'c.py')).problems.map((p) => p.code),
      ['setuppy/dynamic'],
    );
  });

  it('steps over stray closing brackets among setup() arguments instead of looping', () => {
    const m = readSetupPy(path.join(tree({ 'setup.py': 'setup(name="n", extras}1]a}, install_requires=["numpy"])\n' }), 'setup.py'));
    assert.deepEqual(rows(m), [['numpy', '', 'main', null]]);
  });
});
