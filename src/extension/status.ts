/** The status bar item: which folder, converted or not, the target; clicking does the next useful thing. */
import * as vscode from 'vscode';
import { next, present, type StatusState } from './models/status';
import type { SeamWorkspace } from './workspace';

export class StatusController implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('seam.target', vscode.StatusBarAlignment.Left, 50);
  private state: StatusState = { kind: 'hidden' };
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly ws: SeamWorkspace) {
    this.item.name = 'Seam';
    this.subscriptions.push(
      ws.onDidChange(() => this.rescan()),
      ws.onDidWork((w) =>
        this.apply(w.what ? { type: 'busy', what: w.what } : (this.scanEvent() ?? { type: 'failed', message: 'no folder' })),
      ),
      vscode.window.onDidChangeActiveTextEditor(() => this.rescan()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.rescan()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.rescan()),
    );
  }

  /** The folder the item speaks for: the active editor's, else the first with manifests. */
  private scanEvent() {
    const active = vscode.window.activeTextEditor?.document.uri;
    const folders = this.ws.folders();
    const preferred = (active && vscode.workspace.getWorkspaceFolder(active)) ?? undefined;
    const states = (preferred ? [preferred, ...folders.filter((f) => f !== preferred)] : folders).map((f) => this.ws.read(f));
    const s = states.find((x) => x.project.model.manifests.length || x.converted);
    if (!s) return undefined;
    return {
      type: 'scanned' as const,
      folder: s.folder.name,
      manifests: s.project.model.manifests.length,
      converted: s.converted,
      trusted: vscode.workspace.isTrusted,
      target: this.ws.target(s.folder),
    };
  }

  rescan(): void {
    this.apply(
      this.scanEvent() ?? {
        type: 'scanned',
        folder: '',
        manifests: 0,
        converted: false,
        trusted: vscode.workspace.isTrusted,
        target: 'cpu',
      },
    );
  }

  failed(message: string): void {
    this.apply({ type: 'failed', message });
  }

  /** An event from the environment controller (resolving, resolved, unresolved…). */
  emit(event: Parameters<typeof next>[1]): void {
    this.apply(event);
  }

  private apply(event: Parameters<typeof next>[1]): void {
    this.state = next(this.state, event);
    const view = present(this.state);
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
