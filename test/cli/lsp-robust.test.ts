/**
 * A language server that cannot be knocked over (`seam lsp --stdio`): any URI is handled or
 * refused with an error response; stray bytes, broken headers and bodies that are not JSON are
 * skipped and the conversation goes on; edits are debounced per document; fuzzed sessions (random
 * frames, URIs and documents) each end with the server still answering, within a hard deadline.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { bigEnvironmentYml } from '../../bench/fixtures';
import { ROOT, tree } from '../helpers';
import { CLI, type Client, killServers, open, start, uriOf } from '../support/lsp-client';

const frame = (m: object) => {
  const body = JSON.stringify({ jsonrpc: '2.0', ...m });
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
};

async function stillAnswers(c: Client, root: string): Promise<void> {
  const h = await c.request('textDocument/hover', {
    textDocument: { uri: uriOf(root, 'requirements.txt') },
    position: { line: 0, character: 1 },
  });
  assert.match(h?.contents?.value ?? '', /requests/);
}

describe('a language server that cannot be knocked over', function () {
  this.timeout(120_000);
  before(() => {
    if (!fs.existsSync(CLI)) execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
  });
  afterEach(killServers);

  it('any URI: another host, an encoded slash, other schemes — handled or refused with an error response', async () => {
    const root = tree({ 'requirements.txt': 'requests\n' });
    const c = await start(root);
    open(c, root, 'requirements.txt');
    await c.diagnosticsFor(uriOf(root, 'requirements.txt'));
    for (const uri of [
      'file://otherhost/srv/requirements.txt',
      'file:///a%2Fb/requirements.txt',
      'untitled:Untitled-1',
      'vscode-notebook-cell:/x#y',
      'file:///%00/x',
    ]) {
      c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'pip-requirements', version: 1, text: 'torch>==2\n' } });
      c.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: 'numpy\n' }] });
      await assert.rejects(
        c.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } }),
        /Seam reads only file: URIs/,
      );
      c.notify('textDocument/didClose', { textDocument: { uri } });
    }
    await stillAnswers(c, root);
    assert.equal(await c.stop(), 0);
  });

  it('stray bytes, a broken header, a body that is not JSON: skipped, and the conversation goes on', async () => {
    const root = tree({ 'requirements.txt': 'requests\n' });
    const c = await start(root);
    open(c, root, 'requirements.txt');
    await c.diagnosticsFor(uriOf(root, 'requirements.txt'));
    c.raw('hello from a wrapper script\r\n\u0000\u0001garbage');
    c.raw('Content-Length: banana\r\n\r\n{}');
    c.raw('Content-Length: 5\r\n\r\n{{{{{');
    c.raw(
      `${frame({ method: 'textDocument/didChange', params: { textDocument: { uri: uriOf(root, 'requirements.txt'), version: 2 }, contentChanges: [{ text: 'requests\nrich>==13\n' }] } })}junk-between`,
    );
    const d = await c.diagnosticsFor(uriOf(root, 'requirements.txt'), (x) => x.some((y: any) => y.code === 'pip/invalid-operator'));
    assert.equal(d[0].range.start.line, 1);
    await stillAnswers(c, root);
    assert.match(c.stderr, /skipped \d+ byte\(s\): bytes between messages/);
    assert.equal(await c.stop(), 0);
  });

  it('edits are debounced per document: twenty quick edits, a handful of analyses', async () => {
    const root = tree({ 'requirements.txt': 'requests\n' });
    const c = await start(root);
    const uri = uriOf(root, 'requirements.txt');
    open(c, root, 'requirements.txt');
    await c.diagnosticsFor(uri);
    const before = c.published.get(uri) ?? 0;
    for (let v = 2; v < 22; v++)
      c.notify('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ text: `requests\nrich>=${v}\n` }] });
    c.notify('textDocument/didChange', { textDocument: { uri, version: 22 }, contentChanges: [{ text: 'requests\nrich>==22\n' }] });
    await c.diagnosticsFor(uri, (x) => x.some((y: any) => y.code === 'pip/invalid-operator'));
    assert.ok((c.published.get(uri) ?? 0) - before <= 3, `published ${(c.published.get(uri) ?? 0) - before} times for 21 edits`);
    await stillAnswers(c, root);
    await c.stop();
  });

  it('a 400 KB environment.yml gets its diagnostics, and the server answers on', async () => {
    const root = tree({ 'requirements.txt': 'requests\n', 'environment.yml': bigEnvironmentYml() });
    const c = await start(root);
    open(c, root, 'requirements.txt');
    open(c, root, 'environment.yml');
    const d = await c.diagnosticsFor(uriOf(root, 'environment.yml'));
    assert.ok(Array.isArray(d));
    await stillAnswers(c, root);
    await c.stop();
  });

  it('fuzzed sessions: random frames, URIs and documents; the server answers after each, within a deadline', async () => {
    const root = tree({ 'requirements.txt': 'requests\n' });
    const uriArb = fc.oneof(
      fc.constant(uriOf(root, 'requirements.txt')),
      fc.constant(uriOf(root, 'environment.yml')),
      fc.webUrl(),
      fc.string({ maxLength: 40 }).map((s) => `file://${s}`),
      fc.string({ maxLength: 40 }).map((s) => `file:///${encodeURIComponent(s)}/requirements.txt`),
    );
    const docArb = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc
        .array(
          fc.constantFrom(
            'torch>==2',
            'numpy',
            '-r x.txt',
            'dependencies:',
            '  - pip:',
            '[project',
            'a @ file:///etc/passwd',
            '\u001b[2J',
            '${HOME}',
          ),
          { maxLength: 30 },
        )
        .map((l) => l.join('\n')),
    );
    const stepArb = fc.oneof(
      fc.record({ kind: fc.constant('open' as const), uri: uriArb, text: docArb }),
      fc.record({ kind: fc.constant('change' as const), uri: uriArb, text: docArb }),
      fc.record({
        kind: fc.constant('hover' as const),
        uri: uriArb,
        line: fc.integer({ min: -1, max: 50 }),
        character: fc.integer({ min: -1, max: 200 }),
      }),
      fc.record({ kind: fc.constant('garbage' as const), bytes: fc.uint8Array({ maxLength: 200 }) }),
      fc.record({ kind: fc.constant('badframe' as const), length: fc.integer({ min: -5, max: 100 }), body: fc.string({ maxLength: 80 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 25 }), async (steps) => {
        const c = await start(root);
        try {
          let version = 1;
          for (const s of steps) {
            if (s.kind === 'open')
              c.notify('textDocument/didOpen', { textDocument: { uri: s.uri, languageId: 'x', version: version++, text: s.text } });
            else if (s.kind === 'change')
              c.notify('textDocument/didChange', { textDocument: { uri: s.uri, version: version++ }, contentChanges: [{ text: s.text }] });
            else if (s.kind === 'hover')
              void c
                .request('textDocument/hover', { textDocument: { uri: s.uri }, position: { line: s.line, character: s.character } })
                .catch(() => undefined);
            else if (s.kind === 'garbage') c.raw(Buffer.from(s.bytes));
            else c.raw(`Content-Length: ${s.length}\r\n\r\n${s.body}`);
          }
          // Whatever came before, a well-formed request is answered within the deadline.
          c.raw('\r\n\r\n');
          const answer = await Promise.race([
            c.request('shutdown', null).then(() => 'answered'),
            new Promise((r) => setTimeout(() => r('no answer'), 10_000)),
          ]);
          assert.equal(answer, 'answered', c.stderr.slice(-2000));
          assert.ok(c.alive);
        } finally {
          killServers();
        }
      }),
      { numRuns: 25, seed: 20261202 },
    );
  });
});
