/**
 * The paved road, as a new user walks it in a real VS Code (code-server): a git repository holding
 * only environment.yml, requirements.txt and a seam.toml that pins a copy of the miniature nixpkgs,
 * with a real uv from PyPI. From opening the folder to a terminal where a uv-owned package and a
 * Nix-owned one import: every click is counted (at most 3, no keystrokes, no reload). The
 * command typed in the terminal is the test's check, not a step of the user's.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { MINI, needUvLayer } from '../helpers';
import { ROOT, shot, toast, useEditors } from './harness';

const TIMINGS = path.join(ROOT, 'test-results', 'e2e-timings.json');

/** The uv program itself (a pyenv shim stops working under the editor's own HOME). */
function realUv(uv: string): string {
  const text = fs.readFileSync(uv, 'utf8').slice(0, 200);
  if (!text.startsWith('#!') || !/pyenv/.test(text)) return fs.realpathSync(uv);
  return execFileSync('python3', ['-c', 'import uv; print(uv.find_uv_bin())'], { encoding: 'utf8' }).trim();
}

function project(): string {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-road-'));
  const mini = path.join(parent, 'nixpkgs-mini');
  fs.cpSync(MINI, mini, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', mini]);
  const host = execFileSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();
  const dir = path.join(parent, 'vision');
  fs.mkdirSync(dir);
  fs.writeFileSync(
    path.join(dir, 'environment.yml'),
    'name: vision\ndependencies:\n  - pytorch\n  - pip\n  - pip:\n    - -r requirements.txt\n',
  );
  fs.writeFileSync(path.join(dir, 'requirements.txt'), 'rich>=13\n');
  // The miniature's interpreters are the host's Python: the plan uses its version, so uv finds it.
  fs.writeFileSync(path.join(dir, 'seam.toml'), `nixpkgs = "path:${mini}"\npython = "${host}"\n`);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=dev@example.com', '-c', 'user.name=dev', ...args], { cwd: dir });
  git('init', '-q');
  git('add', 'environment.yml', 'requirements.txt', 'seam.toml');
  git('commit', '-q', '-m', 'manifests');
  return dir;
}

describe('the paved road in a real VS Code: from opening a git repo to a working terminal', function () {
  this.timeout(900_000);
  const session = useEditors('paved-road', {
    'terminal.integrated.defaultProfile.linux': 'bash',
    'terminal.integrated.shellIntegration.enabled': false,
  });
  let uvDir = '';
  before(async function () {
    uvDir = path.dirname(realUv(await needUvLayer(this)));
  });

  it('at most 3 clicks and no keystrokes: Convert, then Open terminal; python imports rich (uv) and torch (Nix)', async () => {
    const ws = project();
    const saved = { PATH: process.env.PATH, UV_CACHE_DIR: process.env.UV_CACHE_DIR };
    process.env.PATH = `${uvDir}:${process.env.PATH}`; // the editor's terminals and Seam's resolution find uv
    process.env.UV_CACHE_DIR = path.join(os.homedir(), '.cache', 'seam-test-uv');
    let page: Page;
    const opened = Date.now();
    try {
      ({ page } = await session.open(ws, true));
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.UV_CACHE_DIR === undefined) delete process.env.UV_CACHE_DIR;
      else process.env.UV_CACHE_DIR = saved.UV_CACHE_DIR;
    }
    let clicks = 0;
    const click = async (l: Locator) => {
      clicks++;
      await l.click();
    };
    const button = (t: Locator, label: string) => t.locator('a.monaco-button, .monaco-button', { hasText: label }).first();

    const offer = toast(page, /Seam found conda \+ pip manifests in vision\. Make it a reproducible Nix \+ uv environment/);
    await offer.waitFor({ timeout: 60_000 });
    const offerMs = Date.now() - opened; // from starting code-server on the folder, workbench load included
    await shot(page, 'road-01-offer');
    const t0 = Date.now();
    await click(button(offer, 'Convert'));

    const done = toast(page, /vision is now a Nix \+ uv environment/);
    await done.waitFor({ timeout: 120_000 });
    assert.match(await done.innerText(), /Staged them for git \(no commit\)/);
    await shot(page, 'road-02-converted');
    const status = execFileSync('git', ['status', '--porcelain'], { cwd: ws, encoding: 'utf8' });
    for (const f of ['flake.nix', 'flake.lock', 'pyproject.toml', 'seam-plan.txt', '.gitignore'])
      assert.match(status, new RegExp(`^A  ${f.replace('.', '\\.')}$`, 'm'), status);
    await click(button(done, 'Open terminal'));

    // The terminal opens once the whole environment is resolved: the dev shell and .venv with the uv packages.
    const rows = page.locator('.terminal-wrapper.active .xterm-rows').last();
    await rows.waitFor({ timeout: 600_000 });
    await rows.filter({ hasText: /[#$]\s*$/ }).waitFor({ timeout: 600_000 });
    const readyMs = Date.now() - t0;
    await shot(page, 'road-03-terminal');
    assert.ok(clicks <= 3, `${clicks} clicks`);

    // The check (not the user's): the terminal's python imports a uv package and a Nix package.
    await page.waitForTimeout(300);
    await page.keyboard.type(`python -c "import rich, torch; print('IMPORTS', rich.__name__, torch.__file__.startswith('/nix/store'))"`);
    await page.keyboard.press('Enter');
    const deadline = Date.now() + 60_000;
    for (;;) {
      const text = (await page.locator('.terminal-wrapper .xterm-rows').allInnerTexts()).join('\n').replace(/\u00a0/g, ' ');
      if (/^IMPORTS rich True$/m.test(text)) break;
      if (Date.now() > deadline) throw new Error(`the terminal did not import rich and torch:\n${text}`);
      await page.waitForTimeout(500);
    }
    await shot(page, 'road-04-imports');
    assert.ok(fs.existsSync(path.join(ws, '.venv', 'pyvenv.cfg')), '.venv made by the resolution');
    const site = spawnSync('bash', ['-c', 'ls .venv/lib/python*/site-packages'], { cwd: ws, encoding: 'utf8' }).stdout;
    assert.match(site, /^rich-/m, 'uv installed rich into .venv');
    const old = fs.existsSync(TIMINGS) ? JSON.parse(fs.readFileSync(TIMINGS, 'utf8')) : {};
    fs.mkdirSync(path.dirname(TIMINGS), { recursive: true });
    fs.writeFileSync(TIMINGS, `${JSON.stringify({ ...old, convertToTerminalMs: readyMs, pavedRoadClicks: clicks, offerMs }, null, 2)}\n`);
  });
});
