/**
 * Composition root: the log and the command table at activation; the workspace model, status
 * item, environments and language client right after (they load the core, so activation itself
 * stays a few milliseconds). Features load inside their commands. A start that fails is retried
 * by the next command instead of repeating its error until a reload.
 */
import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import type { EnvController } from './environment';
import { createLog, loggable } from './log';
import type { LspController } from './lsp';
import { startOnce } from './models/once';
import type { StatusController } from './status';
import type { SeamWorkspace } from './workspace';

interface Ctx {
  log: vscode.LogOutputChannel;
  ws: SeamWorkspace;
  status: StatusController;
  env: EnvController;
  lsp: LspController;
}

/** Every command Seam contributes, registered even when a feature fails to start. */
const commands: Record<string, (c: Ctx) => unknown> = {
  'seam.convert': async (c) => (await import('./convert')).convertCommand(c.ws, c.log),
  'seam.showPlan': async (c) => (await import('./planPanel')).showPlan(c.ws, c.log),
  'seam.checkSetup': async (c) => (await import('./setup')).checkSetup(c.ws, c.log),
  'seam.checkContract': async (c) => (await import('./contract')).checkContractCommand(c.ws, c.log),
  'seam.selectTarget': async (c) => (await import('./target')).selectTarget(c.ws, c.env),
  'seam.openTerminal': async (c) => (await import('./target')).openTerminal(c.ws, c.env),
  'seam.fixEnvironment': (c) => c.env.fix(),
  'seam.showManifests': async (c) => (await import('./manifests')).showManifests(c.ws, c.log),
  'seam.restartServer': (c) => c.lsp.restart(),
  'seam.showLog': (c) => c.log.show(),
};

async function start(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<Ctx> {
  const { SeamWorkspace } = await import('./workspace');
  const { StatusController } = await import('./status');
  const { EnvController } = await import('./environment');
  const { LspController } = await import('./lsp');
  const ws = new SeamWorkspace(context);
  const status = new StatusController(ws);
  const env = new EnvController(context, ws, status, log);
  const lsp = new LspController(context, log, ws.watcher);
  const facts = new (await import('./facts')).PinFactsReader(ws, lsp, log);
  context.subscriptions.push(ws, status, env, lsp, facts);
  // The offer first (within a moment of activation): it reads only, and Convert waits for recovery's lock.
  void (await import('./detect')).offerConversion(context, ws, log).catch((e) => log.error(loggable(e)));
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => log.info('Workspace trusted: Seam may now write files and run nix')),
  );
  await ws.recoverInterrupted(log);
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void ws.recoverInterrupted(log)));
  status.rescan();
  facts.considerAll();
  // Each target as a Python environment, where the Python Environments extension is installed.
  void import('./pythonEnvs')
    .then((m) => m.registerPythonEnvironments(context, ws, env, log))
    .then((d) => d && context.subscriptions.push(d))
    .catch((e) => log.warn(`the Python Environments extension did not take Seam's environments: ${errorMessage(e)}`));
  void env.refreshAll('start');
  void lsp
    .start()
    .catch((e) => log.error(`the language server did not start: ${errorMessage(e)} (Seam: Restart language server tries again)`));
  return { log, ws, status, env, lsp };
}

export function activate(context: vscode.ExtensionContext): { activationMs: number } {
  const started = performance.now();
  const log = createLog();
  context.subscriptions.push(log);
  // The features, started once; a failed start is forgotten so that the next command tries again.
  const ready = startOnce(() => start(context, log));
  for (const [id, fn] of Object.entries(commands)) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async () => {
        try {
          return await fn(await ready.get());
        } catch (e) {
          const message = errorMessage(e);
          log.error(loggable(e));
          (await ready.settled())?.status.failed(message);
          const choice = await vscode.window.showErrorMessage(`Seam: ${message}`, 'Show log');
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
  setTimeout(() => void ready.get().catch((e) => log.error(loggable(e))), 0);
  return { activationMs };
}

export function deactivate(): void {}
