/** "Convert to reproducible env": compute, preview-able, then write all-or-nothing with progress and cancel. */
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import { stageGenerated } from '../core/env/git';
import { nixSyntaxError } from '../core/env/nix';
import { type Conversion, pathsToStage } from '../core/generate/convert';
import { applyWrites, type PlannedWrite, planWrites } from '../core/generate/write';
import { TARGETS } from '../core/plan/types';
import { settings } from './config';
import { type FolderState, requireTrust, type SeamWorkspace } from './workspace';

export interface Prepared {
  state: FolderState;
  conversion: Conversion;
  writes: PlannedWrite[];
}

export function prepare(state: FolderState, force = false): Prepared {
  const conversion = state.project.conversion();
  return { state, conversion, writes: planWrites(state.project.root, conversion.files, force) };
}

class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

export async function convertCommand(
  ws: SeamWorkspace,
  log: vscode.LogOutputChannel,
  preset?: { state: FolderState; force: boolean },
): Promise<boolean> {
  const state = preset?.state ?? (await ws.pick('Convert to reproducible env'));
  if (!state) return false;
  if (!(await requireTrust('write files'))) return false;
  const { project } = state;
  if (!project.model.manifests.length) {
    void vscode.window.showInformationMessage(
      `Seam found no Python manifests in ${state.folder.name} (environment.yml, requirements*.txt, pyproject.toml, Pipfile, setup.cfg, setup.py).`,
    );
    return false;
  }
  const { errors, blocked: refuse } = project.unreadable;
  if (refuse) {
    const first = errors[0];
    log.error(`Not converting ${state.folder.name}: ${errors.length} error(s) in the manifests`);
    for (const p of errors) log.error(`${p.path}:${p.line}:${p.column}: ${p.message}`);
    const choice = await vscode.window.showErrorMessage(
      `Seam: ${nodePath.basename(first.path)}:${first.line}: ${first.message}`,
      'Open file at line',
      'Show log',
    );
    if (choice === 'Open file at line')
      await vscode.window.showTextDocument(vscode.Uri.file(first.path), {
        selection: new vscode.Range(first.line - 1, first.column - 1, first.line - 1, first.column - 1),
      });
    if (choice === 'Show log') log.show();
    return false;
  }
  let prepared = prepare(state, preset?.force ?? false);
  const blocked = prepared.writes.filter((w) => w.action === 'blocked');
  if (blocked.length) {
    const choice = await vscode.window.showWarningMessage(
      `Seam did not write ${blocked.map((b) => b.path).join(', ')} (or it was edited by hand). Replace ${blocked.length === 1 ? 'it' : 'them'}? A copy goes to .seam/backup/.`,
      { modal: true },
      'Replace',
      'Review plan',
    );
    if (choice === 'Review plan') {
      await vscode.commands.executeCommand('seam.showPlan');
      return false;
    }
    if (choice !== 'Replace') return false;
    prepared = prepare(state, true);
  }
  const planErrors = prepared.conversion.plan.problems.filter((p) => p.severity === 'error');
  if (planErrors.length) {
    for (const p of planErrors) log.error(`${p.path}:${p.line}: ${p.message}`);
    const choice = await vscode.window.showErrorMessage(`Seam: ${planErrors[0].message}`, 'Show log');
    if (choice) log.show();
    return false;
  }
  const nix = settings(state.folder).nixPath;
  ws.busy(state.folder, 'converting');
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Seam: converting ${state.folder.name}`, cancellable: true },
      async (progress, token) => {
        const todo = prepared.writes.filter((w) => w.action === 'create' || w.action === 'replace');
        // Let a cancel that arrived while planning land before anything is staged.
        await new Promise((r) => setTimeout(r, 0));
        if (token.isCancellationRequested) throw new Cancelled();
        const flake = todo.find((w) => w.path === 'flake.nix');
        const syntax = flake ? await nixSyntaxError(flake.after, { nix }) : null;
        if (syntax) throw new Error(`flake.nix does not parse: ${syntax}`);
        if (token.isCancellationRequested) throw new Cancelled();
        // Locked against a second window converting the same folder; journaled, so a crash loses nothing.
        await applyWrites(project.root, prepared.writes, {
          lockWaitMs: 10_000,
          beforeRename: (path) => {
            if (token.isCancellationRequested) throw new Cancelled();
            progress.report({ message: path, increment: 100 / Math.max(1, todo.length) });
          },
        });
      },
    );
  } catch (e) {
    ws.done(state.folder);
    if (e instanceof Cancelled) {
      log.info(`Convert of ${state.folder.name} cancelled: every file was put back`);
      void vscode.window.showInformationMessage('Seam: convert cancelled; nothing was changed.');
      return false;
    }
    throw e;
  }
  ws.done(state.folder);
  // A flake in a git repository sees only tracked files: stage exactly what Seam generated (never a commit).
  const staged = await stageGenerated(project.root, pathsToStage(prepared.conversion.files, prepared.writes)).catch(
    (e: Error) => ({ skipped: e.message }) as const,
  );
  if ('staged' in staged && staged.staged.length) log.info(`Staged for git (git add, nothing committed): ${staged.staged.join(', ')}`);
  else if ('skipped' in staged && staged.skipped !== 'not a git repository') log.warn(`Not staged: ${staged.skipped}`);
  const stagedText = 'staged' in staged && staged.staged.length ? ' Staged them for git (no commit).' : '';
  const written = prepared.writes.filter((w) => w.action === 'create' || w.action === 'replace').map((w) => w.path);
  const plan = prepared.conversion.plan;
  const count = (o: string) => plan.packages.filter((p) => TARGETS.some((t) => p.owner[t] === o)).length;
  log.info(
    `Converted ${state.folder.name}: ${written.length ? `wrote ${written.join(', ')}` : 'nothing changed'}; ${count('nix')} from Nix, ${count('system')} system, ${count('uv')} from uv`,
  );
  await vscode.commands.executeCommand('setContext', 'seam.converted', true);
  ws.invalidate(state.folder);
  for (const p of errors) log.warn(`Left out (could not be read): ${p.path}:${p.line}:${p.column}: ${p.message}`);
  const leftOut = errors.length
    ? ` ${errors.length === 1 ? 'One line' : `${errors.length} lines`} could not be read and ${errors.length === 1 ? 'was' : 'were'} left out (${nodePath.basename(errors[0].path)}:${errors[0].line}).`
    : '';
  const show = errors.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  void show(
    `Seam: ${state.folder.name} is now a Nix + uv environment (${count('nix')} from Nix, ${count('uv')} from uv). ${written.length ? `Wrote ${written.join(', ')}.` : 'Nothing changed.'}${stagedText}${leftOut}`,
    'Open terminal',
    ...(errors.length ? ['Open file at line'] : ['Open flake.nix']),
  ).then(async (choice) => {
    if (choice === 'Open terminal') await vscode.commands.executeCommand('seam.openTerminal');
    if (choice === 'Open flake.nix') await vscode.window.showTextDocument(vscode.Uri.file(nodePath.join(project.root, 'flake.nix')));
    if (choice === 'Open file at line') {
      const first = errors[0];
      await vscode.window.showTextDocument(vscode.Uri.file(first.path), {
        selection: new vscode.Range(first.line - 1, first.column - 1, first.line - 1, first.column - 1),
      });
    }
  });
  return true;
}
