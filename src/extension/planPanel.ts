/** "Show plan": the review panel. Conflict choices go to seam.toml; Convert writes the environment. */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import { setOwnerOverride } from '../core/config/edit';
import { DEFAULT_SEAM_CONFIG, SEAM_TOML, writeSeamToml } from '../core/config/seamToml';
import { describeCache } from '../core/env/caches';
import { errorMessage } from '../core/errors';
import { shellCaches } from '../core/project';
import { settings } from './config';
import { convertCommand, prepare } from './convert';
import { loggable } from './log';
import { type Choice, planViewModel, renderPlanHtml } from './models/planView';
import { type FolderState, requireTrust, type SeamWorkspace } from './workspace';

const panels = new Map<string, vscode.WebviewPanel>();
/** Each panel's last answer of the binary caches, until the folder changes. */
const cacheLines = new Map<string, string[]>();

export async function showPlan(ws: SeamWorkspace, log: vscode.LogOutputChannel): Promise<void> {
  const state = await ws.pick('Show plan');
  if (!state) return;
  const key = state.folder.uri.toString();
  let panel = panels.get(key);
  if (panel) {
    panel.reveal();
  } else {
    panel = vscode.window.createWebviewPanel('seam.plan', `Seam plan: ${state.folder.name}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [],
    });
    panels.set(key, panel);
    const p = panel;
    // The plan follows the folder: a manifest or seam.toml edited anywhere re-renders it.
    const follow = ws.onDidChange((f) => {
      if (f.uri.toString() !== key) return;
      cacheLines.delete(key);
      render(p, ws.read(f));
    });
    p.onDidDispose(() => {
      panels.delete(key);
      cacheLines.delete(key);
      follow.dispose();
    });
    p.webview.onDidReceiveMessage(async (msg: { type: string; package?: string; choice?: Choice; force?: boolean }) => {
      try {
        const current = ws.read(state.folder);
        if (msg.type === 'choose' && msg.package && msg.choice && (await choose(current, msg.package, msg.choice, log)))
          ws.invalidate(state.folder);
        if (msg.type === 'convert') await convertCommand(ws, log, { state: current, force: msg.force === true });
        if (msg.type === 'cache') cacheLines.set(key, await askCaches(current, log));
        render(p, ws.read(state.folder));
      } catch (e) {
        log.error(loggable(e));
        const pick = await vscode.window.showErrorMessage(`Seam: ${errorMessage(e)}`, 'Show log');
        if (pick) log.show();
      }
    });
  }
  render(panel, state);
}

/** What each panel shows now: a change on disk that changes nothing shown (uv.lock, .venv) does not reload it. */
const shown = new WeakMap<vscode.WebviewPanel, string>();

function render(panel: vscode.WebviewPanel, state: FolderState): void {
  const prepared = prepare(state);
  const model = planViewModel(
    state.project,
    prepared.writes,
    state.folder.name,
    vscode.workspace.isTrusted,
    cacheLines.get(state.folder.uri.toString()) ?? null,
  );
  const same = JSON.stringify(model);
  if (shown.get(panel) === same) return;
  shown.set(panel, same);
  panel.webview.html = renderPlanHtml(model, { nonce: crypto.randomBytes(16).toString('base64'), cspSource: panel.webview.cspSource });
}

/** Nix's dry run for each shell against the binary caches (runs nix: trusted workspaces only). */
async function askCaches(state: FolderState, log: vscode.LogOutputChannel): Promise<string[]> {
  if (!(await requireTrust('run nix'))) return ['Not asked: the workspace is not trusted.'];
  const reports = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Seam: asking the binary caches', cancellable: true },
    async (_p, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return shellCaches(state.project, { nix: settings(state.folder).nixPath, env: process.env, signal: abort.signal });
    },
  );
  const lines = Object.entries(reports).map(([t, c]) => describeCache(t, c));
  for (const l of lines) log.info(`binary caches: ${l}`);
  return lines;
}

/** Records a conflict choice in seam.toml (creating it the first time), changing only that line. */
/** Whether seam.toml was changed. */
async function choose(state: FolderState, name: string, choice: Choice, log: vscode.LogOutputChannel): Promise<boolean> {
  if (!(await requireTrust('write seam.toml'))) return false;
  const path = nodePath.join(state.project.root, SEAM_TOML);
  if (choice === 'keep-pin') {
    const doc = await vscode.workspace.openTextDocument(fs.existsSync(path) ? vscode.Uri.file(path) : vscode.Uri.parse(`untitled:${path}`));
    const editor = await vscode.window.showTextDocument(doc);
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.startsWith('nixpkgs'));
    if (line >= 0) editor.selection = new vscode.Selection(line, 0, line, doc.lineAt(line).text.length);
    void vscode.window.showInformationMessage(
      `To keep ${name}'s pin on Nix, point nixpkgs in seam.toml at a nixpkgs revision that has it, then run Convert again.`,
    );
    return false;
  }
  const owner = choice === 'accept-nix' ? 'nix' : 'uv';
  const text = fs.existsSync(path) ? fs.readFileSync(path, 'utf8') : null;
  const plan = state.project.plan;
  const updated =
    text === null
      ? writeSeamToml({ ...DEFAULT_SEAM_CONFIG, overrides: { [name]: { owner } } }, { python: plan.python, cuda: plan.cuda })
      : setOwnerOverride(text, name, owner);
  const tmp = `${path}.seam-${process.pid}`;
  fs.writeFileSync(tmp, updated);
  fs.renameSync(tmp, path);
  log.info(`seam.toml: ${name} → owner = "${owner}"`);
  return true;
}
