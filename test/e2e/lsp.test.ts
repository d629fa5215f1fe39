/**
 * The language server in a real VS Code (code-server): a requirements file with a `>==` typo is read
 * as meant and shows a warning squiggle and Seam's hover, and the quick fix corrects it.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MINI } from '../helpers';
import { openPalette, shot, useEditors } from './harness';

describe('the language server in a real VS Code (code-server)', function () {
  this.timeout(600_000);
  const session = useEditors('lsp', { 'seam.offerConversion': false, 'editor.hover.delay': 100 });

  it('a >== typo: read as meant, a warning squiggle, hover, quick fix', async () => {
    const ws = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seam-lsp-')), 'train');
    fs.mkdirSync(ws);
    fs.writeFileSync(path.join(ws, 'requirements.txt'), 'numpy>=1.26\ntorch>==2.2\ntransformers>=4.38\n');
    const { page } = await session.open(ws, true);
    await openPalette(page, 'requirements.txt');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'requirements.txt' }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    const squiggle = page.locator('.monaco-editor .squiggly-warning').first();
    await squiggle.waitFor({ timeout: 60_000 });

    await squiggle.hover({ force: true });
    const hover = page.locator('.monaco-hover', { hasText: "invalid operator '>==' (did you mean '>='?); read as 'torch>=2.2'" }).first();
    await hover.waitFor({ timeout: 20_000 });
    assert.match(await hover.innerText(), /seam\(pip\/invalid-operator\)/);
    await shot(page, '20-lsp-hover');

    await page.keyboard.press('Escape');
    await squiggle.click({ force: true });
    await page.keyboard.press('Control+.');
    const fix = page
      .locator('.action-widget .monaco-list-row, .context-view .action-widget li', { hasText: "Change '>==' to '>='" })
      .first();
    await fix.waitFor({ timeout: 20_000 });
    await shot(page, '21-lsp-quickfix');
    await fix.click();
    await page.locator('.view-lines', { hasText: 'torch>=2.2' }).first().waitFor({ timeout: 20_000 });
    await page.locator('.monaco-editor .squiggly-warning').first().waitFor({ state: 'detached', timeout: 20_000 });
    // Now a valid requirement: Seam's hover says who installs it and why.
    await page.locator('.view-lines .view-line', { hasText: 'torch>=2.2' }).first().locator('span').first().hover();
    const seamHover = page.locator('.monaco-hover', { hasText: 'on cpu and cuda' }).first();
    await seamHover.waitFor({ timeout: 20_000 });
    assert.match(
      await seamHover.innerText(),
      /torch → Nix on cpu and cuda\s+Nix: native, CUDA-aware[\s\S]*nixpkgs: torch 2\.2\.1[\s\S]*requested: >=2\.2/,
    );
    await shot(page, '22-lsp-fixed-hover');
  });

  it('recovers from a crash of the server, and "Seam: Restart language server" starts a new one', async () => {
    const ws = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seam-lsp-')), 'train');
    fs.mkdirSync(ws);
    fs.writeFileSync(path.join(ws, 'requirements.txt'), 'numpy>=1.26\n');
    const { page, editor } = await session.open(ws, true);
    await openPalette(page, 'requirements.txt');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'requirements.txt' }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    const servers = () =>
      execFileSync('pgrep', ['-f', `${editor.base}/ext/.*dist/server\\.js`], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .filter(Boolean)
        .map(Number);
    /** Replaces the file's text in the editor and waits until the server has flagged exactly `n` typos. */
    const edit = async (text: string, n: number) => {
      await page.locator('.monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+A');
      await page.keyboard.type(text);
      await page.waitForFunction(`document.querySelectorAll('.monaco-editor .squiggly-error').length === ${n}`, undefined, {
        timeout: 60_000,
      });
    };
    const waitForServer = async (not: number[] = []) => {
      for (let i = 0; i < 200; i++) {
        const now = (() => {
          try {
            return servers();
          } catch {
            return [];
          }
        })().filter((p) => !not.includes(p));
        if (now.length) return now;
        await page.waitForTimeout(100);
      }
      throw new Error('no language server process');
    };
    const [first] = await waitForServer();
    await edit('numpy>=1.26\nrich==1..3\n', 1);
    // The server dies; the client starts a new one, which checks the next edit.
    process.kill(first, 'SIGKILL');
    const [second] = await waitForServer([first]);
    await edit('numpy>=1.26\nhttpx==0..27\ntqdm==4..0\n', 2);
    await openPalette(page, '>Seam: Restart language server');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Restart language server' }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    const [third] = await waitForServer([first, second]);
    assert.notEqual(third, second);
    await edit('a==1..0\nb==2..0\nc==3..0\n', 3);
    await shot(page, '23-lsp-after-restart');
  });
  it("reads the pinned nixpkgs' facts in the background (real nix, the miniature), and the hover then shows its versions", async () => {
    const ws = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seam-lsp-')), 'train');
    fs.mkdirSync(ws);
    fs.writeFileSync(path.join(ws, 'requirements.txt'), 'torch>=2.5\n');
    fs.writeFileSync(path.join(ws, 'seam.toml'), `nixpkgs = "path:${MINI}"\n`);
    const { page } = await session.open(ws, true);
    await openPalette(page, 'requirements.txt');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'requirements.txt' }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    const word = page.locator('.view-lines .view-line', { hasText: 'torch>=2.5' }).first().locator('span').first();
    await word.waitFor({ timeout: 20_000 });
    // Hover until the server answers from the facts the extension read (a hover is computed when shown).
    let text = '';
    for (let i = 0; i < 60 && !/read with nix eval/.test(text); i++) {
      await page.mouse.move(0, 0);
      await page.keyboard.press('Escape');
      await word.hover();
      const hover = page.locator('.monaco-hover', { hasText: 'on cpu and cuda' }).first();
      text =
        (await hover
          .waitFor({ timeout: 5_000 })
          .then(() => hover.innerText())
          .catch(() => '')) || text;
      if (!/read with nix eval/.test(text)) await page.waitForTimeout(1_000);
    }
    assert.match(text, /nixpkgs: torch 2\.9\.1 \(path:\S*nixpkgs-mini \(read with nix eval\)\)[\s\S]*status: satisfied by Nix/);
    await shot(page, '24-lsp-hover-pin-facts');
  });
});
