/**
 * Composition root: log and the command table at activation; the workspace model, status item and
 * file watcher right after (they load the core, so activation itself stays a few milliseconds).
 * Features load inside their commands.
 */
import * as vscode from 'vscode';
import type { EnvController } from './environment';
import { createLog } from './log';
import type { StatusController } from './status';
import type { SeamWorkspace } from './workspace';

interface Ctx {
  log: vscode.LogOutputChannel;
  ws: SeamWorkspace;
  status: StatusController;
  env: EnvController;
}

/** Every command Seam contributes, registered even when a feature fails to start. */
const commands: Record<string, (c: Ctx) => unknown> = {
  'seam.convert': async (c) => (await import('./convert')).convertCommand(c.ws, c.log),
  'seam.showPlan': async (c) => (await import('./planPanel')).showPlan(c.ws, c.log),
  'seam.checkSetup': async (c) => (await import('./setup')).checkSetup(c.ws, c.log),
  'seam.checkContract': async (c) => (await import('./contract')).checkContractCommand(c.ws, c.log),
  'seam.selectTarget': async (c) => (await import('./target')).selectTarget(c.ws, c.env),
  'seam.openTerminal': async (c) => (await import('./target')).openTerminal(c.ws, c.env),
  'seam.showManifests': async (c) => (await import('./manifests')).showManifests(c.log),
  'seam.showLog': (c) => c.log.show(),
};

async function start(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<Ctx> {
  const { SeamWorkspace } = await import('./workspace');
  const { StatusController } = await import('./status');
  const ws = new SeamWorkspace(context);
  const status = new StatusController(ws);
  const { EnvController } = await import('./environment');
  const env = new EnvController(context, ws, status, log);
  context.subscriptions.push(ws, status, env);
  // Manifest edits change the plan; reading is cheap (the readers never run anything).
  const watcher = vscode.workspace.createFileSystemWatcher(
    '**/{requirements*.txt,environment*.yml,environment*.yaml,pyproject.toml,Pipfile,setup.cfg,setup.py,seam.toml,flake.nix}',
  );
  context.subscriptions.push(
    watcher,
    watcher.onDidChange(() => ws.refresh()),
    watcher.onDidCreate(() => ws.refresh()),
    watcher.onDidDelete(() => ws.refresh()),
  );
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => log.info('Workspace trusted: Seam may now write files and run nix')),
  );
  status.rescan();
  void env.refreshAll('start');
  void (await import('./lsp'))
    .startLanguageServer(context, log)
    .then((lc) => context.subscriptions.push({ dispose: () => void lc.stop() }))
    .catch((e) => log.error(`the language server did not start: ${e instanceof Error ? e.message : String(e)}`));
  void (await import('./detect')).offerConversion(context, ws, log).catch((e) => log.error(e instanceof Error ? e : String(e)));
  return { log, ws, status, env };
}

export function activate(context: vscode.ExtensionContext): { activationMs: number } {
  const started = performance.now();
  const log = createLog();
  context.subscriptions.push(log);
  let ready: Promise<Ctx> | undefined;
  const ctx = () => (ready ??= start(context, log));
  for (const [id, fn] of Object.entries(commands)) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async () => {
        try {
          return await fn(await ctx());
        } catch (e) {
          log.error(e instanceof Error ? e : String(e));
          (await ready?.catch(() => undefined))?.status.failed(e instanceof Error ? e.message : String(e));
          const choice = await vscode.window.showErrorMessage(`Seam: ${e instanceof Error ? e.message : String(e)}`, 'Show log');
          if (choice === 'Show log') log.show();
          return undefined;
        }
      }),
    );
  }
  const activationMs = performance.now() - started;
  log.info(
    `Seam activated in ${activationMs.toFixed(1)} ms (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'untrusted: reading only'})`,
  );
  setTimeout(() => void ctx().catch((e) => log.error(e instanceof Error ? e : String(e))), 0);
  return { activationMs };
}

export function deactivate(): void {}
