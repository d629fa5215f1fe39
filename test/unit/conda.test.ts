import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { SeamError } from '../../src/core/errors';
import { condaVersionToPep440, parseCondaSpec, readCondaFile } from '../../src/core/manifests/conda';
import { tree } from '../helpers';

describe('conda match specs', () => {
  const cases: [string, object][] = [
    ['numpy', { channel: null, name: 'numpy', version: null, build: null, pep440: '' }],
    ['numpy=1.26', { name: 'numpy', version: '1.26.*', build: null, pep440: '==1.26.*' }],
    ['numpy==1.26.4', { name: 'numpy', version: '1.26.4', pep440: '==1.26.4' }],
    ['numpy>=1.24,<2', { version: '>=1.24,<2', pep440: '>=1.24,<2' }],
    ['pytorch=2.1.0=py3.10_cuda12.1_cudnn8.9.2_0', { version: '2.1.0', build: 'py3.10_cuda12.1_cudnn8.9.2_0', pep440: '==2.1.0' }],
    ['pytorch=*=*cuda*', { version: '*', build: '*cuda*', pep440: '' }],
    ['pytorch::pytorch>=2.0', { channel: 'pytorch', name: 'pytorch', version: '>=2.0', pep440: '>=2.0' }],
    ['conda-forge/linux-64::libgcc-ng', { channel: 'conda-forge/linux-64', name: 'libgcc-ng' }],
    ['cudatoolkit 11.8.*', { name: 'cudatoolkit', version: '11.8.*', pep440: '==11.8.*' }],
    ['numpy 1.11.1 py36_0', { version: '1.11.1', build: 'py36_0', pep440: '==1.11.1' }],
    ['python 3.10*', { version: '3.10*', pep440: '==3.10.*' }],
    ['blas[build=*mkl]', { name: 'blas', build: '*mkl', version: null }],
    ["pytorch[version='>=2.1', build=*cuda*]", { name: 'pytorch', version: '>=2.1', build: '*cuda*' }],
    ['gdal 3.6|3.7', { version: '3.6|3.7', pep440: null }],
    ['openssl=1.1.1k', { version: '1.1.1k.*', pep440: null }],
    ['  _libgcc_mutex  ', { name: '_libgcc_mutex' }],
  ];
  for (const [input, expected] of cases) {
    it(input.trim(), () => assert.deepEqual({ ...parseCondaSpec(input), ...{} }, { ...parseCondaSpec(input), ...expected }));
  }

  it('rejects specs conda would reject, with a column', () => {
    for (const bad of ['', '::numpy', 'numpy=1=2=3', 'numpy 1 2 3', 'numpy@1', '=1.2']) {
      assert.throws(
        () => parseCondaSpec(bad),
        (e: unknown) => e instanceof SeamError && (e.column ?? 0) >= 1,
        bad,
      );
    }
  });

  it('translates conda version specs to PEP 440 only when exact', () => {
    assert.equal(condaVersionToPep440('1.2.*'), '==1.2.*');
    assert.equal(condaVersionToPep440('>=1.2,<2'), '>=1.2,<2');
    assert.equal(condaVersionToPep440('!=1.5.*'), '!=1.5.*');
    assert.equal(condaVersionToPep440('*'), '');
    assert.equal(condaVersionToPep440('1.2|1.4'), null);
    assert.equal(condaVersionToPep440('>=1.2.*'), null);
  });
});

describe('conda environment files', () => {
  const ENV = `name: vision
channels:
  - pytorch
  - nvidia
  - conda-forge
dependencies:
  - python=3.10
  - "pytorch::pytorch=2.1.0=*cuda*"
  - 'pytorch-cuda=12.1'
  - numpy >=1.24,<2
  - ffmpeg
  - pip
  - pip:
      - -r requirements-pip.txt
      - --extra-index-url https://download.pytorch.org/whl/cu121
      - -e .
      - transformers>==4.30
      - "accelerate @ git+https://github.com/huggingface/accelerate@v0.25.0"
variables:
  CUDA_VISIBLE_DEVICES: "0"
  OMP_NUM_THREADS: 8
prefix: /opt/conda/envs/vision
`;

  it('reads name, channels, conda specs with positions, the pip section, variables and prefix', () => {
    const dir = tree({ 'environment.yml': ENV, 'requirements-pip.txt': 'wandb\n', 'pyproject.toml': '[project]\nname = "vision-lab"\n' });
    const m = readCondaFile(path.join(dir, 'environment.yml'));
    assert.equal(m.name, 'vision');
    assert.deepEqual(m.channels, ['pytorch', 'nvidia', 'conda-forge']);
    assert.equal(m.python?.specifier, '==3.10.*');
    assert.deepEqual(
      m.requirements.map((r) => [r.ecosystem, r.name, r.specifier, r.source.line, r.source.column]),
      [
        ['conda', 'python', '==3.10.*', 7, 5],
        ['conda', 'pytorch', '==2.1.0', 8, 5],
        ['conda', 'pytorch-cuda', '==12.1.*', 9, 5],
        ['conda', 'numpy', '>=1.24,<2', 10, 5],
        ['conda', 'ffmpeg', '', 11, 5],
        ['conda', 'pip', '', 12, 5],
        ['pypi', 'wandb', '', 1, 1],
        ['pypi', 'vision-lab', '', 16, 12],
        ['pypi', 'transformers', '>=4.30', 17, 9],
        ['pypi', 'accelerate', '', 18, 10],
      ],
    );
    assert.deepEqual(m.requirements[1].conda, { channel: 'pytorch', version: '2.1.0', build: '*cuda*' });
    assert.equal(m.requirements[7].editable, true);
    assert.equal(m.problems[0].severity, 'warning', '>== is read as >= with a warning');
    assert.equal(m.requirements[6].source.path, path.join(dir, 'requirements-pip.txt'));
    assert.deepEqual(
      m.indexes.filter((i) => i.kind === 'extra-index-url').map((i) => [i.url, i.source.line]),
      [['https://download.pytorch.org/whl/cu121', 15]],
    );
    assert.deepEqual(m.extra, { variables: { CUDA_VISIBLE_DEVICES: '0', OMP_NUM_THREADS: '8' }, prefix: '/opt/conda/envs/vision' });
    assert.deepEqual(
      m.problems.map((p) => [p.line, p.column, p.code]),
      [[17, 21, 'pip/invalid-operator']],
    );
  });

  it('reports malformed YAML with its line, and keeps what it could read', () => {
    const m = readCondaFile(path.join(tree({ 'environment.yml': 'name: x\ndependencies:\n  - numpy\n  - [oops\n' }), 'environment.yml'));
    const yaml = m.problems.find((p) => p.code === 'yaml/syntax')!;
    assert.ok(yaml.line >= 4, `line ${yaml.line}`);
    assert.match(yaml.message, /^YAML: /);
    assert.deepEqual(
      m.requirements.map((r) => r.name),
      ['numpy'],
    );
  });

  it('reports duplicate keys, wrong shapes and unknown keys', () => {
    const text = 'name: a\nname: b\nchannels: conda-forge\ndependencies:\n  - numpy\n  - {cuda: [x]}\n  - 42\nbuild: yes\n';
    const m = readCondaFile(path.join(tree({ 'environment.yml': text }), 'environment.yml'));
    const codes = m.problems.map((p) => `${p.line}:${p.code}`);
    assert.ok(codes.includes('2:yaml/syntax'), codes.join(' '));
    assert.ok(codes.includes('3:conda/channels'), codes.join(' '));
    assert.ok(codes.includes('6:conda/unknown-key'), codes.join(' '));
    assert.ok(codes.includes('8:conda/unknown-key'), codes.join(' '));
  });

  it('warns when a pip: section is used without pip as a dependency', () => {
    const m = readCondaFile(path.join(tree({ 'env.yml': 'dependencies:\n  - python=3.11\n  - pip:\n    - requests\n' }), 'env.yml'));
    assert.deepEqual(
      m.problems.map((p) => [p.line, p.code]),
      [[3, 'conda/pip-not-listed']],
    );
    assert.deepEqual(
      m.requirements.map((r) => r.name),
      ['python', 'requests'],
    );
  });

  it('reports an invalid conda spec at its column and reads the rest', () => {
    const m = readCondaFile(
      path.join(tree({ 'environment.yml': 'dependencies:\n  - numpy=1=2=3\n  - "scipy 1 2 3"\n  - pandas\n' }), 'environment.yml'),
    );
    assert.deepEqual(
      m.problems.map((p) => [p.line, p.column, p.code]),
      [
        [2, 5, 'conda/invalid-spec'],
        [3, 6, 'conda/invalid-spec'],
      ],
    );
    assert.deepEqual(
      m.requirements.map((r) => r.name),
      ['pandas'],
    );
  });

  it('reads an empty file, a null document and a non-mapping as clear problems', () => {
    const dir = tree({ 'a.yml': '', 'b.yml': '---\n', 'c.yml': '- numpy\n' });
    assert.deepEqual(
      readCondaFile(path.join(dir, 'a.yml')).problems.map((p) => p.code),
      ['conda/empty'],
    );
    assert.deepEqual(
      readCondaFile(path.join(dir, 'b.yml')).problems.map((p) => p.code),
      ['conda/empty'],
    );
    assert.deepEqual(
      readCondaFile(path.join(dir, 'c.yml')).problems.map((p) => p.code),
      ['conda/not-a-mapping'],
    );
  });

  it('does not expand a YAML alias bomb', function () {
    this.timeout(5000);
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 12; i++)
      text += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    text += 'dependencies:\n  - numpy\n';
    const m = readCondaFile(path.join(tree({ 'environment.yml': text }), 'environment.yml'));
    assert.deepEqual(
      m.requirements.map((r) => r.name),
      ['numpy'],
    );
  });
});
