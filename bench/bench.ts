/**
 * `npm run bench`: how fast Seam reads manifests, in-process and through the CLI, beside Python's
 * `packaging` reading the same requirements file in the same run. Prints a table and rewrites
 * the generated section of docs/benchmarks.md (`--no-write` to leave the docs alone).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchExtension } from './extension';
import { benchLsp } from './lsp';
import { hashedRequirements, manyExtrasPyproject, planProjectRequirements } from './fixtures';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const DOCS = path.join(ROOT, 'docs', 'benchmarks.md');
// The shipped bundle, as users and the CLI run it (not the TypeScript sources through tsx).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { readManifest, readProject, planProject, convertProject, planWrites, parseUvLock } = require(path.join(ROOT, 'dist', 'core.js')) as typeof import('../src/core/index');

interface Stats { median: number; p95: number; runs: number }

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))], runs: s.length };
}

function timeInProcess(fn: () => void, runs: number, warmup: number): Stats {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  return stats(samples);
}

function timeProcess(cmd: string, args: string[], runs: number): Stats {
  const samples: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const t = performance.now();
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    const ms = performance.now() - t;
    if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
    if (i > 0) samples.push(ms); // The first run warms the file cache.
  }
  return stats(samples);
}

/**
 * Python's packaging on the same file: logical lines as pip joins them (continuations,
 * comments), options dropped, one `Requirement` per requirement line. Times itself, so Python's
 * start-up is not counted; prints JSON.
 */
const PACKAGING_SCRIPT = String.raw`
import json, re, sys, time
import packaging
from packaging.requirements import Requirement
path, runs = sys.argv[1], int(sys.argv[2])
COMMENT = re.compile(r"(^|\s+)#.*$")
def read():
    text = open(path, encoding="utf-8").read()
    logical, parts = [], []
    for line in text.splitlines():
        if line.endswith("\\"):
            parts.append(line[:-1]); continue
        parts.append(line); logical.append("".join(parts)); parts = []
    reqs = []
    for line in logical:
        line = COMMENT.sub("", line).strip()
        if not line or line.startswith("-"): continue
        reqs.append(Requirement(line.split(" --", 1)[0].strip()))
    return reqs
n = len(read())
for _ in range(5): read()
samples = []
for _ in range(runs):
    t = time.perf_counter(); read(); samples.append((time.perf_counter() - t) * 1000)
print(json.dumps({"samples": samples, "requirements": n, "version": packaging.__version__, "python": sys.version.split()[0]}))
`;

function packagingTimes(file: string, runs: number): { stats: Stats; requirements: number; version: string; python: string } | { skipped: string } {
  try {
    execFileSync('python3', ['-c', 'import packaging'], { stdio: 'ignore' });
  } catch {
    return { skipped: 'python3 with packaging is not installed' };
  }
  const out = JSON.parse(execFileSync('python3', ['-c', PACKAGING_SCRIPT, file, String(runs)], { encoding: 'utf8' }));
  return { stats: stats(out.samples), requirements: out.requirements, version: out.version, python: out.python };
}

const ms = (s: Stats) => `${s.median.toFixed(2)} ms`;
const p95 = (s: Stats) => `${s.p95.toFixed(2)} ms`;

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first (npm run bench does)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-bench-'));
  const reqFile = path.join(dir, 'requirements.txt');
  const pyFile = path.join(dir, 'pyproject.toml');
  fs.writeFileSync(reqFile, hashedRequirements());
  fs.writeFileSync(pyFile, manyExtrasPyproject());
  const reqModel = readManifest(reqFile);
  const pyModel = readManifest(pyFile);
  if (reqModel.problems.length || pyModel.problems.length) throw new Error(`benchmark inputs have problems: ${JSON.stringify([...reqModel.problems, ...pyModel.problems].slice(0, 3))}`);
  const hashes = reqModel.requirements.reduce((n, r) => n + r.hashes.length, 0);

  const seamReq = timeInProcess(() => readManifest(reqFile), 300, 30);
  const seamPy = timeInProcess(() => readManifest(pyFile), 300, 30);
  const py = packagingTimes(reqFile, 100);
  const cliReq = timeProcess(process.execPath, [CLI, 'inspect', '--json', reqFile], 15);
  const cliPy = timeProcess(process.execPath, [CLI, 'inspect', '--json', pyFile], 15);
  const nodeStart = timeProcess(process.execPath, ['-e', ''], 15);
  const pyStart = 'skipped' in py ? null : timeProcess('python3', ['-c', 'from packaging.requirements import Requirement'], 15);

  const kb = (f: string) => `${(fs.statSync(f).size / 1024).toFixed(1)} KB`;
  const rows: string[][] = [
    ['Seam (`dist/core.js`), in-process `readManifest`', `requirements.txt (${kb(reqFile)}, ${reqModel.requirements.length} pins, ${hashes} hashes)`, ms(seamReq), p95(seamReq)],
    'skipped' in py
      ? ['Python `packaging`, in-process', 'same file', `SKIPPED (${py.skipped})`, '']
      : [`Python \`packaging\` ${py.version} (Python ${py.python}), in-process`, `same file (${py.requirements} requirements)`, ms(py.stats), p95(py.stats)],
    ['Seam (`dist/core.js`), in-process `readManifest`', `pyproject.toml (${kb(pyFile)}, ${pyModel.requirements.length} requirements, ${new Set(pyModel.requirements.map((r) => JSON.stringify(r.scope))).size} extras/groups)`, ms(seamPy), p95(seamPy)],
    ['`seam inspect --json` (process)', 'the requirements.txt', ms(cliReq), p95(cliReq)],
    ['`seam inspect --json` (process)', 'the pyproject.toml', ms(cliPy), p95(cliPy)],
    ['`node -e ""` (start-up alone)', '', ms(nodeStart), p95(nodeStart)],
    ...(pyStart ? [['`python3 -c "from packaging.requirements import Requirement"` (start-up alone)', '', ms(pyStart), p95(pyStart)]] : []),
  ];
  const ratio = 'skipped' in py ? null : py.stats.median / seamReq.median;
  const verdicts = [
    `- Seam reads the 60 KB hash-locked file in ${ms(seamReq)} (target: under 10 ms): ${seamReq.median < 10 ? 'met' : 'NOT met'}.`,
    ratio === null ? '- Comparison with packaging: SKIPPED (python3 with packaging is not installed).' : `- Seam is ${ratio.toFixed(1)}× faster than packaging in-process on the same file (target: at least 3×): ${ratio >= 3 ? 'met' : 'NOT met'}. Seam does more per line (hash checks, positions, includes).`,
  ];
  const table = [
    '| what | input | median | p95 |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const machine = `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
  const section = `<!-- BEGIN reader (generated by npm run bench) -->\nMeasured ${new Date().toISOString().slice(0, 10)} on ${machine}. In-process: median of 300 runs after 30 warm-up runs (packaging: 100 after 5); processes: median of 15 runs.\n\n${table}\n\n${verdicts.join('\n')}\n<!-- END reader -->`;
  console.log(`\n${table}\n\n${verdicts.join('\n')}\n`);
  if (!process.argv.includes('--no-write')) {
    const docs = fs.readFileSync(DOCS, 'utf8');
    const re = /<!-- BEGIN reader[\s\S]*?<!-- END reader -->/;
    if (!re.test(docs)) throw new Error(`${DOCS} has no generated reader section`);
    fs.writeFileSync(DOCS, docs.replace(re, section));
    console.log(`updated ${path.relative(ROOT, DOCS)}`);
  }
  benchPlan(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  const ext = await benchExtension(stats);
  const lsp = await benchLsp(stats);
  const lspTable = ['| what | input | median | p95 |', '| --- | --- | --- | --- |', ...lsp.rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  console.log(`\n${lspTable}\n\n${lsp.verdicts.join('\n')}\n`);
  if (!process.argv.includes('--no-write')) {
    const docs = fs.readFileSync(DOCS, 'utf8');
    const re = /<!-- BEGIN lsp[\s\S]*?<!-- END lsp -->/;
    const section = `<!-- BEGIN lsp (generated by npm run bench) -->\n${lspTable}\n\n${lsp.verdicts.join('\n')}\n<!-- END lsp -->`;
    fs.writeFileSync(DOCS, re.test(docs) ? docs.replace(re, section) : `${docs.trimEnd()}\n\n## The language server\n\nHow soon diagnostics follow an edit.\n\n${section}\n`);
  }
  const extTable = ['| what | input | median | p95 |', '| --- | --- | --- | --- |', ...ext.rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  console.log(`\n${extTable}\n\n${ext.verdicts.join('\n')}\n`);
  if (!process.argv.includes('--no-write')) {
    const docs = fs.readFileSync(DOCS, 'utf8');
    const re = /<!-- BEGIN extension[\s\S]*?<!-- END extension -->/;
    const section = `<!-- BEGIN extension (generated by npm run bench) -->\n${extTable}\n\n${ext.verdicts.join('\n')}\n<!-- END extension -->`;
    fs.writeFileSync(DOCS, re.test(docs) ? docs.replace(re, section) : `${docs.trimEnd()}\n\n## The extension\n\nWhat the VS Code extension costs: its bundle, its activation, and "Convert to reproducible env" on the bundled example.\n\n${section}\n`);
  }
}

/** Plan (read + decide) for a 150-requirement project: in-process and `seam plan --json`. */
function benchPlan(dir: string): void {
  const known = Object.keys((require(path.join(ROOT, 'src', 'core', 'knowledge', 'data', 'knowledge.json')) as { python: { packages: Record<string, unknown> } }).python.packages);
  const project = path.join(dir, 'plan-project');
  fs.mkdirSync(project);
  const file = path.join(project, 'requirements.txt');
  fs.writeFileSync(file, planProjectRequirements(known));
  const once = () => planProject(readProject([file]));
  const result = once();
  const inProcess = timeInProcess(once, 200, 20);
  const cli = timeProcess(process.execPath, [CLI, 'plan', '--json', project], 15);
  // Plan + generate: everything `seam convert` computes before it writes (flake.nix, pyproject.toml, seam.toml, report, the write plan).
  const generate = () => planWrites(project, convertProject({ root: project, model: readProject([file]), userPyproject: false, seamVersion: 'bench' }).files, false);
  const generated = timeInProcess(generate, 200, 20);
  const convertDir = path.join(dir, 'convert-project');
  const convertCli = timeProcess('sh', ['-c', `rm -rf "$1" && mkdir "$1" && cp "$2" "$1/" && "$3" "$4" convert "$1" >/dev/null`, 'sh', convertDir, file, process.execPath, CLI], 15);
  const lockPath = path.join(ROOT, '..', 'shared', 'data', 'uv-locks', 'NVIDIA-NeMo__RL.uv.lock');
  const lockText = fs.existsSync(lockPath) ? fs.readFileSync(lockPath, 'utf8') : null;
  const lock = lockText ? timeInProcess(() => parseUvLock(lockText), 20, 3) : null;
  const owners = (o: string) => result.packages.filter((p) => p.owner.cpu === o || p.owner.cuda === o).length;
  const table = ['| what | input | median | p95 |', '| --- | --- | --- | --- |',
    `| Seam (\`dist/core.js\`), in-process \`readProject\` + \`planProject\` | 150 requirements → ${result.packages.length} packages (${owners('nix')} Nix, ${owners('uv')} uv) | ${ms(inProcess)} | ${p95(inProcess)} |`,
    `| \`seam plan --json\` (process) | the same project | ${ms(cli)} | ${p95(cli)} |`,
    `| Seam, in-process plan + generate (\`convertProject\` + \`planWrites\`) | the same project → flake.nix, pyproject.toml, seam.toml, report | ${ms(generated)} | ${p95(generated)} |`,
    `| \`seam convert\` (process, writes into a fresh copy) | the same project | ${ms(convertCli)} | ${p95(convertCli)} |`,
    ...(lock ? [`| Seam, in-process \`parseUvLock\` (for \`seam check\`) | NVIDIA-NeMo/RL uv.lock, 877 KB, 549 packages | ${ms(lock)} | ${p95(lock)} |`] : [])].join('\n');
  const verdict = `- Plan + generate for 150 requirements in ${ms(generated)} in-process (target: under 20 ms): ${generated.median < 20 ? 'met' : 'NOT met'}.`;
  console.log(`\n${table}\n\n${verdict}\n`);
  if (!process.argv.includes('--no-write')) {
    const docs = fs.readFileSync(DOCS, 'utf8');
    const re = /<!-- BEGIN plan[\s\S]*?<!-- END plan -->/;
    if (!re.test(docs)) throw new Error(`${DOCS} has no generated plan section`);
    fs.writeFileSync(DOCS, docs.replace(re, `<!-- BEGIN plan (generated by npm run bench) -->\n${table}\n\n${verdict}\n<!-- END plan -->`));
  }
}

void main();
