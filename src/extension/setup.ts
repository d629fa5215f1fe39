/** "Check setup": is Nix installed, are flakes on, is there a GPU and a driver for the plan's CUDA. */
import * as vscode from 'vscode';
import { probeSetup } from '../core/env/probe';
import { runProcess } from '../core/env/process';
import { cacheChecks, evaluateSetup, type SetupCheck } from '../core/env/setup';
import { shellCaches } from '../core/project';
import { settings } from './config';
import { setupHtml } from './models/setupView';
import { requireTrust, type SeamWorkspace } from './workspace';

let page: vscode.WebviewPanel | undefined;

export async function checkSetup(ws: SeamWorkspace, log: vscode.LogOutputChannel): Promise<SetupCheck[] | undefined> {
  const state = await ws.pick('Check setup');
  if (!state) return undefined;
  if (!(await requireTrust('run nix or nvidia-smi'))) return undefined;
  const nix = settings(state.folder).nixPath;
  const checks = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Seam: checking this machine', cancellable: true },
    async (_p, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      // The same probes as `seam doctor`.
      const probes = await probeSetup(nix, runProcess, abort.signal);
      const checks = evaluateSetup(probes, state.project.plan.cuda.version);
      // With Nix there: will the shells download or compile? (the same as `seam plan --cache`)
      if (checks.some((c) => c.id === 'nix' && c.status === 'ok') && state.project.model.manifests.length && !abort.signal.aborted)
        checks.push(...cacheChecks(await shellCaches(state.project, { nix, env: process.env, signal: abort.signal }).catch(() => ({}))));
      return checks;
    },
  );
  for (const c of checks) log.info(`setup: ${c.title}: ${c.status}: ${c.detail}${c.fix ? ` — fix: ${c.fix}` : ''}`);
  const missing = checks.filter((c) => c.status === 'missing');
  // A view, not a document: nothing is left unsaved when it closes.
  if (!page) {
    page = vscode.window.createWebviewPanel('seam.setup', 'Seam: setup check', vscode.ViewColumn.Active, { localResourceRoots: [] });
    page.onDidDispose(() => {
      page = undefined;
    });
  }
  page.title = `Seam: setup check (${state.folder.name})`;
  page.webview.html = setupHtml(checks, state.folder.name, page.webview.cspSource);
  page.reveal();
  await vscode.commands.executeCommand('setContext', 'seam.setupChecked', true);
  if (missing.length)
    void vscode.window.showWarningMessage(
      `Seam: ${missing.map((m) => m.title).join(', ')} ${missing.length === 1 ? 'needs' : 'need'} attention; the fixes are in the opened page.`,
    );
  else void vscode.window.showInformationMessage('Seam: this machine is ready.');
  return checks;
}
