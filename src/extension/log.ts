import * as vscode from 'vscode';

/** The one "Seam" log channel (a LogOutputChannel: levels, timestamps, user-set verbosity). */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Seam', { log: true });
}
