import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { findManifests, kindOf, readProject } from '../../src/core/manifests/index';
import { ROOT, tree } from '../helpers';

describe('finding and merging manifests', () => {
  it('knows which files are manifests', () => {
    const yes: [string, string][] = [
      ['requirements.txt', 'requirements'],
      ['requirements-dev.txt', 'requirements'],
      ['requirements_versions.txt', 'requirements'],
      ['dev-requirements.txt', 'requirements'],
      ['constraints.txt', 'requirements'],
      ['requirements.in', 'requirements'],
      ['requirements/base.txt', 'requirements'],
      ['environment.yml', 'conda'],
      ['environment-gpu.yaml', 'conda'],
      ['conda-env.yml', 'conda'],
      ['pyproject.toml', 'pyproject'],
      ['Pipfile', 'pipfile'],
      ['setup.cfg', 'setup.cfg'],
      ['setup.py', 'setup.py'],
    ];
    for (const [f, k] of yes) assert.equal(kindOf(f), k, f);
    for (const f of ['README.txt', 'config.yml', 'Pipfile.lock', 'docker-compose.yml', 'package.json']) assert.equal(kindOf(f), null, f);
  });

  it('finds manifests in order, skipping .git, node_modules, virtualenvs and build folders', () => {
    const dir = tree({
      'requirements.txt': '',
      'environment.yml': '',
      'services/api/pyproject.toml': '',
      'services/api/requirements-dev.txt': '',
      '.git/requirements.txt': '',
      'node_modules/x/setup.py': '',
      '.venv/lib/setup.py': '',
      'venv/requirements.txt': '',
      'build/lib/setup.py': '',
      'pkg.egg-info/requires.txt': '',
      'src/__pycache__/requirements.txt': '',
      'docs/notes.txt': '',
    });
    assert.deepEqual(
      findManifests(dir).map((f) => path.relative(dir, f)),
      ['environment.yml', 'requirements.txt', 'services/api/pyproject.toml', 'services/api/requirements-dev.txt'],
    );
  });

  it('bounds the walk by depth', () => {
    const dir = tree({ 'a/b/c/d/e/requirements.txt': '' });
    assert.equal(findManifests(dir, { maxDepth: 2 }).length, 0);
    assert.equal(findManifests(dir).length, 1);
  });

  it('folds included files into the manifest that includes them, and flags duplicates and conflicts across files', () => {
    const dir = tree({
      'environment.yml': 'dependencies:\n  - numpy>=1.24,<2\n  - pip\n  - pip:\n    - -r requirements.txt\n',
      'requirements.txt': '-r requirements-base.txt\ntorch==2.3.1\n',
      'requirements-base.txt': 'numpy==2.0.1\npillow>=10\n',
      'pyproject.toml': '[project]\nname = "p"\ndependencies = ["torch>=2.0", "pillow<11"]\n',
    });
    const model = readProject(findManifests(dir));
    assert.deepEqual(
      model.manifests.map((m) => path.basename(m.path)),
      ['environment.yml', 'pyproject.toml'],
    );
    assert.deepEqual(
      model.overlaps.map((o) => [o.normalizedName, o.kind, o.requirements.length]),
      [
        ['numpy', 'conflict', 2],
        ['pillow', 'duplicate', 2],
        ['torch', 'duplicate', 2],
      ],
    );
    assert.match(
      model.overlaps[0].message,
      /numpy: '>=1\.24,<2' \(environment\.yml:2\) and '==2\.0\.1' \(requirements-base\.txt:1\) cannot both hold/,
    );
  });

  it('does not call declarations under different markers a conflict', () => {
    const dir = tree({ 'requirements.txt': 'numpy<1.25 ; python_version < "3.9"\nnumpy>=1.26 ; python_version >= "3.9"\n' });
    assert.deepEqual(
      readProject(findManifests(dir)).overlaps.map((o) => o.kind),
      ['duplicate'],
    );
  });

  it('reads the bundled example without errors', () => {
    const model = readProject(findManifests(path.join(ROOT, 'examples', 'ml-project')));
    assert.deepEqual(
      model.manifests.map((m) => [path.basename(m.path), m.problems.filter((p) => p.severity === 'error').length]),
      [
        ['environment.yml', 0],
        ['pyproject.toml', 0],
      ],
    );
    assert.equal(model.manifests[0].requirements.length, 21);
  });
});
