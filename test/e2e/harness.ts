/**
 * A real VS Code for the extension tests: code-server (VS Code 1.139) run with Node 24, the
 * extension installed from the .vsix that `vsce package` makes, and Debian's chromium driven by
 * playwright-core. Recipe and traps: ../shared/reference/toolchain.md. Each instance has its own
 * user-data, extensions and config folders, and is stopped with its whole process group.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { OFFLINE_NIX_CONFIG } from '../support/offline-nix';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SHOTS = path.join(ROOT, 'test-results', 'screenshots');

export interface Toolchain {
  node24: string;
  codeServer: string;
}

/** Installs (or finds) the toolchain; null with the reason when this machine cannot have it. */
export function toolchain(): { tools: Toolchain | null; reason: string } {
  try {
    const out = execFileSync('bash', [path.join(ROOT, 'scripts', 'e2e-setup.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 15 * 60_000,
    });
    const v = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    return { tools: { node24: v.SEAM_E2E_NODE24, codeServer: v.SEAM_E2E_CODE_SERVER }, reason: '' };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    return {
      tools: null,
      reason: `the code-server toolchain could not be installed: ${(err.stderr || err.message).trim().split('\n').pop()}`,
    };
  }
}

/** Packages the extension with vsce into a .vsix (what users install). */
export function packageVsix(): string {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seam-vsix-')), 'seam.vsix');
  execFileSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'),
      'package',
      '--no-dependencies',
      '--allow-missing-repository',
      '--baseContentUrl',
      'https://example.invalid/seam/blob/main',
      '--baseImagesUrl',
      'https://example.invalid/seam/raw/main',
      '-o',
      out,
    ],
    { cwd: ROOT, stdio: 'pipe', timeout: 120_000 },
  );
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface Editor {
  url: string;
  base: string;
  stop(): void;
  log(): string;
}

/** Starts code-server on `folder` (or a `.code-workspace` file) with the .vsix installed; `trusted` false leaves Workspace Trust on (folders open restricted). */
export async function startEditor(
  tools: Toolchain,
  vsix: string,
  folder: string,
  trusted: boolean,
  extraSettings: Record<string, unknown> = {},
  /** Other extensions' .vsix files to install beside Seam's. */
  others: string[] = [],
): Promise<Editor> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-cs-'));
  const data = path.join(base, 'data');
  const ext = path.join(base, 'ext');
  fs.mkdirSync(path.join(data, 'User'), { recursive: true });
  fs.writeFileSync(path.join(base, 'config.yaml'), 'auth: none\n');
  fs.writeFileSync(
    path.join(data, 'User', 'settings.json'),
    JSON.stringify(
      {
        'terminal.integrated.gpuAcceleration': 'off',
        'terminal.integrated.enablePersistentSessions': false,
        'workbench.startupEditor': 'none',
        'chat.disableAIFeatures': true,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'security.workspace.trust.enabled': !trusted,
        'workbench.tips.enabled': false,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'window.commandCenter': false,
        ...extraSettings,
      },
      null,
      2,
    ),
  );
  const env = {
    ...process.env,
    PATH: `${path.dirname(tools.node24)}:${process.env.PATH}`,
    HOME: base,
    XDG_CONFIG_HOME: path.join(base, 'xdg'),
    NIX_CONFIG: OFFLINE_NIX_CONFIG,
  };
  for (const v of [...others, vsix])
    execFileSync(
      tools.codeServer,
      ['--config', path.join(base, 'config.yaml'), '--extensions-dir', ext, '--user-data-dir', data, '--install-extension', v],
      { env, stdio: 'pipe', timeout: 120_000 },
    );
  const port = await freePort();
  const logFile = path.join(base, 'code-server.log');
  const out = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    tools.codeServer,
    [
      '--config',
      path.join(base, 'config.yaml'),
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--extensions-dir',
      ext,
      '--user-data-dir',
      data,
      folder,
    ],
    { env, detached: true, stdio: ['ignore', out, out] },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`code-server did not start:\n${fs.readFileSync(logFile, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url: `${url}/?${folder.endsWith('.code-workspace') ? 'workspace' : 'folder'}=${encodeURIComponent(folder)}`,
    base,
    log: () => fs.readFileSync(logFile, 'utf8'),
    stop: () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    },
  };
}

/** What the extension wrote to its "Seam" output channel in this editor ("" before it wrote anything). */
export function seamLog(editor: Editor): string {
  const logs = path.join(editor.base, 'data', 'logs');
  for (const d of fs.existsSync(logs) ? fs.readdirSync(logs) : []) {
    const f = path.join(logs, d, 'exthost1', 'seam-dev.seam', 'Seam.log');
    if (fs.existsSync(f)) return fs.readFileSync(f, 'utf8');
  }
  return '';
}

export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/** Opens the command palette (retrying: a walkthrough or webview can hold the focus) and runs `command`. */
export async function openPalette(page: Page, text: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('Escape');
    await page
      .locator('.part.sidebar .composite.title')
      .first()
      .click({ timeout: 2_000 })
      .catch(() => undefined);
    await page.keyboard.press(attempt % 2 ? 'Control+Shift+P' : 'F1');
    try {
      await input.fill(text, { timeout: 5_000 });
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

export async function palette(page: Page, command: string): Promise<void> {
  await openPalette(page, `>${command}`);
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: command.replace(/^Seam: /, '') })
    .first()
    .waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
}

export const toast = (page: Page, text: string | RegExp) =>
  page.locator('.notifications-toasts .notification-list-item', { hasText: text }).first();

export interface EditorSession {
  /** The .vsix every editor of this suite installs. */
  readonly vsix: string;
  /** Starts code-server on `folder` and opens it in a browser page, waiting for the workbench. */
  open(folder: string, trusted: boolean, settings?: Record<string, unknown>, others?: string[]): Promise<{ page: Page; editor: Editor }>;
}

/**
 * The hooks every editor suite needs, registered in the calling `describe`: the toolchain (or a
 * SKIPPED line and a skip), the .vsix, one chromium; screenshots of every page when a test fails;
 * everything stopped at the end.
 */
export function useEditors(name: string, baseSettings: Record<string, unknown> = {}): EditorSession {
  let tools: Toolchain | null = null;
  let vsix = '';
  let browser: Browser | null = null;
  const editors: Editor[] = [];
  const pages: Page[] = [];
  before(async function () {
    if (process.env.SEAM_E2E === '0' && process.env.CI !== 'true') {
      console.log('      SKIPPED (SEAM_E2E=0)');
      this.skip();
    }
    const found = toolchain();
    if (!found.tools) {
      // CI must run the editor tier: a skip there would hide it behind a green total.
      if (process.env.CI === 'true') throw new Error(`CI=true needs the real-editor tests, and ${found.reason}`);
      console.log(`      SKIPPED (${found.reason})`);
      this.skip();
    }
    tools = found.tools;
    vsix = packageVsix();
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-dev-shm-usage',
      ],
    });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      for (const [i, p] of pages.entries()) await shot(p, `failed-${name}-${i}`).catch(() => undefined);
  });
  after(async () => {
    await browser?.close();
    for (const e of editors) e.stop();
  });
  return {
    get vsix() {
      return vsix;
    },
    async open(folder, trusted, settings = {}, others = []) {
      const editor = await startEditor(tools!, vsix, folder, trusted, { ...baseSettings, ...settings }, others);
      editors.push(editor);
      const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
      pages.push(page);
      await page.goto(editor.url);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      return { page, editor };
    },
  };
}
