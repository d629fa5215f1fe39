import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeamError } from '../../src/core/errors';
import { readManifest } from '../../src/core/manifests/index';
import { decodeText, LineIndex, MAX_MANIFEST_BYTES, readTextFile } from '../../src/core/manifests/text';
import { snapshot, tree } from '../helpers';

describe('bad input files', () => {
  const kinds = ['requirements.txt', 'environment.yml', 'pyproject.toml', 'Pipfile', 'setup.cfg', 'setup.py'];

  it('refuses a binary file with a clear message at the line of its first NUL, for every kind', () => {
    const dir = tree(Object.fromEntries(kinds.map((k) => [k, Buffer.from('numpy\nx\u0000y\n', 'latin1')])));
    for (const k of kinds) {
      const m = readManifest(path.join(dir, k));
      assert.deepEqual(
        m.problems.map((p) => [p.line, p.code]),
        [[2, 'file/unreadable']],
        k,
      );
      assert.match(m.problems[0].message, /binary file/);
      assert.deepEqual(m.requirements, []);
    }
  });

  it(`refuses a file over ${MAX_MANIFEST_BYTES / 1024 / 1024} MiB, saying the limit`, () => {
    const dir = tree({});
    const big = path.join(dir, 'requirements.txt');
    fs.writeFileSync(big, 'numpy\n'.repeat(Math.ceil((MAX_MANIFEST_BYTES + 10) / 6)));
    const m = readManifest(big);
    assert.equal(m.problems.length, 1);
    assert.match(m.problems[0].message, /over Seam's limit of 4\.0 MiB/);
  });

  it('reads a file with invalid UTF-8, reporting the line and column of the first bad byte', () => {
    const dir = tree({ 'requirements.txt': Buffer.concat([Buffer.from('numpy\npand'), Buffer.from([0xff]), Buffer.from('as\nscipy\n')]) });
    const m = readManifest(path.join(dir, 'requirements.txt'));
    assert.deepEqual(
      m.problems.map((p) => [p.line, p.column, p.code]),
      [
        [2, 5, 'file/not-utf8'],
        [2, 5, 'pip/invalid-requirement'],
      ],
    );
    assert.deepEqual(
      m.requirements.map((r) => r.name),
      ['numpy', 'scipy'],
    );
  });

  it('names UTF-16 files as such', () => {
    assert.throws(() => decodeText('x', Buffer.from([0xff, 0xfe, 0x6e, 0x00])), /UTF-16/);
  });

  it('reports a missing file, a folder and a dangling link without throwing', () => {
    const dir = tree({ 'sub/x': '' });
    fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'requirements-link.txt'));
    assert.match(readManifest(path.join(dir, 'requirements.txt')).problems[0].message, /file not found/);
    assert.match(readManifest(path.join(dir, 'sub'), { kind: 'requirements' }).problems[0].message, /folder/);
    assert.match(readManifest(path.join(dir, 'requirements-link.txt')).problems[0].message, /file not found/);
    assert.throws(() => readTextFile(path.join(dir, 'nope')), SeamError);
  });

  it('reads hostile names and URLs as data: nothing from a manifest reaches a shell or the file system', () => {
    const dir = tree({
      'requirements.txt': [
        '$(touch pwned)',
        '`touch pwned2`',
        'pkg; os_name == "$(rm -rf /)"',
        'evil @ file:///etc/passwd',
        '-r ../../../../etc/hostname',
        'x @ https://example.com/$(id).whl',
        'a\u202eb',
        '--index-url "https://x.org/\'; rm -rf /"',
      ].join('\n'),
      'environment.yml': 'name: "$(reboot)"\ndependencies:\n  - "`id`"\n  - "a;b"\n',
    });
    const before = snapshot(dir);
    const req = readManifest(path.join(dir, 'requirements.txt'));
    const env = readManifest(path.join(dir, 'environment.yml'));
    assert.equal(snapshot(dir), before);
    assert.ok(!fs.existsSync(path.join(dir, 'pwned')));
    assert.ok(req.problems.some((p) => p.line === 1 && p.severity === 'error'));
    // pip splits this line at ' -rf' into options and rejects it; so does Seam.
    assert.ok(req.problems.some((p) => p.line === 3 && p.code === 'pip/bad-quoting'));
    assert.equal(
      req.requirements.find((r) => r.name === 'pkg'),
      undefined,
    );
    assert.equal(req.requirements.find((r) => r.name === 'evil')?.url, 'file:///etc/passwd');
    assert.equal(env.name, '$(reboot)');
    assert.ok(env.problems.length >= 2);
  });

  it('never writes to any manifest it reads', () => {
    const dir = tree({
      'requirements.txt': '-r requirements.txt\nx>==1\n',
      'environment.yml': 'dependencies: [\n',
      'pyproject.toml': '[project\n',
      Pipfile: '[packages]\nx = 1\n',
      'setup.cfg': '[options]\ninstall_requires = x>==1\n',
      'setup.py': 'import os; os.system("touch pwned"); setup(install_requires=["a"])\n',
    });
    const before = snapshot(dir);
    for (const k of kinds) readManifest(path.join(dir, k));
    assert.equal(snapshot(dir), before);
  });

  it('maps offsets to lines across \\n, \\r\\n and \\r', () => {
    const idx = new LineIndex('a\nbc\r\nd\re');
    assert.deepEqual(
      [0, 2, 3, 6, 8].map((o) => idx.position(o)),
      [
        { line: 1, column: 1 },
        { line: 2, column: 1 },
        { line: 2, column: 2 },
        { line: 3, column: 1 },
        { line: 4, column: 1 },
      ],
    );
  });
});
