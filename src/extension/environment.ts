/**
 * Terminals that open inside the environment: for each converted workspace folder, the selected
 * target's dev shell is resolved (cached: milliseconds when nothing changed) and applied through
 * the extension's EnvironmentVariableCollection scoped to that folder, replacing what was there.
 * Inputs changing (flake.nix, flake.lock, seam.toml, .venv) re-resolve in the background while the
 * old environment stays. Nothing runs and nothing is injected in an untrusted workspace or where
 * `seam.enable` is off.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import { detectMachine, type Machine, recommendTarget } from '../core/env/gpu';
import { probeGpu } from '../core/env/probe';
import { applyTo, cachedEnv, driverLibFolder, type ResolvedEnv, ResolveError, resolveEnv } from '../core/env/resolve';
import type { Target } from '../core/plan/types';
import { projectCuda } from '../core/project';
import { settings } from './config';
import type { Details } from './models/status';
import type { StatusController } from './status';
import type { SeamWorkspace } from './workspace';

interface FolderEnv {
  target: Target;
  env?: ResolvedEnv;
  abort?: AbortController;
}

export class EnvController implements vscode.Disposable {
  private readonly folders = new Map<string, FolderEnv>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private machine: Promise<Machine> | undefined;
  private readonly changed = new vscode.EventEmitter<vscode.WorkspaceFolder>();
  /** Fires when a folder's applied environment changed (tests and the status item listen). */
  readonly onDidApply = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly ws: SeamWorkspace,
    private readonly status: StatusController,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/{flake.nix,flake.lock,seam.toml,.venv/pyvenv.cfg}');
    const stale = (uri: vscode.Uri) => {
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      if (folder) void this.refresh(folder, 'an input changed');
    };
    this.subscriptions.push(
      watcher,
      watcher.onDidChange(stale),
      watcher.onDidCreate(stale),
      watcher.onDidDelete(stale),
      ws.onDidChange(() => void this.refreshAll('target or workspace changed')),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.refreshAll('workspace trusted')),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('seam')) void this.refreshAll('settings changed');
      }),
      this.changed,
    );
    for (const target of ['cpu', 'cuda'] as const) {
      this.subscriptions.push(
        vscode.window.registerTerminalProfileProvider(`seam.${target}`, { provideTerminalProfile: () => this.profile(target) }),
      );
    }
  }

  private collection(folder: vscode.WorkspaceFolder): vscode.EnvironmentVariableCollection {
    const c = this.context.environmentVariableCollection.getScoped({ workspaceFolder: folder });
    c.persistent = false; // re-applied from the cache on start, after trust is known
    return c;
  }

  /** The GPU side of this machine (probed once per session, trusted workspaces only). */
  detect(): Promise<Machine> {
    return (this.machine ??= probeGpu().then(detectMachine));
  }

  async refreshAll(reason: string): Promise<void> {
    await Promise.all(this.ws.folders().map((f) => this.refresh(f, reason)));
  }

  /** Resolves and applies the folder's environment (from the cache when its inputs did not change). */
  async refresh(folder: vscode.WorkspaceFolder, reason: string, show = false): Promise<ResolvedEnv | undefined> {
    const key = folder.uri.toString();
    const root = folder.uri.fsPath;
    const state = this.folders.get(key) ?? { target: this.ws.target(folder) };
    this.folders.set(key, state);
    state.target = this.ws.target(folder);
    const enabled = vscode.workspace.getConfiguration('seam', folder).get<boolean>('enable', true);
    const converted = fs.existsSync(nodePath.join(root, 'flake.nix')) && this.ws.read(folder).converted;
    if (!vscode.workspace.isTrusted || !enabled || !converted) {
      this.collection(folder).clear();
      state.env = undefined;
      if (!enabled) this.status.emit({ type: 'disabled' });
      return undefined;
    }
    const nix = settings(folder).nixPath;
    const cacheDir = this.context.globalStorageUri.fsPath;
    const cached = cachedEnv({ root, target: state.target, nix, cacheDir });
    if (cached) {
      await this.apply(folder, cached, reason);
      return cached;
    }
    state.abort?.abort();
    const abort = new AbortController();
    state.abort = abort;
    this.status.emit({ type: 'resolving' });
    try {
      const resolved = await vscode.window.withProgress(
        {
          location: show ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
          title: `Seam: resolving the ${state.target} environment of ${folder.name}`,
          cancellable: show,
        },
        (_p, token) => {
          token.onCancellationRequested(() => abort.abort());
          return resolveEnv({ root, target: state.target, nix, cacheDir, signal: abort.signal, log: (l) => this.log.info(l) });
        },
      );
      if (abort.signal.aborted || this.ws.target(folder) !== state.target) return undefined;
      this.log.info(`${folder.name}: resolved ${state.target} in ${resolved.env.nixMs} ms (${reason})`);
      await this.apply(folder, resolved.env, reason);
      return resolved.env;
    } catch (e) {
      if ((e as Error).name === 'AbortError') return undefined;
      const err = e instanceof ResolveError ? e : undefined;
      this.log.error(`${folder.name}: could not resolve ${state.target}: ${(e as Error).message}${err?.output ? `\n${err.output}` : ''}`);
      this.status.emit({
        type: 'unresolved',
        problem: `${(e as Error).message}${err ? ` — fix: ${err.fix}` : ''}`,
        short: err?.kind === 'nix-missing' ? 'nix missing' : err?.kind === 'flakes-disabled' ? 'flakes off' : 'error',
      });
      const choice = await vscode.window.showErrorMessage(`Seam: ${(e as Error).message}.${err ? ` Fix: ${err.fix}.` : ''}`, 'Show log');
      if (choice) this.log.show();
      return undefined;
    }
  }

  private async apply(folder: vscode.WorkspaceFolder, env: ResolvedEnv, reason: string): Promise<void> {
    const state = this.folders.get(folder.uri.toString())!;
    const previous = state.env?.key;
    state.env = env;
    let driverDir: string | null = null;
    const machine = process.platform === 'linux' ? await this.detect() : null;
    if (env.target === 'cuda' && machine) {
      driverDir =
        machine.driverLibDir && !machine.nixos && !machine.wsl
          ? driverLibFolder(machine.driverLibDir, nodePath.join(this.context.globalStorageUri.fsPath, 'driver-libs'))
          : machine.driverLibDir;
    }
    const details: Details =
      env.target === 'cuda' && !machine
        ? { ...this.details(folder, null, 'cuda'), problem: 'CUDA shells are for Linux', short: 'not Linux' }
        : this.details(folder, machine, env.target as Target);
    const c = this.collection(folder);
    c.clear();
    const full = applyTo({}, env, driverDir);
    for (const [k, v] of Object.entries(env.variables)) if (k !== 'LD_LIBRARY_PATH') c.replace(k, v);
    if (full.LD_LIBRARY_PATH) c.replace('LD_LIBRARY_PATH', full.LD_LIBRARY_PATH);
    for (const k of env.unset) c.replace(k, '');
    c.replace('SEAM_TARGET', env.target);
    if (env.path.length) c.prepend('PATH', `${env.path.join(':')}:`);
    c.description = new vscode.MarkdownString(
      `Seam: the **${env.target}** environment of ${folder.name}${env.venv ? ' with `.venv`' : ''} (\`nix print-dev-env .#${env.target}\`, ${Object.keys(env.variables).length} variables)`,
    );
    this.status.emit({ type: 'resolved', details });
    this.changed.fire(folder);
    if (previous && previous !== env.key) await this.offerRelaunch(reason);
    if (env.venv) await this.offerPython(folder, env);
  }

  private details(folder: vscode.WorkspaceFolder, machine: Machine | null, target: Target): Details {
    const project = this.ws.read(folder).project;
    const { plan, cuda: flakeCuda } = projectCuda(project);
    const details: Details = {};
    if (plan) details.python = `${plan.python.version} (${plan.python.attr})`;
    const lock = (() => {
      try {
        return JSON.parse(fs.readFileSync(nodePath.join(folder.uri.fsPath, 'flake.lock'), 'utf8')) as {
          nodes?: Record<string, { locked?: { rev?: string } }>;
        };
      } catch {
        return null;
      }
    })();
    details.nixpkgs = lock?.nodes?.nixpkgs?.locked?.rev
      ? `${lock.nodes.nixpkgs.locked.rev.slice(0, 12)} (flake.lock)`
      : `${project.config.nixpkgs} (not locked yet)`;
    if (machine) {
      details.gpu = machine.gpus.length
        ? [...new Set(machine.gpus.map((g) => g.name))].map((n) => `${machine.gpus.filter((g) => g.name === n).length}× ${n}`).join(', ')
        : machine.error
          ? `none (${machine.error})`
          : 'none found';
      if (machine.driver) details.driver = `${machine.driver}${machine.cudaCeiling ? ` (runs CUDA up to ${machine.cudaCeiling})` : ''}`;
      details.cuda = `${flakeCuda} in the flake`;
      const rec = recommendTarget(machine, flakeCuda);
      if (target === 'cpu') return details; // the cpu shell needs none of it; the tooltip just says what is here
      if (rec.target === 'cpu' && machine.driver) Object.assign(details, { problem: rec.warning, short: 'driver too old' });
      else if (!machine.driver)
        Object.assign(details, {
          problem: `no NVIDIA GPU here: the cuda shell's programs will not find a GPU (${rec.reason})`,
          short: 'no GPU',
        });
      else if (rec.warning) details.problem = rec.warning;
    }
    return details;
  }

  private async offerRelaunch(reason: string): Promise<void> {
    const terminals = vscode.window.terminals.filter((t) => !t.exitStatus);
    if (!terminals.length) return;
    const choice = await vscode.window.showInformationMessage(
      `Seam: the environment changed (${reason}). Relaunch ${terminals.length} open terminal${terminals.length === 1 ? '' : 's'} to use it?`,
      'Relaunch',
      'Later',
    );
    if (choice !== 'Relaunch') return;
    for (const t of terminals) {
      t.show();
      await vscode.commands.executeCommand('workbench.action.terminal.relaunch');
    }
  }

  /** Points the Python extension at the target's .venv, only if the user says yes (asked once per folder). */
  private async offerPython(folder: vscode.WorkspaceFolder, env: ResolvedEnv): Promise<void> {
    if (!vscode.extensions.getExtension('ms-python.python')) return;
    const key = `seam.pythonAsked:${folder.uri.toString()}`;
    if (this.context.workspaceState.get(key)) return;
    await this.context.workspaceState.update(key, true);
    const python = nodePath.join(env.venv!, 'bin', 'python');
    const choice = await vscode.window.showInformationMessage(
      `Seam: use ${nodePath.relative(folder.uri.fsPath, python)} (the ${env.target} environment) as the Python interpreter for ${folder.name}?`,
      'Yes',
      'No',
    );
    if (choice === 'Yes')
      await vscode.workspace
        .getConfiguration('python', folder)
        .update('defaultInterpreterPath', python, vscode.ConfigurationTarget.WorkspaceFolder);
  }

  /** "Seam: cpu" / "Seam: cuda" terminal profiles: a terminal on that target whatever is selected. */
  private async profile(target: Target): Promise<vscode.TerminalProfile | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Seam does not start environment terminals in an untrusted workspace.');
      return undefined;
    }
    const state = await this.ws.pick(`Terminal on ${target}`);
    if (!state) return undefined;
    const nix = settings(state.folder).nixPath;
    const cacheDir = this.context.globalStorageUri.fsPath;
    const env =
      cachedEnv({ root: state.project.root, target, nix, cacheDir }) ??
      (await resolveEnv({ root: state.project.root, target, nix, cacheDir, log: (l) => this.log.info(l) })).env;
    const machine = target === 'cuda' && process.platform === 'linux' ? await this.detect() : null;
    const full = applyTo(process.env, env, machine?.driverLibDir ?? null);
    return new vscode.TerminalProfile({ name: `Seam: ${target}`, cwd: state.folder.uri, env: full as Record<string, string> });
  }

  /** The environment applied to a folder now, if any. */
  current(folder: vscode.WorkspaceFolder): ResolvedEnv | undefined {
    return this.folders.get(folder.uri.toString())?.env;
  }

  dispose(): void {
    for (const f of this.folders.values()) f.abort?.abort();
    for (const s of this.subscriptions) s.dispose();
  }
}
