/**
 * Every face plans with the facts of the pinned nixpkgs: `seam plan` reads them from
 * ../shared/nixpkgs-mini with real nix into the cache; the language server (which never runs nix)
 * then answers from the cached facts, and `seam inspect`/`seam plan` offline fall back to them.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MINI, nixEnv, ROOT, skipBecause, tree, which } from '../helpers';
import { killServers, open, start, uriOf } from '../support/lsp-client';

const CLI = path.join(ROOT, 'dist', 'cli.js');

describe('the facts of the pin in every face (real nix, the miniature nixpkgs)', function () {
  this.timeout(300_000);
  before(function () {
    if (!which('nix')) skipBecause(this, 'nix is not installed');
    if (!fs.existsSync(path.join(MINI, 'flake.nix'))) skipBecause(this, `no miniature nixpkgs at ${MINI}`);
    if (!fs.existsSync(CLI)) execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
  });
  afterEach(killServers);

  it('the language server answers with the versions seam plan read from the pin, and says where they come from', async () => {
    const HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-home-'));
    const env = { ...nixEnv(), HOME };
    const root = tree({ 'requirements.txt': 'torch>=2.5\n', 'seam.toml': `nixpkgs = "path:${MINI}"\n` });
    // Before any read: Seam's bundled knowledge (its torch is older than 2.5).
    let c = await start(root, env);
    const uri = uriOf(root, 'requirements.txt');
    open(c, root, 'requirements.txt');
    await c.diagnosticsFor(uri, () => true);
    const hoverText = async () =>
      (
        (await c.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 2 } })) as {
          contents: { value: string };
        }
      ).contents.value;
    assert.match(await hoverText(), /nixpkgs: `torch` 2\.2\.1 \(approximate: Seam's bundled knowledge, not the pinned nixpkgs\)/);
    assert.equal(await c.stop(), 0);

    const plan = spawnSync(process.execPath, [CLI, 'plan', '--json', root], { cwd: root, env, encoding: 'utf8' });
    assert.equal(plan.status, 0, plan.stderr);
    assert.match(plan.stderr, /reading \d+ package fact\(s\) from path:.*nixpkgs-mini/);
    assert.equal(JSON.parse(plan.stdout).nixpkgs.facts, 'pin');

    c = await start(root, env);
    open(c, root, 'requirements.txt');
    await c.diagnosticsFor(uri, () => true);
    const text = await hoverText();
    assert.match(text, /nixpkgs: `torch` 2\.9\.1 \(path:[^)]*nixpkgs-mini \(read with nix eval\)\)/);
    assert.match(text, /satisfied by Nix/);
    assert.equal(await c.stop(), 0);

    // Offline (nix cannot read the pin any more): the CLI says so and plans with the same cached facts.
    const offline = spawnSync(process.execPath, [CLI, 'plan', '--json', root], {
      cwd: root,
      env: { ...env, PATH: '/nonexistent' },
      encoding: 'utf8',
    });
    assert.equal(offline.status, 0, offline.stderr);
    assert.match(offline.stderr, /nix is not installed; planning with the facts last read from it/);
    const p = JSON.parse(offline.stdout);
    assert.equal(p.nixpkgs.facts, 'pin');
    assert.equal(p.packages.find((x: { name: string }) => x.name === 'torch').nixVersion, '2.9.1');
  });
});
