/** "Select target" and "Open terminal in environment". */
import * as vscode from 'vscode';
import { TARGETS, type Target } from '../core/plan/types';
import { settings } from './config';
import { requireTrust, type SeamWorkspace } from './workspace';

const DESCRIPTION: Record<Target, string> = { cpu: 'the default shell: no CUDA, runs anywhere (serving, laptops, CI)', cuda: 'PyTorch/JAX built with CUDA, for machines with an NVIDIA GPU (Linux)' };

export async function selectTarget(ws: SeamWorkspace): Promise<Target | undefined> {
  const state = await ws.pick('Select target');
  if (!state) return undefined;
  const current = ws.target(state.folder);
  const pick = await vscode.window.showQuickPick(
    TARGETS.map((t) => ({ label: t, description: t === current ? `${DESCRIPTION[t]} (current)` : DESCRIPTION[t], target: t })),
    { title: `Seam: target for ${state.folder.name}`, placeHolder: 'Which shell do terminals open in?' },
  );
  if (!pick) return undefined;
  await ws.setTarget(state.folder, pick.target);
  return pick.target;
}

export async function openTerminal(ws: SeamWorkspace): Promise<vscode.Terminal | undefined> {
  const state = await ws.pick('Open terminal in environment');
  if (!state) return undefined;
  if (!(await requireTrust('run nix'))) return undefined;
  if (!state.converted) {
    const choice = await vscode.window.showInformationMessage(`Seam: ${state.folder.name} has no Seam environment yet.`, 'Convert to reproducible env');
    if (choice) await vscode.commands.executeCommand('seam.convert');
    return undefined;
  }
  const target = ws.target(state.folder);
  const terminal = vscode.window.createTerminal({ name: `Seam: ${target}`, cwd: state.folder.uri, shellPath: settings(state.folder).nixPath, shellArgs: ['develop', `.#${target}`] });
  terminal.show();
  return terminal;
}
