/** "Select target" (marking the recommended one and the hardware) and "Open terminal in environment". */
import * as vscode from 'vscode';
import { recommendTarget } from '../core/env/gpu';
import { TARGETS, type Target } from '../core/plan/types';
import type { EnvController } from './environment';
import { requireTrust, type SeamWorkspace } from './workspace';

const DESCRIPTION: Record<Target, string> = {
  cpu: 'no CUDA; runs anywhere (serving, laptops, CI)',
  cuda: 'PyTorch/JAX built with CUDA, for NVIDIA GPUs on Linux',
};
const ICON: Record<Target, string> = { cpu: '$(server)', cuda: '$(chip)' };

export async function selectTarget(ws: SeamWorkspace, env: EnvController): Promise<Target | undefined> {
  const state = await ws.pick('Select target');
  if (!state) return undefined;
  const current = ws.target(state.folder);
  const targets = TARGETS.filter((t) => state.project.config.targets.includes(t));
  let recommended: Target | undefined;
  let hardware = '';
  if (vscode.workspace.isTrusted) {
    // Probing runs nvidia-smi: only in a trusted workspace.
    const machine = await env.detect();
    const rec = recommendTarget(machine, state.project.plan.cuda.version);
    recommended = rec.target;
    hardware = rec.warning ? `${rec.reason} — ${rec.warning}` : rec.reason;
  }
  const pick = await vscode.window.showQuickPick(
    targets.map((t) => ({
      label: `${ICON[t]} ${t}`,
      description: [t === recommended ? 'recommended' : '', t === current ? 'current' : ''].filter(Boolean).join(' · '),
      detail: `${DESCRIPTION[t]}${t === recommended && hardware ? ` — this machine: ${hardware}` : ''}`,
      target: t,
    })),
    { title: `Seam: target for ${state.folder.name}`, placeHolder: 'Which environment do new terminals open in?' },
  );
  if (!pick) return undefined;
  await ws.setTarget(state.folder, pick.target);
  return pick.target;
}

export async function openTerminal(ws: SeamWorkspace, env: EnvController): Promise<vscode.Terminal | undefined> {
  const state = await ws.pick('Open terminal in environment');
  if (!state) return undefined;
  if (!(await requireTrust('run nix'))) return undefined;
  if (!state.project.converted) {
    const choice = await vscode.window.showInformationMessage(
      `Seam: ${state.folder.name} has no Seam environment yet.`,
      'Convert to reproducible env',
    );
    if (choice) await vscode.commands.executeCommand('seam.convert');
    return undefined;
  }
  // The environment applied now, if it is the selected target's (just after a switch it is the old one's).
  const current = env.current(state.folder);
  const resolved =
    current && current.target === ws.target(state.folder) ? current : await env.refresh(state.folder, 'terminal requested', true);
  if (!resolved) return undefined;
  // The folder's environment collection applies to every new terminal; this one is just named for it.
  const terminal = vscode.window.createTerminal({ name: `Seam: ${resolved.target}`, cwd: state.folder.uri });
  terminal.show();
  // The walkthrough's last step completes on a terminal that really opened in the environment, not on the click.
  await vscode.commands.executeCommand('setContext', 'seam.terminalOpened', true);
  return terminal;
}
