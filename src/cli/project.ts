/** `seam convert`, `seam check` and `seam index refresh`: the commands that work on one project folder. */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { findOnPath } from '../core/env/cache';
import { describeCache } from '../core/env/caches';
import { type CompatResult, nixCompatibility } from '../core/env/compat';
import { seamCacheDir } from '../core/env/driver';
import { inGitRepository, stageGenerated } from '../core/env/git';
import { evaluateShells, nixSyntaxError } from '../core/env/nix';
import { runProcess } from '../core/env/process';
import { errorMessage, type Problem, SeamError } from '../core/errors';
import { pathsToStage } from '../core/generate/convert';
import {
  land,
  needsRecovery,
  type Recovery,
  recover,
  STAGE_PREFIX,
  seamDir,
  stepHooksFromEnv,
  WriteStopped,
  withProjectLock,
} from '../core/generate/transaction';
import { diffWrite, landings, planWrites } from '../core/generate/write';
import { NIX_FLAGS, readPinFacts } from '../core/knowledge/pin';
import { mergeRefresh, type RefreshResult, refreshExpression, refreshNames } from '../core/knowledge/refresh';
import { TARGETS } from '../core/plan/types';
import { INDEX_PATH, openProject, type ProjectSnapshot, shellCaches } from '../core/project';
import { parseFlags, rootFrom } from './args';

export interface ProjectIo {
  out(s: string): void;
  err(s: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
  version: string;
}

/** The nix Seam runs: SEAM_NIX, else `nix` on PATH. */
export const nixOf = (io: Pick<ProjectIo, 'env'>) => io.env.SEAM_NIX ?? 'nix';

const where = (root: string, p: Problem) =>
  `${nodePath.relative(root, p.path) || p.path}:${p.line}:${p.column}: ${p.severity}: ${p.message}`;

export async function convert(args: string[], io: ProjectIo): Promise<number> {
  const flags = parseFlags('convert', args, io, {
    switches: {
      '--dry-run': 'dry-run',
      '-n': 'dry-run',
      '--force': 'force',
      '--update-pyproject': 'update-pyproject',
      '--no-stage': 'no-stage',
    },
    values: ['--nixpkgs'],
  });
  if (typeof flags === 'number') return flags;
  const [dryRun, force, updatePyproject, noStage] = ['dry-run', 'force', 'update-pyproject', 'no-stage'].map((f) => flags.switches.has(f));
  const root = rootFrom('convert', flags.positional, io);
  if (typeof root === 'number') return root;
  // Ctrl-C and SIGTERM stop the write between two steps and put every file back before exit.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    // One writer per project: a second convert waits here, then plans against what the first wrote.
    return await withProjectLock(root, 'seam convert', async () => {
      reportRecovery(root, recover(root), io);
      return convertLocked(root, { dryRun, force, updatePyproject, noStage, nixpkgs: flags.values['--nixpkgs'] }, io, stop.signal);
    });
  } catch (e) {
    if (!(e instanceof SeamError)) throw e;
    io.err(`seam convert: nothing written: ${e.message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

/**
 * The project, planned with the facts of the nixpkgs it pins (read with nix and cached; see
 * core/knowledge/pin.ts). Without nix, or when the nixpkgs cannot be read (offline), it says so and
 * plans with the facts last read for that pin, else the index, else Seam's bundled knowledge (whose
 * versions are approximate).
 */
export async function withPinnedFacts(
  root: string,
  io: ProjectIo,
  options: { nixpkgs?: string; manifests?: string[] } = {},
): Promise<ProjectSnapshot> {
  const first = openProject(root, { env: io.env, factsCache: seamCacheDir(io.env), ...options });
  if (!first.model.manifests.length) return first;
  try {
    const facts = await readPinFacts(
      {
        ref: first.config.nixpkgs,
        nix: nixOf(io),
        cacheDir: seamCacheDir(io.env),
        runner: runProcess,
        cwd: root,
        env: io.env as NodeJS.ProcessEnv,
        log: (l) => io.err(`seam: ${l}\n`),
      },
      first.pinNames,
      first.pinTools,
    );
    return openProject(root, { env: io.env, ...options, facts });
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'nix is not installed' : errorMessage(e);
    io.err(`seam: ${why}; planning with ${first.knowledgeFallback}\n`);
    return first;
  }
}

/** Says what recovery did (an earlier Seam was interrupted). */
export function reportRecovery(root: string, r: Recovery | null, io: Pick<ProjectIo, 'err'>): void {
  if (!r) return;
  const what = {
    'rolled-back': `an earlier seam convert was interrupted; its changes were undone and ${r.paths.length ? r.paths.join(', ') : 'nothing'} put back as it was`,
    completed: 'an earlier seam convert had finished writing; its leftovers were removed',
    cleaned: `removed what an interrupted seam convert left before it wrote anything (${r.paths.join(', ')})`,
  }[r.kind];
  io.err(`seam: ${what} (${root})\n`);
}

/** Finishes what an interrupted Seam left in `root`, when it left something (cheap when not: two stats). */
export async function recoverIfInterrupted(root: string, io: Pick<ProjectIo, 'err'>): Promise<void> {
  if (!needsRecovery(root)) return;
  try {
    await withProjectLock(root, 'recovery', async () => reportRecovery(root, recover(root), io), { waitMs: 10_000 });
  } catch (e) {
    if (!(e instanceof SeamError)) throw e;
    io.err(`seam: ${e.message}\n`);
  }
}

async function convertLocked(
  root: string,
  {
    dryRun,
    force,
    updatePyproject,
    noStage,
    nixpkgs,
  }: { dryRun: boolean; force: boolean; updatePyproject: boolean; noStage: boolean; nixpkgs?: string },
  io: ProjectIo,
  signal: AbortSignal,
): Promise<number> {
  const project = await withPinnedFacts(root, io, { nixpkgs });
  const readProblems = [...project.settings.problems, ...project.model.manifests.flatMap((m) => m.problems)];
  for (const p of readProblems) io.err(`${where(root, p)}\n`);
  if (!project.model.manifests.length) {
    io.err(
      `seam convert: no Python manifests in ${root} (environment.yml, requirements*.txt, pyproject.toml, Pipfile, setup.cfg, setup.py)\n`,
    );
    return 1;
  }
  const { errors: unread, blocked: refuse } = project.unreadable;
  if (refuse) {
    io.err('seam convert: nothing written; fix the errors above first\n');
    return 1;
  }
  if (unread.length)
    io.err(
      `seam convert: ${unread.length === 1 ? 'one line' : `${unread.length} lines`} could not be read and ${unread.length === 1 ? 'is' : 'are'} left out (errors above); fix and convert again to add ${unread.length === 1 ? 'it' : 'them'}\n`,
    );
  if (updatePyproject && !project.userPyproject) {
    io.err('seam convert: --update-pyproject edits your own pyproject.toml, and this project has none (Seam writes its own)\n');
    return 2;
  }
  let conversion: ReturnType<typeof project.conversion>;
  try {
    conversion = project.conversion({ updatePyproject, seamVersion: io.version });
  } catch (e) {
    if (!(e instanceof SeamError)) throw e;
    io.err(`pyproject.toml:${e.line ?? 1}: error: ${e.message}\nseam convert: nothing written\n`);
    return 1;
  }
  const planErrors = conversion.plan.problems.filter((p) => p.severity === 'error');
  for (const p of conversion.plan.problems) if (p.severity !== 'info') io.err(`${where(root, p)}\n`);
  if (planErrors.length) {
    io.err('seam convert: nothing written; the plan has errors (see above)\n');
    return 1;
  }
  const writes = planWrites(root, conversion.files, force);
  if (dryRun) {
    for (const w of writes) io.out(diffWrite(w));
  }
  const lines: string[] = [];
  for (const w of writes) lines.push(`  ${w.action.padEnd(9)} ${w.path}${w.note ? `  (${w.note})` : ''}`);
  const blocked = writes.filter((w) => w.action === 'blocked');
  if (blocked.length) {
    io.err(`seam convert: nothing written:\n${lines.join('\n')}\n`);
    return 1;
  }
  if (dryRun) {
    io.out(`seam convert --dry-run: would write (nothing written)\n${lines.join('\n')}\n`);
    return 0;
  }
  const flake = writes.find((w) => w.path === 'flake.nix' && (w.action === 'create' || w.action === 'replace'));
  const syntax = flake ? await nixSyntaxError(flake.after, { nix: nixOf(io), signal }) : null;
  if (syntax) {
    io.err(`seam convert: nothing written: flake.nix does not parse: ${syntax}\n`);
    return 1;
  }
  let evaluated = false;
  // Every shell the flake declares must evaluate on every system before it is written (when Nix can be asked).
  if (flake) {
    const dir = fs.mkdtempSync(nodePath.join(root, `${STAGE_PREFIX}check-`));
    let shells: Awaited<ReturnType<typeof evaluateShells>>;
    try {
      shells = await evaluateShells(flake.after, dir, { nix: nixOf(io), env: io.env as NodeJS.ProcessEnv, signal });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    if (shells.failures.length) {
      for (const f of shells.failures) io.err(`flake.nix: the ${f.target} shell on ${f.system} does not evaluate: ${f.message}\n`);
      const { cuda } = conversion.plan;
      if (cuda.overlay && shells.failures.some((f) => f.target === 'cuda'))
        io.err(
          `seam.toml asks for CUDA ${cuda.version} (cudaPackages_${cuda.version.replace('.', '_')}); without [cuda] version the cuda shell uses nixpkgs' default set, which the CUDA caches build\n`,
        );
      io.err('seam convert: nothing written: a shell would not evaluate (see above)\n');
      return 1;
    }
    if (!shells.checked) io.err(`seam convert: could not check that every shell evaluates (${shells.why}); nix develop will say\n`);
    evaluated = shells.checked;
  }
  try {
    if (signal.aborted) throw new WriteStopped('stopped before it began');
    await land(root, landings(writes), { signal, hooks: stepHooksFromEnv(io.env) });
  } catch (e) {
    const stopped = e instanceof WriteStopped || (e as Error).name === 'AbortError';
    io.err(`seam convert: nothing written: ${stopped && signal.aborted ? 'interrupted; every file was put back' : errorMessage(e)}\n`);
    return stopped && signal.aborted ? 130 : 1;
  }
  const count = (o: string) => conversion.plan.packages.filter((p) => TARGETS.some((t) => p.owner[t] === o)).length;
  io.out(`${lines.join('\n')}\n`);
  const cuda = project.config.targets.includes('cuda');
  io.out(
    `${count('nix')} packages from Nix, ${count('system')} system, ${count('uv')} from uv; Python ${conversion.plan.python.version}${cuda ? `, CUDA ${conversion.plan.cuda.version} for the cuda shell` : ' (cpu shell only: seam.toml targets)'}. Why: seam-plan.txt\n`,
  );
  if (conversion.proposal && !updatePyproject)
    io.out(
      'Your pyproject.toml was left as it is: seam-plan.txt shows the [tool.uv] lines that make uv.lock agree with Nix (or run with --update-pyproject).\n',
    );
  if (evaluated && !io.env.SEAM_QUIET) {
    // "Will it download or compile?" before anything builds (seam plan --cache says it again).
    const caches = await shellCaches(project, { nix: nixOf(io), env: io.env as NodeJS.ProcessEnv, seamVersion: io.version, signal }).catch(
      () => ({}),
    );
    for (const [t, c] of Object.entries(caches)) io.out(`Binary caches: ${describeCache(t, c)}\n`);
  }
  // A flake in a git repository sees only tracked files: stage exactly what Seam generated (no commit).
  const toStage = pathsToStage(conversion.files, writes);
  const staged = noStage ? null : await stageGenerated(root, toStage, { env: io.env as NodeJS.ProcessEnv, signal });
  if (staged && 'staged' in staged && staged.staged.length)
    io.out(`Staged for git (git add, nothing committed; --no-stage to leave it to you): ${staged.staged.join(' ')}\n`);
  else if (staged && 'skipped' in staged && staged.skipped !== 'not a git repository')
    io.err(`seam convert: not staged: ${staged.skipped}\n`);
  const mustAdd = (noStage || (staged && 'skipped' in staged)) && inGitRepository(root);
  io.out(
    `Next: ${mustAdd ? `git add ${toStage.join(' ')} (a flake sees only files git tracks), then ` : ''}nix develop${cuda ? ' (cpu) or nix develop .#cuda' : ''}\n`,
  );
  if (cuda)
    io.out(
      'The CUDA binary caches in flake.nix (cache.nixos-cuda.org, cache.flox.dev) are used when you accept its settings (nix develop --accept-flake-config) or your nix.conf trusts them (README: Binary caches).\n',
    );
  return 0;
}

export async function check(args: string[], io: ProjectIo): Promise<number> {
  const flags = parseFlags('check', args, io, { json: true, switches: { '--offline': 'offline' } });
  if (typeof flags === 'number') return flags;
  const json = flags.json;
  const root = rootFrom('check', flags.positional, io);
  if (typeof root === 'number') return root;
  await recoverIfInterrupted(root, io);
  const checked = (await withPinnedFacts(root, io)).check();
  if (checked.kind === 'no-flake') {
    io.err(`seam check: ${checked.message} in ${root}; run \`seam convert\` first\n`);
    return 1;
  }
  if (checked.kind === 'no-lock') {
    io.out(
      json ? `${JSON.stringify({ ok: true, violations: [], notes: [checked.message] }, null, 2)}\n` : `seam check: ${checked.message}\n`,
    );
    return 0;
  }
  if (checked.kind === 'bad-lock') {
    io.err(`uv.lock:${checked.line}:${checked.column}: error: ${checked.message}\n`);
    return 1;
  }
  const result = checked.result;
  const violations = [...result.violations];
  const notes = [...result.notes];
  // The uv packages against Nix's versions: uv resolves them together (metadata only).
  const uv = flags.switches.has('offline') ? null : findOnPath('uv', { ...io.env, PATH: io.env.PATH ?? process.env.PATH });
  const compat: CompatResult = flags.switches.has('offline')
    ? { kind: 'unchecked', why: '--offline' }
    : uv
      ? await nixCompatibility(checked.compat, uv, runProcess, { ...process.env, ...io.env } as NodeJS.ProcessEnv)
      : { kind: 'unchecked', why: 'uv is not on PATH' };
  if (compat.kind === 'conflict')
    violations.push({
      package: '(resolution)',
      kind: 'compatibility',
      message: `the uv packages do not agree with Nix's versions: ${compat.explanation} — fix: relax the requirement uv names, or move the package to Nix ([overrides] in seam.toml)`,
    });
  else if (compat.kind === 'agrees')
    notes.push(
      `uv resolved the ${compat.pinned} locked package(s) together with Nix's versions of ${compat.nix}: they agree${compat.dropped.length ? ` (no index has Nix's ${compat.dropped.join(', ')}; not compared)` : ''}`,
    );
  else notes.push(`not compared with Nix's versions by a resolution (${compat.why})`);
  if (json)
    io.out(
      `${JSON.stringify({ ok: violations.length === 0, violations, keptOut: result.keptOut, compatibility: compat.kind, notes }, null, 2)}\n`,
    );
  else {
    for (const v of violations) io.out(`${v.message}\n`);
    for (const n of notes) io.err(`seam check: ${n}\n`);
    io.out(
      violations.length
        ? `seam check: ${violations.length} violation(s) of the Nix/uv contract\n`
        : "seam check: the contract holds: uv installs nothing Nix provides, and uv.lock agrees with Nix's versions\n",
    );
  }
  return violations.length ? 1 : 0;
}

export async function index(args: string[], io: ProjectIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'refresh') {
    io.err('seam index: the subcommand is refresh: seam index refresh [DIR] [--nixpkgs REF]\n');
    return 2;
  }
  const flags = parseFlags('index refresh', rest, io, { values: ['--nixpkgs'] });
  if (typeof flags === 'number') return flags;
  let ref = flags.values['--nixpkgs'];
  const root = rootFrom('index refresh', flags.positional, io);
  if (typeof root === 'number') return root;
  await recoverIfInterrupted(root, io);
  ref ??= openProject(root, { env: io.env }).config.nixpkgs;
  if (!ref) {
    io.err('seam index refresh: name a nixpkgs with --nixpkgs (a flake reference or a path)\n');
    return 2;
  }
  if (/^(\.{1,2}\/|\/)/.test(ref)) ref = nodePath.resolve(io.cwd, ref);
  let json: string;
  try {
    const r = await runProcess(nixOf(io), [...NIX_FLAGS, 'eval', '--json', '--impure', '--expr', refreshExpression(ref, refreshNames())], {
      cwd: root,
      env: io.env as NodeJS.ProcessEnv,
      timeoutMs: 30 * 60_000,
      onStderr: (l) => io.err(`nix: ${l}\n`),
    });
    if (r.code !== 0) {
      const why =
        r.stderr
          .split('\n')
          .find((l) => /^error:/.test(l.trim()))
          ?.trim() ?? `nix exited with ${r.code}`;
      io.err(`seam index refresh: nix eval of ${ref} failed: ${why}\n`);
      return 1;
    }
    json = r.stdout;
  } catch (e) {
    io.err(
      (e as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'seam index refresh: nix is not installed\n'
        : `seam index refresh: ${errorMessage(e)}\n`,
    );
    return 1;
  }
  const result = JSON.parse(json) as RefreshResult;
  const data = mergeRefresh(result, ref);
  let out: string;
  try {
    out = nodePath.join(seamDir(root), 'index.json'); // a real folder inside the project, never a link out of it
  } catch (e) {
    io.err(`seam index refresh: ${errorMessage(e)}\n`);
    return 1;
  }
  const tmp = `${out}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(data)}\n`);
  fs.renameSync(tmp, out);
  const versions = Object.values(result.python).filter((p) => p.version).length;
  io.out(
    `seam index refresh: ${ref}${result.revision ? ` at ${result.revision}` : ''}: ${result.attrs.length} python3Packages attributes, ${versions} versions, CUDA sets ${data.cuda.sets.join(', ')} (default ${data.cuda.default}) → ${INDEX_PATH}\n`,
  );
  return 0;
}
