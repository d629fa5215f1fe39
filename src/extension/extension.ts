/** Composition root: log, workspace model, status item, the command table. Features load inside their commands. */
import * as vscode from 'vscode';
import { offerConversion } from './detect';
import { createLog } from './log';
import { StatusController } from './status';
import { SeamWorkspace } from './workspace';

interface Ctx {
  log: vscode.LogOutputChannel;
  ws: SeamWorkspace;
  status: StatusController;
}

/** Every command Seam contributes, registered even when a feature fails to start. */
const commands: Record<string, (c: Ctx) => unknown> = {
  'seam.convert': async (c) => (await import('./convert')).convertCommand(c.ws, c.log),
  'seam.showPlan': async (c) => (await import('./planPanel')).showPlan(c.ws, c.log),
  'seam.checkSetup': async (c) => (await import('./setup')).checkSetup(c.ws, c.log),
  'seam.checkContract': async (c) => (await import('./contract')).checkContractCommand(c.ws, c.log),
  'seam.selectTarget': async (c) => (await import('./target')).selectTarget(c.ws),
  'seam.openTerminal': async (c) => (await import('./target')).openTerminal(c.ws),
  'seam.showManifests': async (c) => (await import('./manifests')).showManifests(c.log),
  'seam.showLog': (c) => c.log.show(),
};

export function activate(context: vscode.ExtensionContext): { activationMs: number } {
  const started = performance.now();
  const log = createLog();
  const ws = new SeamWorkspace(context);
  const status = new StatusController(ws);
  const ctx: Ctx = { log, ws, status };
  context.subscriptions.push(log, ws, status);
  for (const [id, fn] of Object.entries(commands)) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async () => {
        try {
          return await fn(ctx);
        } catch (e) {
          log.error(e instanceof Error ? e : String(e));
          status.failed(e instanceof Error ? e.message : String(e));
          const choice = await vscode.window.showErrorMessage(`Seam: ${e instanceof Error ? e.message : String(e)}`, 'Show log');
          if (choice === 'Show log') log.show();
          return undefined;
        }
      }),
    );
  }
  // Manifest edits change the plan; the scan itself is cheap (readers only) and runs after activation.
  const watcher = vscode.workspace.createFileSystemWatcher('**/{requirements*.txt,environment*.yml,environment*.yaml,pyproject.toml,Pipfile,setup.cfg,setup.py,seam.toml,flake.nix}');
  context.subscriptions.push(watcher, watcher.onDidChange(() => ws.refresh()), watcher.onDidCreate(() => ws.refresh()), watcher.onDidDelete(() => ws.refresh()));
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => log.info('Workspace trusted: Seam may now write files and run nix')));
  const activationMs = performance.now() - started;
  log.info(`Seam activated in ${activationMs.toFixed(1)} ms (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'untrusted: reading only'})`);
  setTimeout(() => {
    try {
      status.rescan();
      void offerConversion(context, ws, log);
    } catch (e) {
      log.error(e instanceof Error ? e : String(e));
    }
  }, 0);
  return { activationMs };
}

export function deactivate(): void {}
