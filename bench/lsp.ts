/**
 * Language server latency for `npm run bench`: in-process `analyze` of the 60 KB hash-locked
 * requirements file, and the round trip a user feels — `seam lsp --stdio` spawned, an edit sent
 * (didChange), the diagnostics for it received.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { hashedRequirements } from './fixtures';

const ROOT = path.resolve(__dirname, '..');

export async function benchLsp(stats: (s: number[]) => { median: number; p95: number }): Promise<{ rows: string[][]; verdicts: string[] }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { analyze } = require(path.join(ROOT, 'src', 'server', 'analysis.ts')) as typeof import('../src/server/analysis');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-bench-lsp-'));
  const file = path.join(dir, 'requirements.txt');
  const text = hashedRequirements();
  fs.writeFileSync(file, text);
  const inProc: number[] = [];
  for (let i = 0; i < 60; i++) {
    const edited = `${text}\n# edit ${i}\n`;
    const t = performance.now();
    analyze(file, (p) => (p === file ? edited : undefined), [dir]);
    if (i >= 10) inProc.push(performance.now() - t);
  }

  const proc = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'lsp', '--stdio'], { cwd: dir });
  let buf = Buffer.alloc(0);
  const listeners: ((m: { id?: number; method?: string; params?: { uri: string; diagnostics: unknown[] } }) => void)[] = [];
  proc.stdout.on('data', (b: Buffer) => {
    buf = Buffer.concat([buf, b]);
    for (;;) {
      const head = buf.indexOf('\r\n\r\n');
      if (head < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, head).toString())?.[1]);
      if (buf.length < head + 4 + len) return;
      const msg = JSON.parse(buf.subarray(head + 4, head + 4 + len).toString());
      buf = buf.subarray(head + 4 + len);
      for (const l of [...listeners]) l(msg);
    }
  });
  const send = (m: unknown) => {
    const body = JSON.stringify({ jsonrpc: '2.0', ...(m as object) });
    proc.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };
  const next = (ok: (m: { id?: number; method?: string; params?: { uri: string; diagnostics: unknown[] } }) => boolean) =>
    new Promise<void>((resolve) => {
      const l = (m: Parameters<typeof ok>[0]) => {
        if (ok(m)) {
          listeners.splice(listeners.indexOf(l), 1);
          resolve();
        }
      };
      listeners.push(l);
    });
  const uri = pathToFileURL(file).toString();
  send({ id: 1, method: 'initialize', params: { processId: process.pid, rootUri: pathToFileURL(dir).toString(), capabilities: {} } });
  await next((m) => m.id === 1);
  send({ method: 'initialized', params: {} });
  const opened = next((m) => m.method === 'textDocument/publishDiagnostics');
  send({ method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'pip-requirements', version: 1, text } } });
  await opened;
  const round: number[] = [];
  for (let v = 2; v < 42; v++) {
    const got = next((m) => m.method === 'textDocument/publishDiagnostics');
    const t = performance.now();
    send({
      method: 'textDocument/didChange',
      params: {
        textDocument: { uri, version: v },
        contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: v % 2 ? '#\n' : '' }],
      },
    });
    await got;
    if (v >= 7) round.push(performance.now() - t);
  }
  send({ id: 2, method: 'shutdown', params: null });
  await next((m) => m.id === 2);
  send({ method: 'exit', params: null });
  proc.kill();
  const a = stats(inProc);
  const r = stats(round);
  const f = (n: number) => `${n.toFixed(2)} ms`;
  const kb = `${(Buffer.byteLength(text) / 1024).toFixed(0)} KB`;
  return {
    rows: [
      [
        'Language server analysis, in-process (`analyze`: read, plan, diagnostics)',
        `requirements.txt (${kb}, hash-locked)`,
        f(a.median),
        f(a.p95),
      ],
      ['Edit → diagnostics over LSP (`seam lsp --stdio`, didChange → publishDiagnostics)', 'the same file', f(r.median), f(r.p95)],
    ],
    verdicts: [
      `- Diagnostics ${f(r.median)} after an edit of the ${kb} file, over the protocol (target: within 30 ms): ${r.median < 30 ? 'met' : 'NOT met'}.`,
    ],
  };
}
