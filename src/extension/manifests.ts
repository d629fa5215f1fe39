/** The "Seam: Show manifests" feature: reads every workspace folder with the core and reports. */
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import { formatSummary } from '../core/manifests/report';
import type { SeamWorkspace } from './workspace';

export async function showManifests(ws: SeamWorkspace, log: vscode.LogOutputChannel): Promise<void> {
  const folders = ws.folders();
  if (!folders.length) {
    void vscode.window.showInformationMessage('Seam: open a folder with a Python project first.');
    return;
  }
  let errors = 0;
  let total = 0;
  for (const folder of folders) {
    const root = folder.uri.fsPath;
    // Reading is pure and never runs anything, so it is allowed in an untrusted workspace.
    const model = ws.snapshot(folder).model;
    total += model.manifests.length;
    errors += model.manifests.reduce((n, m) => n + m.problems.filter((p) => p.severity === 'error').length, 0);
    log.info(`Manifests in ${folder.name}:\n${formatSummary(model, (p) => nodePath.relative(root, p) || p)}`);
  }
  log.show(true);
  const summary = `Seam found ${total} manifest${total === 1 ? '' : 's'}${errors ? ` and ${errors} error${errors === 1 ? '' : 's'}` : ''}.`;
  if (errors) {
    const choice = await vscode.window.showWarningMessage(summary, 'Show log');
    if (choice === 'Show log') log.show();
  } else {
    void vscode.window.showInformationMessage(summary);
  }
}
