/** Once per workspace: "Seam found … — make it reproducible?" (Open guide / Convert / Not now), remembered. */
import * as vscode from 'vscode';
import { settings } from './config';
import { kindsLabel } from './models/kinds';
import type { SeamWorkspace } from './workspace';

export const WALKTHROUGH = 'seam-dev.seam#seam.start';
const OFFERED = 'seam.offeredConversion';

export async function offerConversion(context: vscode.ExtensionContext, ws: SeamWorkspace, log: vscode.LogOutputChannel): Promise<void> {
  const states = ws.folders().map((f) => ws.read(f));
  await vscode.commands.executeCommand(
    'setContext',
    'seam.converted',
    states.some((s) => s.project.converted),
  );
  for (const s of states)
    log.info(`${s.folder.name}: ${s.project.model.manifests.length} manifest(s)${s.project.converted ? ', converted' : ''}`);
  const candidate = states.find((s) => s.project.model.manifests.length && !s.project.converted);
  if (!candidate || !settings(candidate.folder).offerConversion || context.workspaceState.get<boolean>(OFFERED)) return;
  await context.workspaceState.update(OFFERED, true);
  const kinds = kindsLabel(candidate.project.model.manifests);
  const question = `Seam found ${kinds} manifests in ${candidate.folder.name}. Make it a reproducible Nix + uv environment, for CPU and CUDA?`;
  const choice = vscode.workspace.isTrusted
    ? await vscode.window.showInformationMessage(question, 'Open guide', 'Convert', 'Not now')
    : await vscode.window.showInformationMessage(
        `${question} (Trust this folder first: until then Seam only reads.)`,
        'Open guide',
        'Not now',
      );
  if (choice === 'Open guide') await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false);
  if (choice === 'Convert') await vscode.commands.executeCommand('seam.convert');
}
