/**
 * Terminals that open inside the environment: for each converted workspace folder, the selected
 * target's dev shell is resolved (cached: milliseconds when nothing changed), turned into the
 * core's one terminal environment (variables, PATH, the host driver's folder for CUDA) and applied
 * through the extension's EnvironmentVariableCollection scoped to that folder. The "Seam: cpu" /
 * "Seam: cuda" terminal profiles apply the same environment. Inputs changing re-resolve in the
 * background while the old environment stays. Nothing runs and nothing is injected in an
 * untrusted workspace or where `seam.enable` is off.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import { flakeCaches } from '../core/env/caches';
import { hostDriverFolder, seamCacheDir } from '../core/env/driver';
import { stageGenerated } from '../core/env/git';
import { detectMachine, type Machine, recommendTarget } from '../core/env/gpu';
import { ldconfigOutput, probeGpu } from '../core/env/probe';
import { cachedEnv, envKey, type ResolvedEnv, ResolveError, resolveEnv } from '../core/env/resolve';
import { applyEnvironment, launcherPath, pythonLauncher, type TerminalEnvironment, terminalEnvironment } from '../core/env/terminal';
import { errorMessage } from '../core/errors';
import { pathsToStage } from '../core/generate/convert';
import { planWrites } from '../core/generate/write';
import type { Target } from '../core/plan/types';
import { settings } from './config';
import type { Details } from './models/status';
import type { StatusController } from './status';
import type { SeamWorkspace } from './workspace';

interface FolderEnv {
  target: Target;
  env?: ResolvedEnv;
  terminal?: TerminalEnvironment;
  abort?: AbortController;
  /** The last resolution's failure, until one succeeds: the status item's click offers its fix. */
  failure?: ResolveError;
  /** File changes come in bursts (a convert writes six files): one resolution after the last. */
  debounce?: ReturnType<typeof setTimeout>;
  /** Offline: the next quiet retry (its cause may go away by itself), and how long after the last. */
  retry?: { timer: ReturnType<typeof setTimeout>; ms: number };
  /** The resolution under way, and the inputs it resolves: asking again for the same waits for it. */
  inflight?: { key: string; done: Promise<TerminalEnvironment | undefined> };
}

/** The button that performs each failure's fix. */
const FIX_LABEL: Record<ResolveError['kind'], string> = {
  untracked: 'Stage files',
  download: 'Retry',
  'nix-missing': 'Open settings',
  'flakes-disabled': 'Show how',
  'no-target': 'Convert again',
  eval: 'Show log',
};
/** How the status item names a failure (else "error"). */
const SHORT: Partial<Record<ResolveError['kind'], string>> = {
  'nix-missing': 'nix missing',
  'flakes-disabled': 'flakes off',
  untracked: 'files not staged',
  download: 'offline',
};
/** Failures whose cause goes away outside the editor: retried quietly. */
const RETRIED: ReadonlySet<ResolveError['kind']> = new Set(['download', 'nix-missing', 'flakes-disabled']);

export class EnvController implements vscode.Disposable {
  private readonly folders = new Map<string, FolderEnv>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private machine: Promise<Machine> | undefined;
  private readonly applied = new vscode.EventEmitter<vscode.WorkspaceFolder>();
  /** Fires when a folder's applied environment changed. */
  readonly onDidApply = this.applied.event;
  /** Shared with the CLI (`seam env` answers from what the editor resolved) and the shellHook's driver folder. */
  private readonly cacheDir = seamCacheDir(process.env);

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly ws: SeamWorkspace,
    private readonly status: StatusController,
    private readonly log: vscode.LogOutputChannel,
  ) {
    // A folder's files changing (a convert; `git add`, by Seam or in a terminal, which an untracked flake
    // waits for: the watcher includes .git/index) makes one resolution after the burst.
    this.subscriptions.push(
      ws.onDidChange((folder) => this.refreshSoon(folder, 'its files or target changed')),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.refreshAll('workspace trusted')),
      vscode.workspace.onDidChangeConfiguration((e) => {
        for (const f of ws.folders()) if (e.affectsConfiguration('seam', f)) void this.refresh(f, 'settings changed');
      }),
      this.applied,
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

  /** The GPU side of this machine, for the status details (probed once per session, trusted workspaces only). */
  detect(): Promise<Machine> {
    this.machine ??= probeGpu().then(detectMachine);
    return this.machine;
  }

  /** A refresh after a quiet moment: a burst of file events (a convert, a git checkout) makes one resolution. */
  private refreshSoon(folder: vscode.WorkspaceFolder, reason: string): void {
    const key = folder.uri.toString();
    const state = this.folders.get(key) ?? { target: this.ws.target(folder) };
    this.folders.set(key, state);
    if (state.debounce) clearTimeout(state.debounce);
    state.debounce = setTimeout(() => {
      state.debounce = undefined;
      void this.refresh(folder, reason);
    }, 300);
  }

  /**
   * Whether nix may use the binary caches flake.nix names (the CUDA caches), asked once per folder
   * in a trusted workspace and remembered, then said to nix explicitly — Seam never answers nix's
   * own y/N questions. Only the cuda shell needs them (the cpu shell's builds are on cache.nixos.org).
   */
  private async cacheArgs(folder: vscode.WorkspaceFolder, target: Target): Promise<string[]> {
    if (target !== 'cuda') return [];
    const caches = flakeCaches(this.ws.snapshot(folder).flake.text ?? '');
    if (!caches.length) return [];
    const key = `seam.flakeCaches:${folder.uri.toString()}:${caches.map((c) => c.url).join(' ')}`;
    let answer = this.context.workspaceState.get<'yes' | 'no'>(key);
    if (!answer) {
      const list = caches.map((c) => `• ${c.url}${c.publicKey ? ` (key ${c.publicKey})` : ''}`).join('\n');
      const choice = await vscode.window.showInformationMessage(
        `Use the binary caches flake.nix names for the cuda shell of ${folder.name}?`,
        {
          modal: true,
          detail: `${list}\n\nThey have CUDA builds of torch and friends, so nothing compiles on this machine (hours otherwise). Seam remembers your answer for this workspace.`,
        },
        'Use them',
        'Not now',
      );
      answer = choice === 'Use them' ? 'yes' : 'no';
      await this.context.workspaceState.update(key, answer);
    }
    return answer === 'yes' ? ['--accept-flake-config'] : ['--option', 'accept-flake-config', 'false'];
  }

  /** The failure, with the button that performs its fix. */
  private async offerFix(folder: vscode.WorkspaceFolder, err: ResolveError): Promise<void> {
    const label = FIX_LABEL[err.kind];
    const choice = await vscode.window.showErrorMessage(`Seam: ${err.message}. Fix: ${err.fix}.`, label);
    if (choice === label) await this.fix(folder);
  }

  /** Performs the fix of the folder's last failure (the status item's click, the toast's button). */
  async fix(folder: vscode.WorkspaceFolder | undefined = this.ws.activeFolder() ?? this.ws.folders()[0]): Promise<void> {
    if (!folder) return;
    const failure = this.folders.get(folder.uri.toString())?.failure;
    if (!failure) {
      await vscode.commands.executeCommand('seam.selectTarget');
      return;
    }
    switch (failure.kind) {
      case 'untracked': {
        const project = this.ws.snapshot(folder);
        const conversion = project.conversion();
        const paths = pathsToStage(conversion.files, planWrites(project.root, conversion.files, false));
        const staged = await stageGenerated(project.root, paths);
        this.log.info(
          `${folder.name}: ${'staged' in staged ? `staged ${staged.staged.join(', ')} (git add)` : `not staged: ${staged.skipped}`}`,
        );
        await this.refresh(folder, 'files staged in git', true);
        return;
      }
      case 'download':
        await this.refresh(folder, 'retry', true);
        return;
      case 'nix-missing':
        await vscode.commands.executeCommand('workbench.action.openSettings', 'seam.nixPath');
        return;
      case 'no-target':
        await vscode.commands.executeCommand('seam.convert');
        return;
      default:
        this.log.show();
    }
  }

  async refreshAll(reason: string): Promise<void> {
    await Promise.all(this.ws.folders().map((f) => this.refresh(f, reason)));
  }

  /** The core's terminal environment for a resolved dev shell on this machine. */
  private async terminal(env: ResolvedEnv): Promise<TerminalEnvironment> {
    const driver = env.target === 'cuda' ? await hostDriverFolder(this.cacheDir, () => ldconfigOutput()) : null;
    return terminalEnvironment(env, driver);
  }

  /** Resolves and applies the folder's environment (from the cache when its inputs did not change). */
  async refresh(folder: vscode.WorkspaceFolder, reason: string, show = false): Promise<TerminalEnvironment | undefined> {
    const key = folder.uri.toString();
    const state = this.folders.get(key) ?? { target: this.ws.target(folder) };
    this.folders.set(key, state);
    state.target = this.ws.target(folder);
    const enabled = vscode.workspace.getConfiguration('seam', folder).get<boolean>('enable', true);
    if (!vscode.workspace.isTrusted || !enabled || !this.ws.snapshot(folder).converted) {
      this.collection(folder).clear();
      state.env = state.terminal = undefined;
      if (!enabled) this.status.emit(folder, { type: 'disabled' });
      return undefined;
    }
    const root = folder.uri.fsPath;
    const nix = settings(folder).nixPath;
    const cached = cachedEnv({ root, target: state.target, nix, cacheDir: this.cacheDir });
    if (cached) return this.apply(folder, cached, reason);
    // The same inputs are being resolved already (the background run after a convert): wait for it.
    const inputs = envKey(root, state.target, nix);
    if (state.inflight?.key === inputs) {
      const r = await state.inflight.done;
      if (!r && show && state.failure) await this.offerFix(folder, state.failure);
      return r;
    }
    const done = this.resolve(folder, state, { root, nix, reason, show });
    state.inflight = { key: inputs, done };
    void done.finally(() => {
      if (state.inflight?.done === done) state.inflight = undefined;
    });
    return done;
  }

  private async resolve(
    folder: vscode.WorkspaceFolder,
    state: FolderEnv,
    { root, nix, reason, show }: { root: string; nix: string; reason: string; show: boolean },
  ): Promise<TerminalEnvironment | undefined> {
    state.abort?.abort();
    const abort = new AbortController();
    state.abort = abort;
    const nixArgs = await this.cacheArgs(folder, state.target);
    this.status.emit(folder, { type: 'resolving' });
    try {
      const resolved = await vscode.window.withProgress(
        {
          location: show ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
          title: `Seam: resolving the ${state.target} environment of ${folder.name}`,
          cancellable: show,
        },
        (progress, token) => {
          token.onCancellationRequested(() => abort.abort());
          return resolveEnv({
            root,
            target: state.target,
            nix,
            cacheDir: this.cacheDir,
            signal: abort.signal,
            nixArgs,
            log: (l) => this.log.info(l),
            // The shellHook's own words while it makes .venv and runs uv (uv lock, uv sync).
            progress: (l) => progress.report({ message: l.replace(/^seam: /, '').slice(0, 120) }),
          });
        },
      );
      if (abort.signal.aborted || this.ws.target(folder) !== state.target) return undefined;
      state.failure = undefined;
      if (state.retry) clearTimeout(state.retry.timer);
      state.retry = undefined;
      const hook = resolved.env.hook;
      this.log.info(
        `${folder.name}: resolved ${state.target} in ${resolved.env.nixMs} ms${hook ? `, .venv and uv in ${hook.ms} ms` : ''} (${reason})`,
      );
      for (const m of hook?.messages ?? []) this.log.warn(`${folder.name}: ${m}`);
      if (resolved.env.ignoredCaches?.length)
        this.log.warn(
          `${folder.name}: nix ignored ${resolved.env.ignoredCaches.join(', ')}: this user may not add binary caches. To use them, add to /etc/nix/nix.conf (then restart nix-daemon): extra-substituters and extra-trusted-public-keys as in flake.nix's nixConfig, or make this user a trusted-user (README: Binary caches)`,
        );
      if (hook?.failed) this.log.error(`${folder.name}: the shellHook failed (${hook.failed}): terminals get the Nix packages only`);
      return await this.apply(folder, resolved.env, reason);
    } catch (e) {
      if ((e as Error).name === 'AbortError') return undefined;
      const err = e instanceof ResolveError ? e : undefined;
      this.log.error(`${folder.name}: could not resolve ${state.target}: ${errorMessage(e)}${err?.output ? `\n${err.output}` : ''}`);
      state.failure = err;
      // Offline, no nix and flakes off go away without the editor (the network, an install, nix.conf):
      // retry quietly, less and less often (30 s up to 5 min).
      if (state.retry) clearTimeout(state.retry.timer);
      if (err && RETRIED.has(err.kind)) {
        const ms = Math.min((state.retry?.ms ?? 15_000) * 2, 300_000);
        state.retry = { ms, timer: setTimeout(() => void this.refresh(folder, `retry (${err.kind})`), ms) };
      } else state.retry = undefined;
      this.status.emit(folder, {
        type: 'unresolved',
        problem: `${errorMessage(e)}${err ? ` — fix: ${err.fix}${err.kind === 'untracked' ? ' (click here)' : ''}` : ''}`,
        short: (err && SHORT[err.kind]) ?? 'error',
      });
      // A background resolution says it in the status item and the log only (a toast would outlive its cause);
      // one the user asked for answers with the button that performs the fix.
      if (show && err) await this.offerFix(folder, err);
      else if (show && (await vscode.window.showErrorMessage(`Seam: ${errorMessage(e)}.`, 'Show log'))) this.log.show();
      return undefined;
    }
  }

  private async apply(folder: vscode.WorkspaceFolder, env: ResolvedEnv, reason: string): Promise<TerminalEnvironment> {
    const state = this.folders.get(folder.uri.toString())!;
    const previous = state.env?.key;
    const terminal = await this.terminal(env);
    state.env = env;
    state.terminal = terminal;
    writeLauncher(folder.uri.fsPath, terminal, this.log);
    const c = this.collection(folder);
    c.clear();
    for (const [k, v] of Object.entries(terminal.variables)) c.replace(k, v);
    for (const k of terminal.unset) c.replace(k, ''); // a collection cannot unset: empty is what PYTHONPATH needs
    if (terminal.path.length) c.prepend('PATH', `${terminal.path.join(':')}:`);
    c.description = new vscode.MarkdownString(
      `Seam: the **${env.target}** environment of ${folder.name}${env.venv ? ' with `.venv`' : ''} (\`nix print-dev-env .#${env.target}\` and its shellHook, ${Object.keys(env.variables).length} variables)`,
    );
    const details = await this.details(folder, terminal);
    if (env.ignoredCaches?.length && !details.problem)
      Object.assign(details, {
        problem: `nix did not use the flake's binary caches (${env.ignoredCaches.join(', ')}): this user is not a trusted Nix user; the log says what to add to nix.conf`,
      });
    this.status.emit(folder, { type: 'resolved', details });
    this.applied.fire(folder);
    if (previous && previous !== env.key) await this.offerRelaunch(reason);
    if (env.venv) await this.offerPython(folder, env);
    return terminal;
  }

  /** The tooltip's details: Python and CUDA from the environment itself, the pin from flake.lock, the GPU from the machine. */
  private async details(folder: vscode.WorkspaceFolder, terminal: TerminalEnvironment): Promise<Details> {
    const project = this.ws.snapshot(folder);
    const details: Details = {};
    if (terminal.python) details.python = terminal.python;
    details.nixpkgs = project.flake.lockedRev
      ? `${project.flake.lockedRev.slice(0, 12)} (flake.lock)`
      : `${project.config.nixpkgs} (not locked yet)`;
    if (process.platform !== 'linux') {
      if (terminal.target === 'cuda') Object.assign(details, { problem: 'CUDA shells are for Linux', short: 'not Linux' });
      return details;
    }
    const machine = await this.detect();
    details.gpu = machine.gpus.length
      ? [...new Set(machine.gpus.map((g) => g.name))].map((n) => `${machine.gpus.filter((g) => g.name === n).length}× ${n}`).join(', ')
      : machine.error
        ? `none (${machine.error})`
        : 'none found';
    if (machine.driver) details.driver = `${machine.driver}${machine.cudaCeiling ? ` (runs CUDA up to ${machine.cudaCeiling})` : ''}`;
    if (terminal.target === 'cpu') return details; // the cpu shell needs none of it; the tooltip just says what is here
    if (terminal.cuda) details.cuda = `${terminal.cuda} in the cuda shell`;
    if (terminal.driverDir) details.driver = `${details.driver ?? 'driver'} · ${terminal.driverDir}`;
    const rec = recommendTarget(machine, terminal.cuda ?? project.plan.cuda.version);
    if (rec.target === 'cpu' && machine.driver) Object.assign(details, { problem: rec.warning, short: 'driver too old' });
    else if (!machine.driver)
      Object.assign(details, {
        problem: `no NVIDIA GPU here: the cuda shell's programs will not find a GPU (${rec.reason})`,
        short: 'no GPU',
      });
    else if (rec.warning) details.problem = rec.warning;
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
    // With the Python Environments extension, Seam's targets are environments there (pythonEnvs.ts).
    if (!vscode.extensions.getExtension('ms-python.python') || vscode.extensions.getExtension('ms-python.vscode-python-envs')) return;
    const key = `seam.pythonAsked:${folder.uri.toString()}`;
    if (this.context.workspaceState.get(key)) return;
    await this.context.workspaceState.update(key, true);
    const python = vscode.Uri.joinPath(vscode.Uri.file(env.venv!), 'bin', 'python').fsPath;
    const choice = await vscode.window.showInformationMessage(
      `Seam: use .venv/bin/python (the ${env.target} environment) as the Python interpreter for ${folder.name}?`,
      'Yes',
      'No',
    );
    if (choice === 'Yes')
      await vscode.workspace
        .getConfiguration('python', folder)
        .update('defaultInterpreterPath', python, vscode.ConfigurationTarget.WorkspaceFolder);
  }

  /** "Seam: cpu" / "Seam: cuda" terminal profiles: a terminal on that target whatever is selected, with the same environment. */
  private async profile(target: Target): Promise<vscode.TerminalProfile | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Seam does not start environment terminals in an untrusted workspace.');
      return undefined;
    }
    const state = await this.ws.pick(`Terminal on ${target}`);
    if (!state) return undefined;
    if (!vscode.workspace.getConfiguration('seam', state.folder).get<boolean>('enable', true)) {
      void vscode.window.showWarningMessage(`Seam is off for ${state.folder.name} (seam.enable): no environment terminal.`);
      return undefined;
    }
    const nix = settings(state.folder).nixPath;
    const root = state.project.root;
    let env: ResolvedEnv;
    try {
      env =
        cachedEnv({ root, target, nix, cacheDir: this.cacheDir }) ??
        (
          await resolveEnv({
            root,
            target,
            nix,
            cacheDir: this.cacheDir,
            nixArgs: await this.cacheArgs(state.folder, target),
            log: (l) => this.log.info(l),
          })
        ).env;
    } catch (e) {
      if (e instanceof ResolveError) await this.offerFix(state.folder, e);
      else throw e;
      return undefined;
    }
    const full = applyEnvironment(process.env, await this.terminal(env));
    return new vscode.TerminalProfile({ name: `Seam: ${target}`, cwd: state.folder.uri, env: full as Record<string, string> });
  }

  /** The environment applied to a folder now, if any. */
  current(folder: vscode.WorkspaceFolder): TerminalEnvironment | undefined {
    return this.folders.get(folder.uri.toString())?.terminal;
  }

  dispose(): void {
    for (const f of this.folders.values()) {
      f.abort?.abort();
      if (f.retry) clearTimeout(f.retry.timer);
      if (f.debounce) clearTimeout(f.debounce);
    }
    for (const s of this.subscriptions) s.dispose();
  }
}

/** The target's Python launcher (.seam/bin/<target>/python), for tools that start Python themselves; written aside, then renamed. */
function writeLauncher(root: string, terminal: TerminalEnvironment, log: vscode.LogOutputChannel): void {
  const text = pythonLauncher(terminal);
  if (!text) return;
  const path = launcherPath(root, terminal.target);
  try {
    if (fs.existsSync(path) && fs.readFileSync(path, 'utf8') === text) return;
    fs.mkdirSync(nodePath.dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text, { mode: 0o755 });
    fs.renameSync(tmp, path);
  } catch (e) {
    log.warn(`could not write ${path}: ${errorMessage(e)}`);
  }
}
