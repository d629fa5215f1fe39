import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { MAX_INCLUDE_DEPTH, readRequirementsFile } from '../../src/core/manifests/requirements';
import type { Manifest } from '../../src/core/model/manifest';
import { snapshot, tree } from '../helpers';

const byName = (m: Manifest, name: string) => m.requirements.find((r) => r.name === name)!;
const problemsAt = (m: Manifest) => m.problems.map((p) => `${path.basename(p.path)}:${p.line}:${p.column} ${p.code}`);

describe('requirements files (pip syntax)', () => {
  it('reads -r and -c includes relative to the including file, with scopes and sources', () => {
    const dir = tree({
      'requirements.txt': '-r reqs/base.txt\n--constraint constraints.txt\ntorch>=2.1\n',
      'reqs/base.txt': '--requirement=common.txt\nnumpy<2\n',
      'reqs/common.txt': 'pyyaml\n',
      'constraints.txt': '-rconstraints-extra.txt\nnumpy==1.26.4\n',
      'constraints-extra.txt': 'urllib3<2\n',
    });
    const m = readRequirementsFile(path.join(dir, 'requirements.txt'));
    assert.deepEqual(
      m.requirements.map((r) => [r.name, r.scope.kind, path.relative(dir, r.source.path), r.source.line]),
      [
        ['pyyaml', 'main', 'reqs/common.txt', 1],
        ['numpy', 'main', 'reqs/base.txt', 2],
        ['urllib3', 'constraint', 'constraints-extra.txt', 1],
        ['numpy', 'constraint', 'constraints.txt', 2],
        ['torch', 'main', 'requirements.txt', 3],
      ],
    );
    assert.deepEqual(
      m.files.map((f) => path.relative(dir, f)),
      ['requirements.txt', 'reqs/base.txt', 'reqs/common.txt', 'constraints.txt', 'constraints-extra.txt'],
    );
    assert.deepEqual(m.problems, []);
  });

  it('reports an include cycle at the -r line that closes it, and stops', () => {
    const dir = tree({ 'a.txt': 'one\n-r b.txt\n', 'b.txt': 'two\n-r a.txt\n' });
    const m = readRequirementsFile(path.join(dir, 'a.txt'));
    assert.deepEqual(
      m.requirements.map((r) => r.name),
      ['one', 'two'],
    );
    assert.deepEqual(problemsAt(m), ['b.txt:2:1 pip/include-cycle']);
    assert.match(m.problems[0].message, /include cycle: a\.txt → b\.txt → a\.txt/);
  });

  it('reports a file that includes itself', () => {
    const dir = tree({ 'r.txt': '-r r.txt\nx\n' });
    const m = readRequirementsFile(path.join(dir, 'r.txt'));
    assert.deepEqual(problemsAt(m), ['r.txt:1:1 pip/include-cycle']);
    assert.deepEqual(
      m.requirements.map((r) => r.name),
      ['x'],
    );
  });

  it('reports a missing include with the resolved path, and reads the rest', () => {
    const dir = tree({ 'r.txt': 'a\n  -r missing/other.txt\nb\n' });
    const m = readRequirementsFile(path.join(dir, 'r.txt'));
    assert.deepEqual(problemsAt(m), ['r.txt:2:3 pip/include-missing']);
    assert.match(m.problems[0].message, /missing\/other\.txt.*file not found/);
    assert.deepEqual(
      m.requirements.map((r) => r.name),
      ['a', 'b'],
    );
  });

  it(`stops includes nested deeper than ${MAX_INCLUDE_DEPTH}`, () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`r${i}.txt`] = `pkg${i}\n-r r${i + 1}.txt\n`;
    files['r40.txt'] = 'last\n';
    const m = readRequirementsFile(path.join(tree(files), 'r0.txt'));
    assert.equal(m.requirements.length, MAX_INCLUDE_DEPTH);
    assert.deepEqual(
      m.problems.map((p) => p.code),
      ['pip/include-depth'],
    );
  });

  it('reads a diamond include once', () => {
    const dir = tree({ 'r.txt': '-r a.txt\n-r b.txt\n', 'a.txt': '-r c.txt\n', 'b.txt': '-r c.txt\n', 'c.txt': 'shared\n' });
    const m = readRequirementsFile(path.join(dir, 'r.txt'));
    assert.deepEqual(
      m.requirements.map((r) => r.name),
      ['shared'],
    );
    assert.deepEqual(m.problems, []);
  });

  it('reads global options: index URLs, find-links, --pre, binaries, trusted hosts, --require-hashes', () => {
    const dir = tree({
      'r.txt': [
        '-i https://pypi.example.com/simple',
        '--extra-index-url https://download.pytorch.org/whl/cu121',
        '--find-links ./wheels',
        '-f https://data.pyg.org/whl/torch-2.3.0+cu121.html',
        '--pre',
        '--no-binary :all:',
        '--only-binary numpy,scipy',
        '--prefer-binary',
        '--trusted-host pypi.example.com',
        '--require-hashes',
        '--no-index',
        '--use-feature=fast-deps',
        'numpy',
      ].join('\n'),
    });
    const m = readRequirementsFile(path.join(dir, 'r.txt'));
    assert.deepEqual(
      m.indexes.map((i) => [i.kind, i.url, i.source.line]),
      [
        ['index-url', 'https://pypi.example.com/simple', 1],
        ['extra-index-url', 'https://download.pytorch.org/whl/cu121', 2],
        ['find-links', './wheels', 3],
        ['find-links', 'https://data.pyg.org/whl/torch-2.3.0+cu121.html', 4],
      ],
    );
    assert.deepEqual(m.pip, {
      pre: true,
      noBinary: [':all:'],
      onlyBinary: ['numpy', 'scipy'],
      preferBinary: true,
      trustedHosts: ['pypi.example.com'],
      requireHashes: true,
      noIndex: true,
    });
    assert.deepEqual(m.problems, []);
  });

  it('reads hashes and per-requirement options, across continuation lines and after a marker', () => {
    const dir = tree({
      'r.txt': [
        'certifi==2024.7.4 \\',
        '    --hash=sha256:5A1E7A2B3C4D5E6F \\',
        '    --hash sha384:00ff',
        'idna==3.7 ; python_version >= "3.8" \\',
        '    --hash=sha256:0123abcd',
        'mylib --config-settings editable_mode=compat',
      ].join('\n'),
    });
    const m = readRequirementsFile(path.join(dir, 'r.txt'));
    assert.deepEqual(byName(m, 'certifi').hashes, ['sha256:5a1e7a2b3c4d5e6f', 'sha384:00ff']);
    const idna = byName(m, 'idna');
    assert.equal(idna.marker, 'python_version >= "3.8"');
    assert.deepEqual(idna.hashes, ['sha256:0123abcd']);
    assert.equal(idna.source.line, 4);
    assert.deepEqual(byName(m, 'mylib').options, { 'config-settings': ['editable_mode=compat'] });
    assert.deepEqual(m.problems, []);
  });

  it('rejects weak or malformed hashes and unknown options, with their column', () => {
    const dir = tree({ 'r.txt': 'a==1 --hash=md5:abcd\nb==1 --hash=sha256:xyz\n--frobnicate\nc\n' });
    const m = readRequirementsFile(path.join(dir, 'r.txt'));
    assert.deepEqual(problemsAt(m), ['r.txt:1:6 pip/bad-hash', 'r.txt:2:6 pip/bad-hash', 'r.txt:3:1 pip/unknown-option']);
    assert.deepEqual(
      m.requirements.map((r) => r.name),
      ['a', 'b', 'c'],
    );
  });

  it('warns when a global option sits on a requirement line, as pip ignores it there', () => {
    const m = readRequirementsFile(path.join(tree({ 'r.txt': 'torch --index-url https://x.org/simple\n' }), 'r.txt'));
    assert.deepEqual(problemsAt(m), ['r.txt:1:7 pip/option-ignored']);
    assert.equal(m.indexes.length, 0);
  });

  it('drops full-line and trailing comments but keeps # inside URLs', () => {
    const dir = tree({
      'r.txt':
        '# header\n  # indented comment\nnumpy  # the array library\n-e git+https://github.com/o/r.git#egg=r  # editable\nurl-dep @ https://x.org/p.zip#sha256=ab\n',
    });
    const m = readRequirementsFile(path.join(dir, 'r.txt'));
    assert.deepEqual(
      m.requirements.map((r) => [r.name, r.url]),
      [
        ['numpy', null],
        ['r', 'git+https://github.com/o/r.git#egg=r'],
        ['url-dep', 'https://x.org/p.zip#sha256=ab'],
      ],
    );
    assert.deepEqual(m.problems, []);
  });

  it('ends a continuation at a comment line, as pip does', () => {
    const m = readRequirementsFile(path.join(tree({ 'r.txt': 'numpy \\\n# comment\npandas\n' }), 'r.txt'));
    assert.deepEqual(
      m.requirements.map((r) => [r.name, r.source.line]),
      [
        ['numpy', 1],
        ['pandas', 3],
      ],
    );
  });

  it('expands ${VAR} from the given environment, except in URLs (no secret reaches the model), and leaves unknown ones as written', () => {
    const dir = tree({
      'r.txt':
        '--index-url https://${PIP_USER}:${PIP_TOKEN}@pypi.corp/simple\nmylib>=${MIN_VERSION}\n${MISSING}pkg\npriv @ https://dl.corp/priv-1.0.tar.gz?token=${PIP_TOKEN}\n',
    });
    const m = readRequirementsFile(path.join(dir, 'r.txt'), { env: { PIP_USER: 'ci', PIP_TOKEN: 't0k', MIN_VERSION: '2.0' } });
    assert.equal(m.indexes[0].url, 'https://${PIP_USER}:${PIP_TOKEN}@pypi.corp/simple');
    assert.equal(byName(m, 'priv').url, 'https://dl.corp/priv-1.0.tar.gz?token=${PIP_TOKEN}');
    assert.equal(byName(m, 'mylib').specifier, '>=2.0');
    assert.deepEqual(problemsAt(m), ['r.txt:3:1 pip/invalid-requirement']);
  });

  it('keeps columns right after a ${VAR} expands to a value of another length', () => {
    const m = readRequirementsFile(path.join(tree({ 'r.txt': 'a${V}b>==1\n' }), 'r.txt'), { env: { V: 'xxxxxxxx' } });
    assert.deepEqual(problemsAt(m), ['r.txt:1:7 pip/invalid-operator']);
  });

  it('reads CRLF line endings, a lone CR and a UTF-8 BOM', () => {
    const dir = tree({
      'r.txt': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('numpy>=1\r\npandas \\\r\n  >=2\r\nscipy\rtorch>==2\r\n')]),
    });
    const m = readRequirementsFile(path.join(dir, 'r.txt'));
    assert.deepEqual(
      m.requirements.map((r) => [r.name, r.specifier, r.source.line, r.source.column]),
      [
        ['numpy', '>=1', 1, 1],
        ['pandas', '>=2', 2, 1],
        ['scipy', '', 4, 1],
        ['torch', '>=2', 5, 1],
      ],
    );
    assert.deepEqual(problemsAt(m), ['r.txt:5:6 pip/invalid-operator']);
  });

  it('reads direct URLs, VCS URLs with and without #egg=, and name @ URL', () => {
    const dir = tree({
      'r.txt': [
        'https://files.example.com/pkgs/torch_scatter-2.1.2-cp311-cp311-linux_x86_64.whl',
        'https://github.com/o/tool/archive/refs/tags/v1.0.tar.gz#egg=tool',
        'git+https://github.com/facebookresearch/detectron2.git@v0.6#egg=detectron2&subdirectory=projects/x',
        'git+ssh://git@github.com/o/private.git@main',
        'hg+https://hg.example.com/repo#egg=hgpkg',
        'clip @ git+https://github.com/openai/CLIP.git@dcba3cb2e2827b402d2701e7e1c7d9fed8a20ef1',
        'flash-attn @ https://github.com/x/flash_attn-2.6.3-cp311-cp311-linux_x86_64.whl ; platform_machine == "x86_64"',
      ].join('\n'),
    });
    const m = readRequirementsFile(path.join(dir, 'r.txt'));
    const rows = m.requirements.map((r) => [
      r.name,
      r.specifier,
      r.reference?.type,
      r.reference?.vcs ?? null,
      r.reference?.revision ?? null,
      r.marker,
    ]);
    assert.deepEqual(rows, [
      ['torch-scatter', '==2.1.2', 'url', null, null, null],
      ['tool', '', 'url', null, null, null],
      ['detectron2', '', 'vcs', 'git', 'v0.6', null],
      ['', '', 'vcs', 'git', 'main', null],
      ['hgpkg', '', 'vcs', 'hg', null, null],
      ['clip', '', 'vcs', 'git', 'dcba3cb2e2827b402d2701e7e1c7d9fed8a20ef1', null],
      ['flash-attn', '', 'url', null, null, 'platform_machine == "x86_64"'],
    ]);
    assert.equal(m.requirements[2].reference?.subdirectory, 'projects/x');
    assert.deepEqual(problemsAt(m), ['r.txt:4:1 pip/name-unknown']);
    assert.equal(m.problems[0].severity, 'info');
  });

  it('reads local paths: ., ./sub with extras, wheels and archives, and names them from their metadata', () => {
    const dir = tree({
      'r.txt': '-e .\n-e ./libs/core[cuda]\n./libs/plain\n./dist/my_pkg-0.2.0-py3-none-any.whl\nvendor/thing-1.4.tar.gz\n-e ./nowhere\n',
      'pyproject.toml': '[project]\nname = "top-project"\n',
      'libs/core/pyproject.toml': '[build-system]\nrequires=[]\n[project]\nname = "core-lib"\n',
      'libs/plain/setup.cfg': '[metadata]\nname = plain-lib\n',
      'dist/my_pkg-0.2.0-py3-none-any.whl': 'PK',
    });
    const m = readRequirementsFile(path.join(dir, 'r.txt'));
    assert.deepEqual(
      m.requirements.map((r) => [r.name, r.editable, r.extras, r.specifier, r.url]),
      [
        ['top-project', true, [], '', '.'],
        ['core-lib', true, ['cuda'], '', './libs/core'],
        ['plain-lib', false, [], '', './libs/plain'],
        ['my-pkg', false, [], '==0.2.0', './dist/my_pkg-0.2.0-py3-none-any.whl'],
        ['thing', false, [], '', 'vendor/thing-1.4.tar.gz'],
        ['', true, [], '', './nowhere'],
      ],
    );
    assert.deepEqual(problemsAt(m), ['r.txt:5:1 pip/path-missing', 'r.txt:6:4 pip/name-unknown', 'r.txt:6:4 pip/path-missing']);
    assert.equal(m.problems[0].severity, 'warning');
    assert.equal(m.problems[2].severity, 'error');
  });

  it('refuses -e with a plain name or an http URL', () => {
    const m = readRequirementsFile(path.join(tree({ 'r.txt': '-e https://x.org/p.zip\n' }), 'r.txt'));
    assert.ok(m.problems.some((p) => p.code === 'pip/editable-not-path'));
  });

  it('reads extras, markers, local versions and wildcards', () => {
    const m = readRequirementsFile(
      path.join(
        tree({
          'r.txt': 'jax[cuda12_pip]==0.4.30 ; sys_platform == "linux"\ntorch==2.3.1+cu121\nscikit-learn==1.5.*\nnumpy (>=1.24, <2)\n',
        }),
        'r.txt',
      ),
    );
    assert.deepEqual(
      m.requirements.map((r) => [r.name, r.extras, r.specifier, r.marker]),
      [
        ['jax', ['cuda12_pip'], '==0.4.30', 'sys_platform == "linux"'],
        ['torch', [], '==2.3.1+cu121', null],
        ['scikit-learn', [], '==1.5.*', null],
        ['numpy', [], '>=1.24,<2', null],
      ],
    );
  });

  it('reads lines pip rejects but whose intent is plain as meant, with a warning at the line and column; skips the rest with an error', () => {
    const dir = tree({ 'r.txt': 'good-one\nnumpy>==1.26\n  pandas scipy>=1.11\nfoo=1.0\nbar ; python_version >\nbaz[extra\ngood-two\n' });
    const m = readRequirementsFile(path.join(dir, 'r.txt'));
    assert.deepEqual(
      m.requirements.map((r) => [r.name, r.specifier, r.source.line]),
      [
        ['good-one', '', 1],
        ['numpy', '>=1.26', 2],
        ['pandas', '', 3],
        ['scipy', '>=1.11', 3],
        ['foo', '==1.0', 4],
        ['good-two', '', 7],
      ],
    );
    assert.deepEqual(
      m.problems.map((p) => [p.line, p.column, p.code, p.severity]),
      [
        [2, 6, 'pip/invalid-operator', 'warning'],
        [3, 10, 'pip/several-requirements', 'warning'],
        [4, 4, 'pip/invalid-operator', 'warning'],
        [5, 23, 'pip/invalid-marker', 'error'],
        [6, 10, 'pip/invalid-requirement', 'error'],
      ],
    );
    assert.match(m.problems[0].message, /invalid operator '>==' \(did you mean '>='\?\); read as 'numpy>=1\.26'$/);
    assert.match(
      m.problems[1].message,
      /several requirements on one line.*; read as 2 requirements \(pandas, scipy>=1\.11\); put each on its own line$/,
    );
  });

  it('does not guess when the parts of a line are not each a requirement', () => {
    const m = readRequirementsFile(path.join(tree({ 'r.txt': 'numpy pandas>=(1\nnumpy>==>1\n' }), 'r.txt'));
    assert.deepEqual(m.requirements, []);
    assert.deepEqual(
      m.problems.map((p) => [p.line, p.severity]),
      [
        [1, 'error'],
        [2, 'error'],
      ],
    );
  });

  it('reads an empty file and a comments-only file as no requirements and no problems', () => {
    const dir = tree({ 'empty.txt': '', 'comments.txt': '# nothing\n\n   \n' });
    for (const f of ['empty.txt', 'comments.txt']) {
      const m = readRequirementsFile(path.join(dir, f));
      assert.deepEqual([m.requirements, m.problems], [[], []]);
    }
  });

  it('warns about a remote -r and does not fetch it', () => {
    const m = readRequirementsFile(path.join(tree({ 'r.txt': '-r https://example.com/reqs.txt\n' }), 'r.txt'));
    assert.deepEqual(
      m.problems.map((p) => p.code),
      ['pip/remote-include'],
    );
  });

  it('never writes to the files it reads', () => {
    const dir = tree({ 'r.txt': '-r b.txt\n-e .\nx>==1\n', 'b.txt': '-r r.txt\n', 'setup.py': 'print(1)\n' });
    const before = snapshot(dir);
    readRequirementsFile(path.join(dir, 'r.txt'));
    assert.equal(snapshot(dir), before);
  });
});
