/**
 * The extension in a real VS Code (code-server 4.139 = VS Code 1.139, see harness.ts): a conda +
 * pip project opens, Seam's notification offers the conversion, the walkthrough opens, "Convert to
 * reproducible env" from the command palette writes the environment (manifests byte-identical),
 * the plan view shows the packages; in an untrusted workspace the same command writes nothing.
 * Screenshots go to test-results/screenshots/.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { type Editor, openPalette, palette, ROOT, seamLog, shot, toast, useEditors } from './harness';

const EXAMPLE = path.join(ROOT, 'examples', 'ml-project');
const TIMINGS = path.join(ROOT, 'test-results', 'e2e-timings.json');
const timings: Record<string, number | null> = {};

/** `activate()`'s own time, from the Seam log channel's file in the editor's log folder. */
function activationFromLog(editor: Editor): number | null {
  const m = /Seam activated in ([\d.]+) ms/.exec(seamLog(editor));
  return m ? Number(m[1]) : null;
}
const MANIFESTS = ['environment.yml', 'requirements.txt', 'requirements-base.txt', 'pyproject.toml'];

function copyExample(): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seam-ws-')), 'ml-project');
  fs.cpSync(EXAMPLE, dir, { recursive: true });
  return dir;
}

function digest(dir: string): string {
  const h = crypto.createHash('sha256');
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name === '.vscode') continue; // the editor may keep its own state there
      const full = path.join(d, e.name);
      h.update(path.relative(dir, full));
      if (e.isDirectory()) walk(full);
      else h.update(fs.readFileSync(full));
    }
  };
  walk(dir);
  return h.digest('hex');
}

describe('the extension in a real VS Code (code-server)', function () {
  this.timeout(600_000);
  const session = useEditors('editor');
  let lastEditor: Editor | null = null;

  async function open(folder: string, trusted: boolean): Promise<Page> {
    const { page, editor } = await session.open(folder, trusted);
    lastEditor = editor;
    return page;
  }

  it('a .vsix that code-server installs, and that Open VSX takes as it is (VS Code 1.91 and later: Cursor, VSCodium, Windsurf)', () => {
    assert.ok(fs.statSync(session.vsix).size > 10_000);
    const read = (entry: string) => execFileSync('unzip', ['-p', session.vsix, entry], { encoding: 'utf8' });
    const pkg = JSON.parse(read('extension/package.json'));
    assert.equal(pkg.engines.vscode, '^1.91.0');
    assert.equal(pkg.devDependencies['@types/vscode'], '1.91.0', '@types/vscode matches the engine (vsce refuses a newer one)');
    assert.equal(pkg.enabledApiProposals, undefined, 'no proposed API: Open VSX and other editors would refuse it');
    const manifest = read('extension.vsixmanifest');
    assert.match(manifest, /<Identity Language="en-US" Id="seam" Version="[^"]+" Publisher="seam-dev"/);
    assert.match(manifest, /Microsoft\.VisualStudio\.Code\.Engine" Value="\^1\.91\.0"/);
    assert.match(read('extension/LICENSE.txt'), /MIT/);
  });

  it('trusted: the notification, the walkthrough, Convert from the palette, the plan view', async () => {
    const ws = copyExample();
    const before = MANIFESTS.map((f) => fs.readFileSync(path.join(ws, f)).toString('base64'));
    const page = await open(ws, true);
    const offer = toast(
      page,
      /Seam found conda \+ pip \+ pyproject manifests in ml-project\. Make it a reproducible Nix \+ uv environment, for CPU and CUDA\?/,
    );
    await offer.waitFor({ timeout: 60_000 });
    await shot(page, '01-notification');
    const status = page.locator('[id="seam-dev.seam.seam.target"]');
    await status.waitFor({ timeout: 30_000 });
    assert.match(await status.innerText(), /Seam: convert/);

    await offer.locator('a.monaco-button, .monaco-button', { hasText: 'Open guide' }).first().click();
    const guide = page.locator('.gettingStartedContainer');
    await guide.waitFor({ timeout: 30_000 });
    await page.locator('.gettingStartedContainer', { hasText: 'Get started with Seam' }).waitFor({ timeout: 30_000 });
    for (const step of [
      'See what Seam found',
      'Check this machine',
      'Review the plan',
      'Convert to reproducible env',
      'Pick a target, open a terminal',
    ]) {
      assert.ok(await guide.getByText(step, { exact: false }).first().isVisible(), `walkthrough step "${step}"`);
    }
    await shot(page, '02-walkthrough');
    await guide.getByText('Review the plan', { exact: true }).first().click();
    await guide.locator('img[alt^="Nix owns the interpreter"]').first().waitFor({ timeout: 15_000 });
    await shot(page, '02b-walkthrough-plan-step');

    await openPalette(page, '>Seam: ');
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'Convert to reproducible env' })
      .first()
      .waitFor({ timeout: 15_000 });
    await shot(page, '03-palette');
    const titles = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
    for (const t of [
      'Convert to reproducible env',
      'Show plan',
      'Check setup',
      'Check environment contract',
      'Select target',
      'Open terminal in environment',
      'Show log',
    ]) {
      assert.ok(
        titles.some((x) => x.includes(`Seam: ${t}`)),
        `palette has "Seam: ${t}" in ${JSON.stringify(titles)}`,
      );
    }
    await page.keyboard.press('Escape');

    const t0 = Date.now();
    await palette(page, 'Seam: Convert to reproducible env');
    await toast(page, /is now a Nix \+ uv environment/).waitFor({ timeout: 60_000 });
    timings.commandToWrittenMs = Date.now() - t0;
    await shot(page, '04-converted');
    for (const f of ['flake.nix', 'seam.toml', '.gitignore', 'seam-plan.txt']) assert.ok(fs.existsSync(path.join(ws, f)), `${f} written`);
    assert.match(fs.readFileSync(path.join(ws, 'flake.nix'), 'utf8'), /^# Generated by Seam/);
    assert.deepEqual(
      MANIFESTS.map((f) => fs.readFileSync(path.join(ws, f)).toString('base64')),
      before,
      'manifests byte-identical',
    );
    await page.locator('[id="seam-dev.seam.seam.target"]', { hasText: /cpu · / }).waitFor({ timeout: 30_000 });

    await palette(page, 'Seam: Show plan');
    const frame = await planFrame(page);
    await frame.locator('h1', { hasText: 'Seam plan for' }).waitFor({ timeout: 30_000 });
    const text = await frame.locator('body').innerText();
    assert.match(text, /torch/);
    assert.match(text, /version conflict/);
    assert.match(text, /Files Convert writes/);
    await shot(page, '05-plan');

    // A conflict choice goes to seam.toml (that one line) and the plan re-renders.
    await frame.locator('.conflict', { hasText: 'torch' }).locator('button', { hasText: 'Move to uv' }).click();
    const deadline = Date.now() + 20_000;
    while (!/^torch = \{ owner = "uv" \}$/m.test(fs.readFileSync(path.join(ws, 'seam.toml'), 'utf8')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    assert.match(fs.readFileSync(path.join(ws, 'seam.toml'), 'utf8'), /^\[overrides\]\ntorch = \{ owner = "uv" \}$/m);
    await planFrame(
      page,
      async (f) =>
        (await f.locator('.conflict', { hasText: 'torch' }).count()) === 0 && /torch\s+uv\s+uv/.test(await f.locator('table').innerText()),
    );

    // "Will it download or compile?": the plan view asks Nix's dry run and shows its answer per shell.
    const asking = await planFrame(page);
    await asking.locator('#cache').click();
    const answered = await planFrame(page, async (f) => (await f.locator('ul.cache li', { hasText: 'cpu shell:' }).count()) > 0);
    assert.match(await answered.locator('ul.cache').innerText(), /cpu shell: (downloads|could not ask the binary caches)/);
    await shot(page, '06-plan-caches');

    // Check setup opens a page that says what this machine has.
    await palette(page, 'Seam: Check setup');
    await toast(page, /Seam: (this machine is ready|.* needs? attention)/).waitFor({ timeout: 30_000 });
    await page
      .locator('.tabs-container .tab', { hasText: /Seam: setup check/ })
      .first()
      .waitFor({ timeout: 30_000 });
    // A view, not a document: no unsaved "Untitled" editor is left behind.
    assert.equal(await page.locator('.tabs-container .tab', { hasText: /Untitled/ }).count(), 0);
    await new Promise((r) => setTimeout(r, 1_000)); // let the preview paint
    await shot(page, '07-check-setup');
    timings.activateMs = activationFromLog(lastEditor!);
    fs.mkdirSync(path.dirname(TIMINGS), { recursive: true });
    fs.writeFileSync(
      TIMINGS,
      `${JSON.stringify({ ...(fs.existsSync(TIMINGS) ? JSON.parse(fs.readFileSync(TIMINGS, 'utf8')) : {}), ...timings, editor: 'code-server 4.139 (VS Code 1.139)', at: new Date().toISOString() }, null, 2)}\n`,
    );
  });

  it('untrusted: Convert writes nothing and says why', async () => {
    const ws = copyExample();
    const before = digest(ws);
    const page = await open(ws, false);
    await page.locator('.statusbar').waitFor({ timeout: 30_000 });
    const status = page.locator('[id="seam-dev.seam.seam.target"]');
    await status.waitFor({ timeout: 60_000 });
    await palette(page, 'Seam: Convert to reproducible env');
    await toast(page, 'does not write files in an untrusted workspace').waitFor({ timeout: 30_000 });
    await shot(page, '06-untrusted');
    assert.equal(digest(ws), before, 'nothing written');

    // Granting trust takes effect without a reload: the same window converts now.
    await palette(page, 'Workspaces: Manage Workspace Trust');
    await page.locator('.workspace-trust-editor').waitFor({ timeout: 15_000 });
    await page
      .locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ })
      .first()
      .click();
    await status.filter({ hasText: 'Seam: convert' }).waitFor({ timeout: 30_000 });
    await palette(page, 'Seam: Convert to reproducible env');
    await toast(page, /is now a Nix \+ uv environment/).waitFor({ timeout: 60_000 });
    assert.ok(fs.existsSync(path.join(ws, 'flake.nix')));
  });
});

/** The plan webview's inner frame (webviews nest an iframe in an iframe). */
async function planFrame(page: Page, ready: (f: Frame) => Promise<boolean> = async () => true): Promise<Frame> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      try {
        if ((await f.locator('h1', { hasText: 'Seam plan for' }).count()) && (await ready(f))) return f;
      } catch {
        /* the frame went away while being read (the panel re-rendered) */
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the plan view did not appear');
}
