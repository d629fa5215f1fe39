/**
 * Landing generated files so that nothing is ever lost, whatever happens: a kill at any instant,
 * Ctrl-C, two windows converting at once.
 *
 * - One writer per project: `.seam/lock` (created exclusively; holds pid, host, command and time).
 *   A second writer waits for it, then refuses with who holds it; a lock whose process is gone is
 *   taken over.
 * - A journal: the new files are staged in `.seam-write-*` (same filesystem) and read back; then
 *   `.seam/journal.json` records every file about to move, and only then is each replaced file
 *   renamed aside into the stage and each new one renamed into place; then the journal says
 *   `committed`, the stage is removed, and the journal last.
 * - Recovery (`recover`, run by every Seam command that writes, under the lock, before anything
 *   else): a journal still `applying` is rolled back — every file moved aside goes back, every new
 *   file goes away, the backups it made too — and one `committed` is finished; stages and journal
 *   scraps without a journal are removed. So the folder is exactly the old state or exactly the new.
 * - `.seam` is a real folder inside the project: Seam never writes through a link that leaves it.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { SeamError } from '../errors';

export const SEAM_DIR = '.seam';
const JOURNAL = nodePath.join(SEAM_DIR, 'journal.json');
const LOCK = nodePath.join(SEAM_DIR, 'lock');
export const STAGE_PREFIX = '.seam-write-';

/** Thrown when another Seam holds the project's lock for longer than we wait. */
export class ProjectBusy extends SeamError {
  constructor(readonly holder: LockInfo) {
    super(
      `another Seam is writing this project (${holder.what}, pid ${holder.pid}${holder.host === os.hostname() ? '' : ` on ${holder.host}`}, since ${holder.since}); Seam waited for it and did not write — try again when it has finished (the lock is ${LOCK})`,
    );
    this.name = 'ProjectBusy';
  }
}

interface LockInfo {
  pid: number;
  host: string;
  what: string;
  since: string;
  token: string;
}

/** Hooks around every filesystem step (tests: a kill after step k, a delay to widen races). */
export interface StepHooks {
  step?: (what: string) => void | Promise<void>;
}

/** `.seam`, a real folder inside the project (made when missing). Throws SeamError when it is a link or a file. */
export function seamDir(root: string): string {
  const dir = nodePath.join(root, SEAM_DIR);
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(dir);
  } catch {
    try {
      fs.mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      return seamDir(root); // another Seam made it just now
    }
  }
  if (st.isSymbolicLink())
    throw new SeamError(
      `${SEAM_DIR} is a link (to ${safeReadlink(dir)}): Seam keeps its lock, journal and backups only in a real folder inside the project; remove the link`,
    );
  if (!st.isDirectory())
    throw new SeamError(`${SEAM_DIR} is a file, not a folder: Seam keeps its lock, journal and backups there; move the file away`);
  return dir;
}

function safeReadlink(p: string): string {
  try {
    return fs.readlinkSync(p);
  } catch {
    return '?';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | null {
  try {
    return JSON.parse(fs.readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    return null;
  }
}

/**
 * Runs `fn` holding the project's lock. Waits up to `waitMs` for another writer (a lock left by a
 * process that is gone is taken over), then throws ProjectBusy. The lock goes when `fn` settles.
 */
export async function withProjectLock<T>(root: string, what: string, fn: () => Promise<T>, options: { waitMs?: number } = {}): Promise<T> {
  seamDir(root);
  const path = nodePath.join(root, LOCK);
  const mine: LockInfo = {
    pid: process.pid,
    host: os.hostname(),
    what,
    since: new Date().toISOString(),
    token: crypto.randomBytes(8).toString('hex'),
  };
  const deadline = Date.now() + (options.waitMs ?? 30_000);
  for (;;) {
    try {
      const fd = fs.openSync(path, 'wx');
      fs.writeSync(fd, JSON.stringify(mine));
      fs.closeSync(fd);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        seamDir(root); // the last holder removed the empty .seam it had made
        continue;
      }
      if (code !== 'EEXIST') throw e;
    }
    const holder = readLock(path);
    if (holder && holder.host === os.hostname() && !alive(holder.pid)) {
      // Left by a Seam that was killed: take it over (renaming it away first, so that two takers cannot both win).
      const aside = `${path}.stale-${process.pid}`;
      try {
        fs.renameSync(path, aside);
        fs.rmSync(aside, { force: true });
      } catch {
        /* someone else took it over first */
      }
      continue;
    }
    if (Date.now() > deadline) throw new ProjectBusy(holder ?? { pid: 0, host: '?', what: 'unknown', since: '?', token: '' });
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    return await fn();
  } finally {
    if (readLock(path)?.token === mine.token) fs.rmSync(path, { force: true });
    // An empty .seam goes again (the lock made it): a write that fails or changes nothing leaves the folder as it was.
    try {
      fs.rmdirSync(nodePath.join(root, SEAM_DIR));
    } catch {
      /* not empty: backups, the index, another writer's lock */
    }
  }
}

interface JournalFile {
  /** Relative to the root. */
  path: string;
  /** Whether a file was there before (it is moved aside to `<stage>/old-<i>`). */
  existed: boolean;
  /** sha256 of the new content (a new file is removed on rollback only when it is still ours). */
  sha256: string;
}

interface Journal {
  version: 1;
  state: 'applying' | 'committed';
  /** The stage folder's name (in the root). */
  stage: string;
  files: JournalFile[];
  /** Backups this write makes (relative paths under .seam/backup). */
  backups: string[];
  /** Folders this write made, deepest first (removed on rollback when empty). */
  dirs: string[];
}

const sha256 = (s: string | Buffer) => crypto.createHash('sha256').update(s).digest('hex');

function writeJournal(root: string, journal: Journal): void {
  const path = nodePath.join(root, JOURNAL);
  const tmp = `${path}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  fs.writeSync(fd, JSON.stringify(journal));
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, path);
  try {
    const dir = fs.openSync(nodePath.dirname(path), 'r');
    fs.fsyncSync(dir);
    fs.closeSync(dir);
  } catch {
    /* a filesystem that cannot sync a folder */
  }
}

/** Whether an interrupted Seam left something in `root` (a journal, a stage): two reads, no lock. */
export function needsRecovery(root: string): boolean {
  return fs.existsSync(nodePath.join(root, JOURNAL)) || safeReaddir(root).some((n) => n.startsWith(STAGE_PREFIX));
}

export interface Recovery {
  /** 'rolled-back': an interrupted write was undone; 'completed': a finished one was cleaned up; 'cleaned': only scraps removed. */
  kind: 'rolled-back' | 'completed' | 'cleaned';
  /** Files put back (rolled-back) or the stages removed (cleaned). */
  paths: string[];
}

/**
 * Finishes what an interrupted Seam left: rolls an `applying` journal back, completes a
 * `committed` one, removes stages and journal scraps nobody owns. Call it holding the lock.
 * Returns null when there was nothing to do.
 */
export function recover(root: string): Recovery | null {
  const path = nodePath.join(root, JOURNAL);
  let journal: Journal | null = null;
  try {
    journal = JSON.parse(fs.readFileSync(path, 'utf8')) as Journal;
  } catch {
    // None (or, were it ever unreadable, one that never took effect: it is written aside, then renamed into place).
  }
  const scraps = () => {
    const removed: string[] = [];
    for (const name of safeReaddir(root)) {
      if (!name.startsWith(STAGE_PREFIX)) continue;
      fs.rmSync(nodePath.join(root, name), { recursive: true, force: true });
      removed.push(name);
    }
    fs.rmSync(`${path}.tmp`, { force: true });
    return removed;
  };
  if (!journal) {
    const removed = scraps();
    return removed.length ? { kind: 'cleaned', paths: removed } : null;
  }
  const stage = nodePath.join(root, journal.stage);
  if (journal.state === 'committed') {
    fs.rmSync(stage, { recursive: true, force: true });
    fs.rmSync(path, { force: true });
    scraps();
    return { kind: 'completed', paths: journal.files.map((f) => f.path) };
  }
  const restored: string[] = [];
  for (const [i, f] of [...journal.files.entries()].reverse()) {
    const target = nodePath.join(root, f.path);
    const aside = nodePath.join(stage, `old-${i}`);
    if (f.existed && fs.existsSync(aside)) {
      fs.renameSync(aside, target); // over the new file, if it got there
      restored.push(f.path);
    } else if (!f.existed) {
      try {
        if (sha256(fs.readFileSync(target)) === f.sha256) fs.rmSync(target);
      } catch {
        /* not there: never moved in */
      }
    }
  }
  for (const b of journal.backups) fs.rmSync(nodePath.join(root, b), { force: true });
  for (const d of journal.dirs) {
    try {
      fs.rmdirSync(nodePath.join(root, d));
    } catch {
      /* not empty or gone */
    }
  }
  fs.rmSync(stage, { recursive: true, force: true });
  fs.rmSync(path, { force: true });
  scraps();
  return { kind: 'rolled-back', paths: restored };
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

export interface Landing {
  path: string;
  /** The content to land. */
  after: string;
  /** What must be there now for the write to go ahead (null: nothing). */
  before: string | null;
  /** Keep a copy of what is there in .seam/backup/ first. */
  backup: boolean;
}

/** Thrown to stop a write; everything it did is undone first. */
export class WriteStopped extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WriteStopped';
  }
}

/**
 * Lands `files` all-or-nothing (see the module comment). Call it holding the lock, after
 * `recover`. A `signal` that aborts (Ctrl-C, the editor's Cancel) stops it between two steps and
 * rolls back; any failure rolls back; either way the error is rethrown.
 */
export interface LandOptions {
  signal?: AbortSignal;
  hooks?: StepHooks;
  /** Checks a staged file before anything moves; throwing stops the write. */
  check?: (path: string, staged: string) => void | Promise<void>;
  /** Called before each file is moved into place (progress; throwing stops and rolls back). */
  beforeRename?: (path: string, index: number) => void;
}

export async function land(root: string, files: Landing[], options: LandOptions = {}): Promise<void> {
  if (!files.length) return;
  const step = async (what: string) => {
    await options.hooks?.step?.(what);
    // Let a signal handler run (Ctrl-C), then honour it.
    await new Promise((r) => setImmediate(r));
    if (options.signal?.aborted) throw new WriteStopped('stopped before it finished; every file was put back');
  };
  for (const f of files) {
    const now = readIfFile(nodePath.join(root, f.path));
    if (now !== f.before) throw new WriteStopped(`${f.path} changed since Seam planned this write; nothing was written — run it again`);
  }
  const stageDir = fs.mkdtempSync(nodePath.join(root, STAGE_PREFIX));
  const journal: Journal = { version: 1, state: 'applying', stage: nodePath.basename(stageDir), files: [], backups: [], dirs: [] };
  let journaled = false;
  try {
    await step('stage');
    for (const [i, f] of files.entries()) {
      const staged = nodePath.join(stageDir, `new-${i}`);
      fs.writeFileSync(staged, f.after);
      if (fs.readFileSync(staged, 'utf8') !== f.after) throw new Error(`${f.path}: the staged copy does not read back the same`);
      await options.check?.(f.path, staged);
      journal.files.push({ path: f.path, existed: f.before !== null, sha256: sha256(f.after) });
      await step(`staged ${f.path}`);
    }
    const backupDir = nodePath.join(seamDir(root), 'backup');
    const backups = files.filter((f) => f.backup && f.before !== null);
    if (backups.length && !fs.existsSync(backupDir)) journal.dirs.push(nodePath.relative(root, backupDir));
    for (const f of backups) journal.backups.push(nodePath.relative(root, uniqueBackup(backupDir, f.path)));
    for (const f of files) {
      for (let d = nodePath.dirname(nodePath.join(root, f.path)); d !== root && !fs.existsSync(d); d = nodePath.dirname(d))
        journal.dirs.push(nodePath.relative(root, d));
    }
    writeJournal(root, journal);
    journaled = true;
    await step('journal');
    if (backups.length) {
      if (!fs.existsSync(backupDir)) fs.mkdirSync(backupDir);
      for (const [k, f] of backups.entries()) {
        fs.writeFileSync(nodePath.join(root, journal.backups[k]), f.before ?? '', { flag: 'wx' });
        await step(`backup ${f.path}`);
      }
    }
    for (const [i, f] of files.entries()) {
      options.beforeRename?.(f.path, i);
      const target = nodePath.join(root, f.path);
      fs.mkdirSync(nodePath.dirname(target), { recursive: true });
      let mode: number | undefined;
      if (f.before !== null) {
        mode = fs.statSync(target).mode;
        fs.renameSync(target, nodePath.join(stageDir, `old-${i}`));
        await step(`aside ${f.path}`);
      }
      fs.renameSync(nodePath.join(stageDir, `new-${i}`), target);
      if (mode !== undefined) fs.chmodSync(target, mode);
      await step(`placed ${f.path}`);
    }
    journal.state = 'committed';
    writeJournal(root, journal);
  } catch (e) {
    if (journaled) recover(root);
    else fs.rmSync(stageDir, { recursive: true, force: true });
    throw e;
  }
  // Committed: what follows only tidies up, and recovery finishes it after a kill.
  await options.hooks?.step?.('committed');
  recover(root);
}

function readIfFile(path: string): string | null {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function uniqueBackup(dir: string, rel: string): string {
  const base = rel.replace(/[\\/]/g, '__');
  for (let n = 1; ; n++) {
    const p = nodePath.join(dir, n === 1 ? base : `${base}.${n}`);
    if (!fs.existsSync(p)) return p;
  }
}

/**
 * Test hooks from the environment, for the crash and race tests that run Seam as a process:
 * SEAM_TEST_KILL_AT=k kills the process (SIGKILL) right after its k-th write step;
 * SEAM_TEST_STEP_DELAY_MS=n sleeps n ms after every step. Unset, they do nothing.
 */
export function stepHooksFromEnv(env: Record<string, string | undefined>): StepHooks | undefined {
  const killAt = Number(env.SEAM_TEST_KILL_AT ?? 0);
  const delay = Number(env.SEAM_TEST_STEP_DELAY_MS ?? 0);
  if (!killAt && !delay) return undefined;
  let n = 0;
  return {
    step: async () => {
      n++;
      if (killAt && n === killAt) process.kill(process.pid, 'SIGKILL');
      if (delay) await new Promise((r) => setTimeout(r, delay));
    },
  };
}
