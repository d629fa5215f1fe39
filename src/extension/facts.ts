/**
 * Reads the facts of each folder's pinned nixpkgs in the background (trusted workspaces only: it
 * runs nix), the way `seam plan` does, into Seam's cache. Until it finishes, and in an untrusted
 * workspace, every face plans with the facts last read for that pin (files only) or with Seam's
 * bundled knowledge, and says which. When a read brings new facts, the folder's snapshot is
 * dropped and the language server re-reads the project.
 */
import * as vscode from 'vscode';
import { seamCacheDir } from '../core/env/driver';
import { runProcess } from '../core/env/process';
import { errorMessage } from '../core/errors';
import { readPinFacts } from '../core/knowledge/pin';
import { settings } from './config';
import type { LspController } from './lsp';
import type { SeamWorkspace } from './workspace';

export class PinFactsReader implements vscode.Disposable {
  /** Per folder, what was last asked of nix (the pin and the names): asked once, not on every change. */
  private readonly asked = new Map<string, string>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly ws: SeamWorkspace,
    private readonly lsp: LspController,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      ws.onDidChange((folder) => this.consider(folder)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.considerAll()),
    );
  }

  considerAll(): void {
    for (const folder of this.ws.folders()) this.consider(folder);
  }

  private consider(folder: vscode.WorkspaceFolder): void {
    if (!vscode.workspace.isTrusted) return;
    const project = this.ws.snapshot(folder);
    if (!project.model.manifests.length) return;
    const ref = project.config.nixpkgs;
    const key = [ref, ...project.pinNames, '|', ...project.pinTools].join(' ');
    const id = folder.uri.toString();
    if (this.asked.get(id) === key) return;
    this.asked.set(id, key);
    let read = false;
    const started = performance.now();
    readPinFacts(
      {
        ref,
        nix: settings(folder).nixPath,
        cacheDir: seamCacheDir(process.env),
        runner: runProcess,
        cwd: project.root,
        env: process.env,
        log: (line) => {
          read = true;
          this.log.info(`${folder.name}: ${line}`);
        },
      },
      project.pinNames,
      project.pinTools,
    ).then(
      () => {
        if (read) this.log.info(`${folder.name}: facts of ${ref} read in ${Math.round(performance.now() - started)} ms`);
        if (!read && project.knowledgeSource === 'pin') return;
        this.ws.invalidate(folder);
        this.lsp.factsRead(project.root);
      },
      (e) => {
        const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'nix is not installed' : errorMessage(e);
        this.log.warn(`${folder.name}: ${why}; planning with ${project.knowledgeFallback}`);
      },
    );
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
