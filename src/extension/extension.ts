/** Composition root: log, commands. Features are loaded lazily inside their commands. */
import * as vscode from 'vscode';
import { createLog } from './log';

type Command = (log: vscode.LogOutputChannel) => unknown;

/** Every command Seam contributes, registered even when a feature fails to start. */
const commands: Record<string, Command> = {
  'seam.showManifests': async (log) => (await import('./manifests')).showManifests(log),
  'seam.showLog': (log) => log.show(),
};

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = createLog();
  context.subscriptions.push(log);
  for (const [id, fn] of Object.entries(commands)) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async () => {
        try {
          await fn(log);
        } catch (e) {
          log.error(e instanceof Error ? e : String(e));
          const choice = await vscode.window.showErrorMessage(`Seam: ${e instanceof Error ? e.message : String(e)}`, 'Show log');
          if (choice === 'Show log') log.show();
        }
      }),
    );
  }
  log.info(`Seam activated in ${(performance.now() - started).toFixed(1)} ms (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'untrusted: reading only'})`);
}

export function deactivate(): void {}
