/**
 * The language server as other editors meet it: `seam lsp --stdio` spawned, spoken to in LSP
 * (Content-Length framed JSON-RPC) — open, change, close; diagnostics, hover and code actions for
 * every kind of manifest; malformed and huge inputs.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, tree } from '../helpers';
import { CLI, killServers, open, start, uriOf } from '../support/lsp-client';

describe('seam lsp --stdio (LSP over stdio)', function () {
  this.timeout(60_000);
  before(() => {
    if (!fs.existsSync(CLI)) execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
  });
  afterEach(killServers);

  it('requirements: an operator typo gets an exact range and a quick fix; editing it away clears it', async () => {
    const root = tree({ 'requirements.txt': 'requests>=2\ntorch>==2.0\nnumpy=1.26\n' });
    const c = await start(root);
    const uri = uriOf(root, 'requirements.txt');
    open(c, root, 'requirements.txt');
    const diags = await c.diagnosticsFor(uri, (d) => d.length >= 2);
    const typo = diags.find((d: any) => d.range.start.line === 1)!;
    assert.equal(typo.code, 'pip/invalid-operator');
    assert.equal(typo.severity, 2, 'a warning: the line is read as meant');
    assert.deepEqual(typo.range.start, { line: 1, character: 5 });
    const actions = await c.request('textDocument/codeAction', {
      textDocument: { uri },
      range: typo.range,
      context: { diagnostics: [typo] },
    });
    assert.equal(actions[0].title, "Change '>==' to '>='");
    assert.deepEqual(actions[0].edit.changes[uri], [
      { range: { start: { line: 1, character: 5 }, end: { line: 1, character: 8 } }, newText: '>=' },
    ]);
    const single = diags.find((d: any) => d.range.start.line === 2)!;
    const fix2 = await c.request('textDocument/codeAction', {
      textDocument: { uri },
      range: single.range,
      context: { diagnostics: [single] },
    });
    assert.equal(fix2[0].title, "Change '=' to '=='");
    c.notify('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 1, character: 5 }, end: { line: 1, character: 8 } }, text: '>=' }],
    });
    const after = await c.diagnosticsFor(uri, (d) => !d.some((x: any) => x.range.start.line === 1 && x.code === 'pip/invalid-operator'));
    assert.ok(
      after.some((d: any) => d.range.start.line === 2),
      'the other typo is still reported',
    );
    c.notify('textDocument/didClose', { textDocument: { uri } });
    await c.diagnosticsFor(uri, (d) => d.length === 0);
    assert.equal(await c.stop(), 0);
  });

  it('requirements: several on one line are read as meant, with a quick fix that puts the next one on its own line', async () => {
    const root = tree({ 'requirements.txt': 'accelerate==0.25.0   albumentations==1.4.3\n' });
    const c = await start(root);
    const uri = uriOf(root, 'requirements.txt');
    open(c, root, 'requirements.txt');
    const [d] = await c.diagnosticsFor(uri, (ds) => ds.some((x: any) => x.code === 'pip/several-requirements'));
    assert.equal(d.severity, 2, 'a warning: the line is read');
    assert.deepEqual(d.range.start, { line: 0, character: 21 });
    const actions = await c.request('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
    assert.equal(actions[0].title, "Put 'albumentations==1.4.3' on its own line");
    assert.deepEqual(actions[0].edit.changes[uri], [
      { range: { start: { line: 0, character: 18 }, end: { line: 0, character: 21 } }, newText: '\n' },
    ]);
    assert.equal(await c.stop(), 0);
  });

  it('hover says who installs a requirement, the Nix version, the pin and where else it is declared', async () => {
    const root = tree({ 'requirements.txt': 'torch==2.3.1\nnumpy\n', 'environment.yml': 'name: t\ndependencies:\n  - numpy=1.26\n' });
    const c = await start(root);
    const uri = uriOf(root, 'requirements.txt');
    open(c, root, 'requirements.txt');
    await c.diagnosticsFor(uri);
    const h = await c.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 2 } });
    assert.equal(h.contents.kind, 'markdown');
    assert.match(h.contents.value, /^\*\*torch\*\* → \*\*Nix\*\* on cpu and cuda/);
    assert.match(
      h.contents.value,
      /- nixpkgs: `torch` 2\.2\.1 \(approximate: Seam's bundled knowledge, not the pinned nixpkgs\)\n- requested: `==2\.3\.1`\n- status: conflict — accepted Nix's 2\.2\.1/,
    );
    const numpy = await c.request('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 1 } });
    assert.match(numpy.contents.value, /also declared in: environment\.yml:3/);
    assert.equal(await c.request('textDocument/hover', { textDocument: { uri }, position: { line: 5, character: 0 } }), null);
    await c.stop();
  });

  it('a version conflict offers "move to uv" and "accept Nix\'s version" as seam.toml edits', async () => {
    const root = tree({ 'requirements.txt': 'torch==2.3.1\n', 'seam.toml': 'policy = "nix"\n\n[overrides]\n' });
    const c = await start(root);
    const uri = uriOf(root, 'requirements.txt');
    open(c, root, 'requirements.txt');
    const diags = await c.diagnosticsFor(uri, (d) => d.some((x: any) => x.code === 'plan/version-conflict'));
    const conflict = diags.find((d: any) => d.code === 'plan/version-conflict');
    assert.deepEqual(conflict.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 12 } });
    const actions = await c.request('textDocument/codeAction', {
      textDocument: { uri },
      range: conflict.range,
      context: { diagnostics: [conflict] },
    });
    assert.deepEqual(
      actions.map((a: any) => a.title),
      ['Move torch to uv (seam.toml)', 'Accept Nix\'s version of torch (seam.toml: owner = "nix")'],
    );
    const edit = actions[0].edit.changes[uriOf(root, 'seam.toml')][0];
    assert.equal(edit.newText, 'policy = "nix"\n\n[overrides]\ntorch = { owner = "uv" }\n');
    await c.stop();
  });

  it('every kind of manifest: conda, pyproject, Pipfile, setup.cfg; includes; duplicates and native packages nixpkgs lacks', async () => {
    const root = tree({
      'environment.yml': 'name: t\ndependencies:\n  - numpy=1.26\n  - pip:\n    - -r requirements.txt\n    - -r missing.txt\n',
      'requirements.txt': 'numpy==1.20\nflash-attn>=2\n',
      'pyproject.toml': '[project]\nname = "p"\ndependencies = ["requests>==2"]\n',
      Pipfile: '[packages]\nrequests = ">==2"\n',
      'setup.cfg': '[options]\ninstall_requires =\n    six>==1\n',
    });
    const c = await start(root);
    for (const f of ['environment.yml', 'requirements.txt', 'pyproject.toml', 'Pipfile', 'setup.cfg']) open(c, root, f);
    const env = await c.diagnosticsFor(uriOf(root, 'environment.yml'), (d) => d.some((x: any) => /include-missing/.test(x.code)));
    assert.equal(env.find((x: any) => /include-missing/.test(x.code)).range.start.line, 5);
    const condaHover = await c.request('textDocument/hover', {
      textDocument: { uri: uriOf(root, 'environment.yml') },
      position: { line: 2, character: 5 },
    });
    assert.match(condaHover.contents.value, /^\*\*numpy\*\* → \*\*Nix\*\* on cpu and cuda[\s\S]*also declared in: requirements\.txt:1/);
    const reqs = await c.diagnosticsFor(uriOf(root, 'requirements.txt'), (d) =>
      d.some((x: any) => x.code === 'seam/native-not-in-nixpkgs'),
    );
    assert.ok(
      reqs.some((x: any) => x.code === 'seam/contradicting-pins' || x.code === 'seam/duplicate'),
      JSON.stringify(reqs),
    );
    for (const f of ['pyproject.toml', 'Pipfile', 'setup.cfg']) {
      const d = await c.diagnosticsFor(uriOf(root, f), (x) =>
        x.some((y: any) => /invalid-operator|invalid-specifier|invalid-requirement/.test(y.code)),
      );
      assert.ok(d.length, f);
    }
    await c.stop();
  });

  it('says the environment is out of date when a manifest changed after flake.nix was generated, and offers to regenerate', async () => {
    const root = tree({ 'requirements.txt': 'requests\n' });
    execFileSync(process.execPath, [CLI, 'convert', root], { stdio: 'pipe' });
    const c = await start(root);
    const uri = uriOf(root, 'requirements.txt');
    open(c, root, 'requirements.txt');
    const fresh = await c.diagnosticsFor(uri);
    assert.ok(!fresh.some((d: any) => d.code === 'seam/out-of-date'), 'just converted: up to date');
    c.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: 'requests\ntorch\n' }] });
    const stale = await c.diagnosticsFor(uri, (d) => d.some((x: any) => x.code === 'seam/out-of-date'));
    const d = stale.find((x: any) => x.code === 'seam/out-of-date');
    const actions = await c.request('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
    assert.deepEqual(actions[0].command, { title: 'Convert to reproducible env', command: 'seam.convert' });
    await c.stop();
  });

  it('malformed and huge inputs: diagnostics, never a crash', async () => {
    const big = Array.from({ length: 5000 }, (_, i) => `pkg${i}==1.${i}`).join('\n');
    const root = tree({
      'pyproject.toml': '[project\nname = ',
      'environment.yml': 'dependencies: [\n  - : :\n',
      'requirements.txt': `${big}\n`,
      'requirements-huge.txt': 'x'.repeat(5 * 1024 * 1024),
    });
    const c = await start(root);
    for (const f of ['pyproject.toml', 'environment.yml', 'requirements.txt', 'requirements-huge.txt']) open(c, root, f);
    const toml = await c.diagnosticsFor(uriOf(root, 'pyproject.toml'), (d) => d.length > 0);
    assert.match(toml[0].code, /toml/);
    const yaml = await c.diagnosticsFor(uriOf(root, 'environment.yml'), (d) => d.length > 0);
    assert.ok(yaml[0].range.start.line >= 0);
    const huge = await c.diagnosticsFor(uriOf(root, 'requirements-huge.txt'), (d) => d.length > 0);
    assert.match(huge[0].message, /over Seam's limit/);
    await c.diagnosticsFor(uriOf(root, 'requirements.txt'));
    const h = await c.request('textDocument/hover', {
      textDocument: { uri: uriOf(root, 'requirements.txt') },
      position: { line: 4999, character: 2 },
    });
    assert.match(h.contents.value, /pkg4999/);
    assert.equal(await c.stop(), 0);
  });
});
