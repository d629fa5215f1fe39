/**
 * The workspace as Seam sees it: one project snapshot per workspace folder (multi-root aware),
 * cached until the one file watcher — built from the core's manifest patterns and Seam's own
 * inputs — sees one of that folder's files change; and each folder's target (in workspaceState,
 * never in dotfiles). Reading only, so it works in an untrusted workspace; everything else asks
 * `requireTrust` first.
 */
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import { seamCacheDir } from '../core/env/driver';
import { errorMessage } from '../core/errors';
import { needsRecovery, recover, withProjectLock } from '../core/generate/transaction';
import { isSkippedDir, PROJECT_FILES, watcherGlob } from '../core/manifests/patterns';
import type { Target } from '../core/plan/types';
import { openProject, type ProjectSnapshot } from '../core/project';
import { settings } from './config';

export interface FolderState {
  folder: vscode.WorkspaceFolder;
  project: ProjectSnapshot;
}

/** Changes to a folder's files arrive in bursts (a convert writes five files): one event per burst. */
const SETTLE_MS = 250;

export class SeamWorkspace implements vscode.Disposable {
  private readonly snapshots = new Map<string, ProjectSnapshot>();
  private readonly changed = new vscode.EventEmitter<vscode.WorkspaceFolder>();
  /** A folder's project changed on disk, or its target: re-read it. */
  readonly onDidChange = this.changed.event;
  private readonly work = new vscode.EventEmitter<{ folder: vscode.WorkspaceFolder; what: string | null }>();
  /** Long work starting (`what`) or ending (null), for the status item. */
  readonly onDidWork = this.work.event;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** The one watcher over every project's manifests and Seam's inputs (the language client listens to it too). */
  readonly watcher: vscode.FileSystemWatcher;

  constructor(private readonly context: vscode.ExtensionContext) {
    const watcher = vscode.workspace.createFileSystemWatcher(watcherGlob());
    this.watcher = watcher;
    const touched = (uri: vscode.Uri) => {
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      if (!folder) return;
      const rel = nodePath.relative(folder.uri.fsPath, uri.fsPath).split(nodePath.sep);
      const own = (PROJECT_FILES as readonly string[]).includes(rel.join('/'));
      if (!own && rel.slice(0, -1).some(isSkippedDir)) return; // .venv/lib/…/setup.cfg is not the project's
      this.invalidate(folder);
    };
    this.subscriptions.push(
      watcher,
      watcher.onDidChange(touched),
      watcher.onDidCreate(touched),
      watcher.onDidDelete(touched),
      vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const f of e.removed) this.snapshots.delete(f.uri.toString());
        for (const f of e.added) this.changed.fire(f);
      }),
    );
  }

  /** The folder's snapshot: read when first asked for, then from the cache until a file of it changes. */
  snapshot(folder: vscode.WorkspaceFolder): ProjectSnapshot {
    const key = folder.uri.toString();
    let s = this.snapshots.get(key);
    if (!s) this.snapshots.set(key, (s = openProject(folder.uri.fsPath, { env: process.env, factsCache: seamCacheDir(process.env) })));
    return s;
  }

  read(folder: vscode.WorkspaceFolder): FolderState {
    return { folder, project: this.snapshot(folder) };
  }

  /** Drops the folder's snapshot now and tells listeners once the burst of changes settles. */
  invalidate(folder: vscode.WorkspaceFolder): void {
    const key = folder.uri.toString();
    this.snapshots.delete(key);
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.snapshots.delete(key);
        this.changed.fire(folder);
      }, SETTLE_MS),
    );
  }

  /** Undoes (or finishes) what an interrupted convert left in any folder, before it is read (trusted workspaces only: it writes). */
  async recoverInterrupted(log: vscode.LogOutputChannel): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    for (const folder of this.folders()) {
      const root = folder.uri.fsPath;
      if (!needsRecovery(root)) continue;
      try {
        const r = await withProjectLock(root, 'recovery (editor)', async () => recover(root), { waitMs: 10_000 });
        if (r)
          log.warn(
            `${folder.name}: an interrupted convert was ${r.kind === 'rolled-back' ? `undone (${r.paths.join(', ') || 'nothing'} put back)` : 'cleaned up'}`,
          );
        this.invalidate(folder);
      } catch (e) {
        log.error(`${folder.name}: ${errorMessage(e)}`);
      }
    }
  }

  folders(): vscode.WorkspaceFolder[] {
    return [...(vscode.workspace.workspaceFolders ?? [])];
  }

  /** The folder of the active editor, when it is in the workspace. */
  activeFolder(): vscode.WorkspaceFolder | undefined {
    const active = vscode.window.activeTextEditor?.document.uri;
    return active ? vscode.workspace.getWorkspaceFolder(active) : undefined;
  }

  /** The folder a command is about: the only one, the active editor's, or the user's pick among those with manifests. */
  async pick(purpose: string): Promise<FolderState | undefined> {
    const folders = this.folders();
    if (!folders.length) {
      void vscode.window.showInformationMessage('Seam: open a folder with a Python project first.');
      return undefined;
    }
    if (folders.length === 1) return this.read(folders[0]);
    const current = this.activeFolder();
    const states = folders.map((f) => this.read(f)).filter((s) => s.project.model.manifests.length || s.project.converted);
    if (current) {
      const s = states.find((x) => x.folder.uri.toString() === current.uri.toString());
      if (s) return s;
    }
    if (states.length <= 1) return states[0] ?? this.read(folders[0]);
    const item = await vscode.window.showQuickPick(
      states.map((s) => ({
        label: s.folder.name,
        description: `${s.project.model.manifests.length} manifest(s)${s.project.converted ? ' · converted' : ''}`,
        state: s,
      })),
      { title: `Seam: ${purpose}`, placeHolder: 'Which folder?' },
    );
    return item?.state;
  }

  target(folder: vscode.WorkspaceFolder): Target {
    const stored = this.context.workspaceState.get<string>(`seam.target:${folder.uri.toString()}`);
    return stored === 'cpu' || stored === 'cuda' ? stored : settings(folder).defaultTarget;
  }

  async setTarget(folder: vscode.WorkspaceFolder, target: Target): Promise<void> {
    await this.context.workspaceState.update(`seam.target:${folder.uri.toString()}`, target);
    this.changed.fire(folder);
  }

  busy(folder: vscode.WorkspaceFolder, what: string): void {
    this.work.fire({ folder, what });
  }

  done(folder: vscode.WorkspaceFolder): void {
    this.work.fire({ folder, what: null });
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
    this.work.dispose();
  }
}

/** True when the workspace is trusted; otherwise says why Seam stops and offers to manage trust. */
export async function requireTrust(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const choice = await vscode.window.showWarningMessage(
    `Seam does not ${action} in an untrusted workspace: it only reads your manifests and shows the plan.`,
    'Manage Workspace Trust',
  );
  if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}
