/**
 * Seam's targets in the Python Environments extension (ms-python.vscode-python-envs), when it is
 * installed: an environment manager "seam" whose environments are each folder's resolved targets
 * (see models/pythonEnvs.ts). Choosing one there switches the folder's target; resolving a target
 * here announces its environment there. Without that extension nothing changes.
 */
import type {
  DidChangeEnvironmentEventArgs,
  DidChangeEnvironmentsEventArgs,
  EnvironmentChangeKind,
  EnvironmentManager,
  PythonEnvironment,
  PythonEnvironmentApi,
} from '@vscode/python-environments';
import * as vscode from 'vscode';
import { launcherPath } from '../core/env/terminal';
import type { Target } from '../core/plan/types';
import type { EnvController } from './environment';
import { environmentInfo, MANAGER_NAME, targetOfPath } from './models/pythonEnvs';
import type { SeamWorkspace } from './workspace';

export const PYTHON_ENVS_ID = 'ms-python.vscode-python-envs';

export async function registerPythonEnvironments(
  context: vscode.ExtensionContext,
  ws: SeamWorkspace,
  env: EnvController,
  log: vscode.LogOutputChannel,
): Promise<vscode.Disposable | undefined> {
  const ext = vscode.extensions.getExtension<PythonEnvironmentApi>(PYTHON_ENVS_ID);
  if (!ext) return undefined;
  const api = ext.isActive ? ext.exports : await ext.activate();
  const items = new Map<string, PythonEnvironment>();
  const changedAll = new vscode.EventEmitter<DidChangeEnvironmentsEventArgs>();
  const changedOne = new vscode.EventEmitter<DidChangeEnvironmentEventArgs>();
  const itemKey = (folder: vscode.WorkspaceFolder, target: string) => `${folder.uri.toString()}|${target}`;
  const folderOf = (scope: vscode.Uri | undefined) => (scope ? vscode.workspace.getWorkspaceFolder(scope) : undefined);

  const manager: EnvironmentManager = {
    name: MANAGER_NAME,
    displayName: 'Seam (Nix + uv)',
    description: 'cpu and cuda targets: the Nix dev shell with .venv',
    preferredPackageManagerId: 'ms-python.python:pip',
    iconPath: new vscode.ThemeIcon('server-environment'),
    log,
    onDidChangeEnvironments: changedAll.event,
    onDidChangeEnvironment: changedOne.event,
    async refresh() {
      await env.refreshAll('Python Environments asked');
    },
    async getEnvironments(scope) {
      const folder = scope instanceof vscode.Uri ? folderOf(scope) : undefined;
      return [...items.entries()].filter(([k]) => !folder || k.startsWith(`${folder.uri.toString()}|`)).map(([, v]) => v);
    },
    async get(scope) {
      const folder = folderOf(scope) ?? ws.folders()[0];
      return folder ? items.get(itemKey(folder, ws.target(folder))) : undefined;
    },
    async set(scope, environment) {
      const target = environment?.name.replace(/^seam-/, '');
      if (target !== 'cpu' && target !== 'cuda') return;
      for (const uri of Array.isArray(scope) ? scope : scope ? [scope] : ws.folders().map((f) => f.uri)) {
        const folder = folderOf(uri);
        if (folder && ws.target(folder) !== target) await ws.setTarget(folder, target as Target);
      }
    },
    async resolve(context) {
      const folder = folderOf(context);
      if (!folder) return undefined;
      const target = targetOfPath(folder.uri.fsPath, context.fsPath, ws.target(folder));
      return target ? items.get(itemKey(folder, target)) : undefined;
    },
  };
  const registration = api.registerEnvironmentManager(manager, { extensionId: 'seam-dev.seam' });
  const announce = (folder: vscode.WorkspaceFolder) => {
    const terminal = env.current(folder);
    if (!terminal?.venv) return;
    const root = folder.uri.fsPath;
    const info = environmentInfo({ name: folder.name, root }, terminal, launcherPath(root, terminal.target), (p) => vscode.Uri.file(p));
    const key = itemKey(folder, terminal.target);
    const old = [...items.entries()].find(([k]) => k.startsWith(`${folder.uri.toString()}|`) && k !== key)?.[1];
    const item = api.createPythonEnvironmentItem(info, manager);
    const had = items.has(key);
    items.set(key, item);
    if (!had) changedAll.fire([{ kind: 'add' as unknown as EnvironmentChangeKind, environment: item }]);
    changedOne.fire({ uri: folder.uri, old, new: item });
    log.info(`${folder.name}: ${info.displayName} is a Python environment (Python Environments extension)`);
    // Once per folder: the folder's Python is Seam's target (not the bare .venv, which that extension
    // would also activate in terminals); a later choice there is the user's.
    const chosen = `seam.pythonEnvsChosen:${folder.uri.toString()}`;
    if (!context.workspaceState.get(chosen))
      void context.workspaceState
        .update(chosen, true)
        .then(() => api.setEnvironment(folder.uri, item))
        .then(undefined, (e: Error) => log.warn(`${folder.name}: could not select ${info.displayName}: ${e.message}`));
  };
  for (const f of ws.folders()) announce(f);
  const applied = env.onDidApply(announce);
  return vscode.Disposable.from(registration, applied, changedAll, changedOne);
}
