/**
 * Language server latency for `npm run bench`: in-process `analyze` of the 60 KB hash-locked
 * requirements file, and the round trip a user feels — `seam lsp --stdio` spawned, an edit sent
 * (didChange), the diagnostics for it received — for that file, a 400 KB environment.yml and a
 * 4 MB requirements file; and the memory `seam plan` needs for the 4 MB file.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { bigEnvironmentYml, hashedRequirements } from './fixtures';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

type Stats = { median: number; p95: number };

/** Opens `file` in a fresh `seam lsp --stdio`, then times `rounds` edits from didChange to publishDiagnostics. */
async function roundTrip(dir: string, file: string, rounds: number): Promise<{ open: number; edits: number[]; diagnostics: number }> {
  const text = fs.readFileSync(file, 'utf8');
  const proc = spawn(process.execPath, [CLI, 'lsp', '--stdio'], { cwd: dir });
  type Msg = { id?: number; method?: string; params?: { uri: string; diagnostics: unknown[] } };
  const listeners: ((m: Msg) => void)[] = [];
  // Chunks are joined once a whole message is there (a 4 MB file's diagnostics arrive in hundreds of chunks).
  let chunks: Buffer[] = [];
  let have = 0;
  let need = -1;
  proc.stdout.on('data', (b: Buffer) => {
    chunks.push(b);
    have += b.length;
    for (;;) {
      if (need < 0) {
        const head = Buffer.concat(chunks);
        chunks = [head];
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        need = end + 4 + Number(/Content-Length: (\d+)/i.exec(head.subarray(0, end).toString())?.[1]);
      }
      if (have < need) return;
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      const msg = JSON.parse(all.subarray(end + 4, need).toString()) as Msg;
      const rest = all.subarray(need);
      chunks = rest.length ? [rest] : [];
      have = rest.length;
      need = -1;
      for (const l of [...listeners]) l(msg);
      if (!have) return;
    }
  });
  const send = (m: unknown) => {
    const body = JSON.stringify({ jsonrpc: '2.0', ...(m as object) });
    proc.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };
  const next = (ok: (m: Msg) => boolean) =>
    new Promise<Msg>((resolve) => {
      const l = (m: Msg) => {
        if (ok(m)) {
          listeners.splice(listeners.indexOf(l), 1);
          resolve(m);
        }
      };
      listeners.push(l);
    });
  const uri = pathToFileURL(file).toString();
  send({ id: 1, method: 'initialize', params: { processId: process.pid, rootUri: pathToFileURL(dir).toString(), capabilities: {} } });
  await next((m) => m.id === 1);
  send({ method: 'initialized', params: {} });
  const opened = next((m) => m.method === 'textDocument/publishDiagnostics');
  let t = performance.now();
  send({ method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'plaintext', version: 1, text } } });
  const first = await opened;
  const open = performance.now() - t;
  const edits: number[] = [];
  for (let v = 2; v < rounds + 7; v++) {
    const got = next((m) => m.method === 'textDocument/publishDiagnostics');
    t = performance.now();
    send({
      method: 'textDocument/didChange',
      params: {
        textDocument: { uri, version: v },
        contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: v % 2 ? '#\n' : '' }],
      },
    });
    await got;
    if (v >= 7) edits.push(performance.now() - t);
  }
  send({ id: 2, method: 'shutdown', params: null });
  await next((m) => m.id === 2);
  send({ method: 'exit', params: null });
  proc.kill();
  return { open, edits, diagnostics: first.params?.diagnostics.length ?? 0 };
}

/** The peak memory (max RSS) of `seam ARGS` as a process, read by node itself in the child. */
function peakMemory(args: string[]): number {
  const script = `process.on('exit', () => require('fs').writeSync(2, '\\nSEAM_MAX_RSS ' + process.resourceUsage().maxRSS + '\\n')); process.argv = [process.argv[0], ${JSON.stringify(CLI)}, ...${JSON.stringify(args)}]; require(${JSON.stringify(CLI)});`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  return Number(/SEAM_MAX_RSS (\d+)/.exec(r.stderr)?.[1] ?? Number.NaN) / 1024;
}

export async function benchLsp(stats: (s: number[]) => Stats): Promise<{ rows: string[][]; verdicts: string[] }> {
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
  const small = await roundTrip(dir, file, 35);

  const condaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-bench-lsp-conda-'));
  const conda = path.join(condaDir, 'environment.yml');
  fs.writeFileSync(conda, bigEnvironmentYml());
  const big = await roundTrip(condaDir, conda, 6);

  const hugeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-bench-lsp-huge-'));
  const huge = path.join(hugeDir, 'requirements.txt');
  fs.writeFileSync(huge, hashedRequirements(4 * 1024 * 1024 - 4096));
  const hugeTrip = await roundTrip(hugeDir, huge, 4);
  const planMb = peakMemory(['plan', hugeDir]);
  const planJsonMb = peakMemory(['plan', '--json', hugeDir]);
  const nodeMb = (() => {
    const r = spawnSync(
      process.execPath,
      ['-e', "process.on('exit', () => require('fs').writeSync(2, 'R ' + process.resourceUsage().maxRSS))"],
      { encoding: 'utf8' },
    );
    return Number(/R (\d+)/.exec(r.stderr)?.[1]) / 1024;
  })();

  const a = stats(inProc);
  const r = stats(small.edits);
  const b = stats(big.edits);
  const h = stats(hugeTrip.edits);
  const f = (n: number) => `${n.toFixed(2)} ms`;
  const size = (p: string) => `${(fs.statSync(p).size / 1024).toFixed(0)} KB`;
  const mb = (n: number) => `${n.toFixed(0)} MB`;
  return {
    rows: [
      [
        'Language server analysis, in-process (`analyze`: read, plan, diagnostics)',
        `requirements.txt (${size(file)}, hash-locked)`,
        f(a.median),
        f(a.p95),
      ],
      ['Edit → diagnostics over LSP (`seam lsp --stdio`, didChange → publishDiagnostics)', 'the same file', f(r.median), f(r.p95)],
      ['Open → diagnostics over LSP', `environment.yml (${size(conda)}, ${big.diagnostics} diagnostics)`, f(big.open), ''],
      ['Edit → diagnostics over LSP', 'the same file', f(b.median), f(b.p95)],
      [
        'Open → diagnostics over LSP',
        `requirements.txt (${size(huge)}, hash-locked, ${hugeTrip.diagnostics} diagnostics)`,
        f(hugeTrip.open),
        '',
      ],
      ['Edit → diagnostics over LSP', 'the same file', f(h.median), f(h.p95)],
      ['Peak memory of `seam plan` (max RSS)', 'the 4 MB requirements.txt', mb(planMb), ''],
      ['Peak memory of `seam plan --json` (max RSS)', 'the same', mb(planJsonMb), ''],
      ['Peak memory of `node -e ""` (max RSS), for scale', '', mb(nodeMb), ''],
    ],
    verdicts: [
      `- Diagnostics ${f(r.median)} after an edit of the ${size(file)} file, over the protocol (target: within 30 ms): ${r.median < 30 ? 'met' : 'NOT met'}.`,
      `- The ${size(conda)} environment.yml gets diagnostics ${f(Math.max(big.open, b.median))} after opening or an edit (target: under 1 s): ${Math.max(big.open, b.median) < 1000 ? 'met' : 'NOT met'}. Requests are answered between the analysis stages, and edits to a file this large are analysed after 250 ms of quiet (edits to smaller ones after 15 ms).`,
      `- \`seam plan\` on the 4 MB requirements file peaks at ${mb(planMb)} (it was 905 MB; target: under 300 MB): ${planMb < 300 ? 'met' : 'NOT met'}.`,
    ],
  };
}
