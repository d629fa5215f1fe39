/**
 * The workspace as Seam sees it: per folder (multi-root aware), what manifests it has, whether it
 * is converted, its target (per folder, in workspaceState: never in dotfiles). Reading only, so it
 * works in an untrusted workspace; everything else asks `requireTrust` first.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import { ownership } from '../core/generate/write';
import type { Target } from '../core/plan/types';
import { type LoadedProject, loadProject } from '../core/project';
import { settings } from './config';

export interface FolderState {
  folder: vscode.WorkspaceFolder;
  project: LoadedProject;
  converted: boolean;
}

export class SeamWorkspace {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly work = new vscode.EventEmitter<{ folder: vscode.WorkspaceFolder; what: string | null }>();
  /** Long work starting (`what`) or ending (null), for the status item. */
  readonly onDidWork = this.work.event;

  constructor(private readonly context: vscode.ExtensionContext) {}

  /** Reads one folder now (milliseconds: the readers never run anything). */
  read(folder: vscode.WorkspaceFolder): FolderState {
    const root = folder.uri.fsPath;
    const project = loadProject(root, process.env);
    let flake: string | null = null;
    try {
      flake = fs.readFileSync(nodePath.join(root, 'flake.nix'), 'utf8');
    } catch {
      /* not converted */
    }
    const owner = ownership(flake);
    return { folder, project, converted: owner === 'seam' || owner === 'edited' };
  }

  folders(): vscode.WorkspaceFolder[] {
    return [...(vscode.workspace.workspaceFolders ?? [])];
  }

  /** The folder a command is about: the only one, the active editor's, or the user's pick among those with manifests. */
  async pick(purpose: string): Promise<FolderState | undefined> {
    const folders = this.folders();
    if (!folders.length) {
      void vscode.window.showInformationMessage('Seam: open a folder with a Python project first.');
      return undefined;
    }
    if (folders.length === 1) return this.read(folders[0]);
    const active = vscode.window.activeTextEditor?.document.uri;
    const current = active && vscode.workspace.getWorkspaceFolder(active);
    const states = folders.map((f) => this.read(f)).filter((s) => s.project.model.manifests.length || s.converted);
    if (current) {
      const s = states.find((x) => x.folder.uri.toString() === current.uri.toString());
      if (s) return s;
    }
    if (states.length <= 1) return states[0] ?? this.read(folders[0]);
    const item = await vscode.window.showQuickPick(
      states.map((s) => ({
        label: s.folder.name,
        description: `${s.project.model.manifests.length} manifest(s)${s.converted ? ' · converted' : ''}`,
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
    this.changed.fire();
  }

  refresh(): void {
    this.changed.fire();
  }

  busy(folder: vscode.WorkspaceFolder, what: string): void {
    this.work.fire({ folder, what });
  }

  done(folder: vscode.WorkspaceFolder): void {
    this.work.fire({ folder, what: null });
  }

  dispose(): void {
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
