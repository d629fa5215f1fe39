/** "Show plan": the review panel. Conflict choices go to seam.toml; Convert writes the environment. */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import { setOwnerOverride } from '../core/config/edit';
import { DEFAULT_SEAM_CONFIG, SEAM_TOML, writeSeamToml } from '../core/config/seamToml';
import { errorMessage } from '../core/errors';
import { convertCommand, prepare } from './convert';
import { loggable } from './log';
import { type Choice, planViewModel, renderPlanHtml } from './models/planView';
import { type FolderState, requireTrust, type SeamWorkspace } from './workspace';

const panels = new Map<string, vscode.WebviewPanel>();

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
      if (f.uri.toString() === key) render(p, ws.read(f));
    });
    p.onDidDispose(() => {
      panels.delete(key);
      follow.dispose();
    });
    p.webview.onDidReceiveMessage(async (msg: { type: string; package?: string; choice?: Choice; force?: boolean }) => {
      try {
        const current = ws.read(state.folder);
        if (msg.type === 'choose' && msg.package && msg.choice && (await choose(current, msg.package, msg.choice, log)))
          ws.invalidate(state.folder);
        if (msg.type === 'convert') await convertCommand(ws, log, { state: current, force: msg.force === true });
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

function render(panel: vscode.WebviewPanel, state: FolderState): void {
  const prepared = prepare(state);
  const model = planViewModel(state.project, prepared.writes, state.folder.name, vscode.workspace.isTrusted);
  panel.webview.html = renderPlanHtml(model, { nonce: crypto.randomBytes(16).toString('base64'), cspSource: panel.webview.cspSource });
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
