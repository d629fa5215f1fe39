/** A minimal LSP client for tests: `seam lsp --stdio` spawned, Content-Length framed JSON-RPC. */
import * as assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers';

export const CLI = path.join(ROOT, 'dist', 'cli.js');

interface Message {
  id?: number;
  method?: string;
  params?: any;
  result?: any;
  error?: any;
}

/** Every server started, so that a failed test cannot leave one running (and mocha waiting for it). */
const started = new Set<ChildProcessWithoutNullStreams>();

/** Kills every server a test started and did not stop (call it in afterEach). */
export function killServers(): void {
  for (const p of started) p.kill('SIGKILL');
  started.clear();
}

export class Client {
  private readonly proc: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly waiting = new Map<number, (m: Message) => void>();
  readonly diagnostics = new Map<string, any[]>();
  private readonly diagWaiters: { uri: string; ok: (d: any[]) => boolean; resolve: (d: any[]) => void }[] = [];
  stderr = '';

  constructor(root: string, env?: NodeJS.ProcessEnv) {
    this.proc = spawn(process.execPath, [CLI, 'lsp', '--stdio'], { cwd: root, env: env ?? process.env });
    started.add(this.proc);
    this.proc.on('exit', () => started.delete(this.proc));
    this.proc.stderr.on('data', (b) => (this.stderr += b.toString()));
    this.proc.stdout.on('data', (b: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, b]);
      for (;;) {
        const head = this.buffer.indexOf('\r\n\r\n');
        if (head < 0) return;
        const len = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, head).toString())?.[1]);
        if (this.buffer.length < head + 4 + len) return;
        const msg = JSON.parse(this.buffer.subarray(head + 4, head + 4 + len).toString()) as Message;
        this.buffer = this.buffer.subarray(head + 4 + len);
        this.handle(msg);
      }
    });
  }

  private handle(m: Message): void {
    if (m.id !== undefined && !m.method) {
      this.waiting.get(m.id)?.(m);
      this.waiting.delete(m.id);
    } else if (m.method === 'textDocument/publishDiagnostics') {
      this.diagnostics.set(m.params.uri, m.params.diagnostics);
      this.published.set(m.params.uri, (this.published.get(m.params.uri) ?? 0) + 1);
      for (const w of [...this.diagWaiters]) {
        if (w.uri === m.params.uri && w.ok(m.params.diagnostics)) {
          this.diagWaiters.splice(this.diagWaiters.indexOf(w), 1);
          w.resolve(m.params.diagnostics);
        }
      }
    } else if (m.id !== undefined && m.method) {
      this.send({ id: m.id, result: null }); // requests from the server (e.g. workDoneProgress/create)
    }
  }

  /** Writes bytes as they are (malformed frames, stray bytes). */
  raw(bytes: string | Buffer): void {
    this.proc.stdin.write(bytes);
  }

  /** How many times diagnostics were published for `uri`. */
  published = new Map<string, number>();

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  private send(m: Message): void {
    const body = JSON.stringify({ jsonrpc: '2.0', ...m });
    this.proc.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }

  request(method: string, params: unknown): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer; stderr:\n${this.stderr}`)), 20_000);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        if (m.error) reject(new Error(JSON.stringify(m.error)));
        else resolve(m.result);
      });
      this.send({ id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    this.send({ method, params });
  }

  /** The next diagnostics for `uri` that satisfy `ok`. */
  diagnosticsFor(uri: string, ok: (d: any[]) => boolean = () => true): Promise<any[]> {
    const now = this.diagnostics.get(uri);
    if (now && ok(now)) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching diagnostics for ${uri}; last: ${JSON.stringify(this.diagnostics.get(uri))}`)),
        20_000,
      );
      this.diagWaiters.push({
        uri,
        ok,
        resolve: (d) => {
          clearTimeout(timer);
          resolve(d);
        },
      });
    });
  }

  async stop(): Promise<number | null> {
    await this.request('shutdown', null);
    this.notify('exit', null);
    return new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
  }
}

export async function start(root: string, env?: NodeJS.ProcessEnv): Promise<Client> {
  const c = new Client(root, env);
  const init = await c.request('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(root).toString(),
    workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: 'ws' }],
    capabilities: {},
  });
  assert.equal(init.capabilities.hoverProvider, true);
  c.notify('initialized', {});
  return c;
}

export const uriOf = (root: string, f: string) => pathToFileURL(path.join(root, f)).toString();
export const open = (c: Client, root: string, file: string, languageId = 'plaintext') =>
  c.notify('textDocument/didOpen', {
    textDocument: { uri: uriOf(root, file), languageId, version: 1, text: fs.readFileSync(path.join(root, file), 'utf8') },
  });
