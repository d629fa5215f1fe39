/**
 * The status bar item. Every workspace folder has its own state (models/status.ts: converted or
 * not, its target, resolving, ready, failed…); every event says which folder it is about; the item
 * shows the folder of the active editor, else the first folder Seam has something to say about.
 */
import * as vscode from 'vscode';
import { next, present, type StatusEvent, type StatusState } from './models/status';
import type { SeamWorkspace } from './workspace';

export class StatusController implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('seam.target', vscode.StatusBarAlignment.Left, 50);
  private readonly states = new Map<string, StatusState>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly ws: SeamWorkspace) {
    this.item.name = 'Seam';
    this.subscriptions.push(
      ws.onDidChange((folder) => this.scan(folder)),
      ws.onDidWork((w) => this.emit(w.folder, w.what ? { type: 'busy', what: w.what } : this.scanned(w.folder))),
      vscode.window.onDidChangeActiveTextEditor(() => this.render()),
      vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const f of e.removed) this.states.delete(f.uri.toString());
        this.rescan();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.rescan()),
    );
  }

  private scanned(folder: vscode.WorkspaceFolder): StatusEvent {
    const { project } = this.ws.read(folder);
    return {
      type: 'scanned',
      folder: folder.name,
      manifests: project.model.manifests.length,
      converted: project.converted,
      trusted: vscode.workspace.isTrusted,
      target: this.ws.target(folder),
    };
  }

  /** Re-reads one folder's project into its state. */
  scan(folder: vscode.WorkspaceFolder): void {
    this.emit(folder, this.scanned(folder));
  }

  rescan(): void {
    for (const f of this.ws.folders()) this.scan(f);
    this.render();
  }

  /** A command about `folder` failed (the log has the details). */
  failed(message: string, folder = this.shown()): void {
    if (folder) this.emit(folder, { type: 'failed', message });
  }

  /** An event about one folder (scan results, resolution, long work). */
  emit(folder: vscode.WorkspaceFolder, event: StatusEvent): void {
    const key = folder.uri.toString();
    this.states.set(key, next(this.states.get(key) ?? { kind: 'hidden' }, event));
    this.render();
  }

  /** The state the item shows for `folder` (tests and the tooltip read it). */
  state(folder: vscode.WorkspaceFolder): StatusState {
    return this.states.get(folder.uri.toString()) ?? { kind: 'hidden' };
  }

  /** The folder the item speaks for: the active editor's, else the first one with something to show. */
  shown(): vscode.WorkspaceFolder | undefined {
    const active = this.ws.activeFolder();
    if (active && this.state(active).kind !== 'hidden') return active;
    return this.ws.folders().find((f) => this.state(f).kind !== 'hidden') ?? active;
  }

  private render(): void {
    const folder = this.shown();
    const view = present(folder ? this.state(folder) : { kind: 'hidden' }, { showFolder: this.ws.folders().length > 1 });
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.command = view.command;
    if (view.visible) this.item.show();
    else this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
