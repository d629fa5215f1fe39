/**
 * The language client's lifecycle: Seam's language server (dist/server.js, over IPC) for the files
 * the core's manifest patterns name, and seam.toml. It runs no process itself, so it runs in
 * untrusted workspaces too. A crash restarts it (a few times, then it stops and says so); "Seam:
 * Restart language server" builds a new client whatever state the old one is in.
 */

import type * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import { errorMessage } from '../core/errors';
import { documentPatterns } from '../core/manifests/patterns';
import { FACTS_READ } from '../core/protocol';

/** Crashes tolerated within CRASH_WINDOW_MS before the client stops restarting the server. */
const MAX_CRASHES = 4;
const CRASH_WINDOW_MS = 3 * 60_000;

export class LspController implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private crashes: number[] = [];
  /** Restarts are serialised: a second request while one runs waits for it, then runs once. */
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    /** The workspace's one file watcher: the server hears of files changed on disk through it. */
    private readonly watcher: vscode.FileSystemWatcher,
  ) {}

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  private create(): LanguageClient {
    const module = this.context.asAbsolutePath('dist/server.js');
    const server: ServerOptions = { run: { module, transport: TransportKind.ipc }, debug: { module, transport: TransportKind.ipc } };
    const options: LanguageClientOptions = {
      documentSelector: documentPatterns().map((pattern) => ({ scheme: 'file', pattern })),
      outputChannel: this.log,
      synchronize: { fileEvents: this.watcher },
      errorHandler: {
        error: (error, _message, count) => {
          this.log.error(`language server: ${errorMessage(error)}`);
          return { action: (count ?? 0) < 3 ? ErrorAction.Continue : ErrorAction.Shutdown };
        },
        closed: () => {
          const now = Date.now();
          this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
          if (this.crashes.length > MAX_CRASHES) {
            this.log.error(`the language server stopped ${this.crashes.length} times in 3 minutes; not restarting it`);
            return {
              action: CloseAction.DoNotRestart,
              message: 'Seam: the language server keeps stopping (see the log). Run "Seam: Restart language server" to try again.',
            };
          }
          this.log.warn('the language server stopped; restarting it');
          return { action: CloseAction.Restart };
        },
      },
    };
    return new LanguageClient('seam', 'Seam language server', server, options);
  }

  /** Tells the server that new facts of a project's pinned nixpkgs are in Seam's cache: it re-reads that project. */
  factsRead(root: string): void {
    if (this.running) void this.client?.sendNotification(FACTS_READ, { root });
  }

  /** Starts the server (a new client when there is none, or the old one failed to start or stopped). */
  start(): Promise<void> {
    this.busy = this.busy.then(async () => {
      if (this.client && this.client.state !== State.Stopped) return;
      this.client = this.create();
      await this.client.start();
      this.log.info('Seam language server started');
    });
    return this.busy;
  }

  /** Stops the old client (whatever its state) and starts a new one. */
  restart(): Promise<void> {
    this.busy = this.busy
      .catch(() => undefined)
      .then(async () => {
        const old = this.client;
        this.client = undefined;
        this.crashes = [];
        if (old) await old.stop(2_000).catch((e) => this.log.warn(`stopping the old language client: ${errorMessage(e)}`));
        this.client = this.create();
        await this.client.start();
        this.log.info('Seam language server restarted');
      });
    return this.busy;
  }

  dispose(): void {
    void this.client?.stop(1_000).catch(() => undefined);
  }
}
