import * as vscode from 'vscode';

/** The one "Seam" log channel (a LogOutputChannel: levels, timestamps, user-set verbosity). */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Seam', { log: true });
}

/** What the log shows for anything thrown: an Error with its stack, else its text. */
export function loggable(e: unknown): Error | string {
  return e instanceof Error ? e : String(e);
}
