/** "Check environment contract": uv.lock and .venv against the flake (the same check as `seam check`). */
import * as vscode from 'vscode';
import type { SeamWorkspace } from './workspace';

export async function checkContractCommand(ws: SeamWorkspace, log: vscode.LogOutputChannel): Promise<void> {
  const state = await ws.pick('Check environment contract');
  if (!state) return;
  // Reads files only: allowed in an untrusted workspace too.
  const outcome = state.project.check();
  if (outcome.kind === 'no-flake') {
    const choice = await vscode.window.showInformationMessage(
      `Seam: ${outcome.message} in ${state.folder.name}; convert first.`,
      'Convert to reproducible env',
    );
    if (choice) await vscode.commands.executeCommand('seam.convert');
    return;
  }
  if (outcome.kind === 'no-lock') {
    void vscode.window.showInformationMessage(`Seam: ${outcome.message}.`);
    return;
  }
  if (outcome.kind === 'bad-lock') {
    const choice = await vscode.window.showErrorMessage(`Seam: uv.lock:${outcome.line}: ${outcome.message}`, 'Open file at line');
    if (choice)
      await vscode.window.showTextDocument(vscode.Uri.joinPath(state.folder.uri, 'uv.lock'), {
        selection: new vscode.Range(outcome.line - 1, 0, outcome.line - 1, 0),
      });
    return;
  }
  const { violations, notes } = outcome.result;
  for (const v of violations) log.warn(`contract: ${v.message}`);
  for (const n of notes) log.info(`contract: ${n}`);
  if (!violations.length) {
    void vscode.window.showInformationMessage('Seam: the contract holds — uv installs nothing Nix provides, and uv.lock agrees with Nix.');
    return;
  }
  const choice = await vscode.window.showWarningMessage(
    `Seam: ${violations.length} contract violation${violations.length === 1 ? '' : 's'}: ${violations[0].message}`,
    'Show log',
  );
  if (choice) log.show();
}
