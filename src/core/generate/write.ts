/**
 * Writing what Seam generates, all or nothing. Every file is first written to a temporary folder
 * inside the project (same filesystem, so renames are atomic), read back and checked; only then
 * is each renamed into place, with the file it replaces kept aside until the end. If anything
 * fails or is cancelled on the way, every file is put back: the workspace is exactly as it was.
 *
 * Ownership (text/signature.ts): Seam's own file is replaced freely; its file edited by hand and a
 * user's file are never replaced without `force`, and then a copy goes to .seam/backup/ first.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { ownership, sign } from '../text/signature';

export { type Ownership, ownership, sign } from '../text/signature';

/** How a generated file may land: replace a Seam file, write once (seam.toml), add a marked block, or (asked for explicitly) edit a user's file, keeping a copy. */
export type WriteMode = 'generated' | 'once' | 'block' | 'edit';

export interface GeneratedFile {
  /** Relative to the project root, with `/`. */
  path: string;
  content: string;
  mode: WriteMode;
}

export interface PlannedWrite {
  path: string;
  action: 'create' | 'replace' | 'unchanged' | 'keep' | 'blocked';
  /** Why it is kept or blocked. */
  note?: string;
  before: string | null;
  after: string;
  backup: boolean;
}

const BLOCK_START = '# >>> seam (generated; `seam convert` rewrites this block)';
const BLOCK_END = '# <<< seam';

/** The text with Seam's block (re)placed: other lines are kept byte for byte. */
export function withBlock(existing: string | null, block: string): string {
  const body = `${BLOCK_START}\n${block.endsWith('\n') ? block : `${block}\n`}${BLOCK_END}\n`;
  if (existing === null || existing === '') return body;
  const start = existing.indexOf(BLOCK_START);
  const end = existing.indexOf(BLOCK_END, start);
  if (start >= 0 && end > start) return existing.slice(0, start) + body + existing.slice(end + BLOCK_END.length).replace(/^\n/, '');
  return `${existing}${existing.endsWith('\n') ? '' : '\n'}\n${body}`;
}

function readOrNull(path: string): string | null {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** What writing `files` would do, without touching anything. */
export function planWrites(root: string, files: GeneratedFile[], force: boolean): PlannedWrite[] {
  return files.map((f) => {
    const before = readOrNull(nodePath.join(root, f.path));
    if (f.mode === 'block') {
      const after = withBlock(before, f.content);
      return {
        path: f.path,
        action: before === null ? 'create' : after === before ? 'unchanged' : 'replace',
        before,
        after,
        backup: false,
      };
    }
    if (f.mode === 'edit') {
      if (before === f.content) return { path: f.path, action: 'unchanged', before, after: f.content, backup: false };
      return {
        path: f.path,
        action: 'replace',
        note: "your file: only Seam's marked block changes; the old one is in .seam/backup/",
        before,
        after: f.content,
        backup: true,
      };
    }
    if (f.mode === 'once') {
      if (before !== null)
        return {
          path: f.path,
          action: 'keep',
          note: 'yours now: Seam reads it and leaves it as it is',
          before,
          after: before,
          backup: false,
        };
      return { path: f.path, action: 'create', before, after: f.content, backup: false };
    }
    const after = sign(f.content);
    const owner = ownership(before);
    if (owner === 'missing') return { path: f.path, action: 'create', before, after, backup: false };
    if (before === after) return { path: f.path, action: 'unchanged', before, after, backup: false };
    if (owner === 'seam') return { path: f.path, action: 'replace', before, after, backup: false };
    const why = owner === 'edited' ? 'Seam generated it, but it was edited by hand since' : 'Seam did not write it';
    if (!force)
      return {
        path: f.path,
        action: 'blocked',
        note: `${why}; run with --force to replace it (a copy goes to .seam/backup/)`,
        before,
        after,
        backup: false,
      };
    return {
      path: f.path,
      action: 'replace',
      note: `${why}; replaced (--force), the old one is in .seam/backup/`,
      before,
      after,
      backup: true,
    };
  });
}

export interface ApplyOptions {
  /** Called before each rename; throwing aborts and restores everything (tests inject failures here; the editor cancels here). */
  beforeRename?: (path: string, index: number) => void;
  /** Checks a staged file's text before anything is renamed (e.g. `nix-instantiate --parse`). */
  check?: (path: string, stagedPath: string) => void;
}

/** Writes the planned changes all-or-nothing. Throws (with the workspace restored) on failure; refuses if any write is blocked. */
export function applyWrites(root: string, writes: PlannedWrite[], options: ApplyOptions = {}): void {
  const blocked = writes.filter((w) => w.action === 'blocked');
  if (blocked.length) throw new Error(`not written: ${blocked.map((b) => `${b.path} (${b.note})`).join('; ')}`);
  const todo = writes.filter((w) => w.action === 'create' || w.action === 'replace');
  if (!todo.length) return;
  const stage = fs.mkdtempSync(nodePath.join(root, '.seam-write-'));
  const moved: { target: string; aside: string }[] = [];
  const created: string[] = [];
  const madeDirs: string[] = [];
  try {
    todo.forEach((w, i) => {
      const staged = nodePath.join(stage, `new-${i}`);
      fs.writeFileSync(staged, w.after);
      if (fs.readFileSync(staged, 'utf8') !== w.after) throw new Error(`${w.path}: the staged copy does not read back the same`);
      options.check?.(w.path, staged);
    });
    const backups = todo.filter((w) => w.backup);
    if (backups.length) {
      const dir = nodePath.join(root, '.seam', 'backup');
      for (const d of [nodePath.join(root, '.seam'), dir])
        if (!fs.existsSync(d)) {
          fs.mkdirSync(d);
          madeDirs.unshift(d);
        }
      for (const w of backups) {
        const copy = uniqueBackup(dir, w.path);
        fs.writeFileSync(copy, w.before ?? '');
        created.push(copy);
      }
    }
    todo.forEach((w, i) => {
      options.beforeRename?.(w.path, i);
      const target = nodePath.join(root, w.path);
      const parent = nodePath.dirname(target);
      if (!fs.existsSync(parent)) {
        fs.mkdirSync(parent, { recursive: true });
        madeDirs.unshift(parent);
      }
      if (w.before !== null) {
        const aside = nodePath.join(stage, `old-${i}`);
        fs.renameSync(target, aside);
        moved.push({ target, aside });
      }
      fs.renameSync(nodePath.join(stage, `new-${i}`), target);
      created.push(target);
      if (w.before !== null) fs.chmodSync(target, fs.statSync(moved[moved.length - 1].aside).mode);
    });
  } catch (e) {
    for (const c of created.reverse()) fs.rmSync(c, { force: true });
    for (const m of moved.reverse()) fs.renameSync(m.aside, m.target);
    for (const d of madeDirs) fs.rmSync(d, { recursive: true, force: true });
    fs.rmSync(stage, { recursive: true, force: true });
    throw e;
  }
  fs.rmSync(stage, { recursive: true, force: true });
}

function uniqueBackup(dir: string, rel: string): string {
  const base = rel.replace(/[\\/]/g, '__');
  for (let n = 1; ; n++) {
    const p = nodePath.join(dir, n === 1 ? base : `${base}.${n}`);
    if (!fs.existsSync(p)) return p;
  }
}

/** A unified diff of one planned write, for `--dry-run` (whole-file hunks; enough to review). */
export function diffWrite(w: PlannedWrite): string {
  if (w.action === 'unchanged' || w.action === 'keep') return '';
  const a = w.before === null ? [] : w.before.split('\n');
  const b = w.after.split('\n');
  if (a[a.length - 1] === '') a.pop();
  if (b[b.length - 1] === '') b.pop();
  // Trim the common head and tail, then show the middle with 3 lines of context.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const from = Math.max(0, head - 3);
  const aEnd = Math.min(a.length, a.length - tail + 3);
  const bEnd = Math.min(b.length, b.length - tail + 3);
  const lines = [
    `--- ${w.before === null ? '/dev/null' : `a/${w.path}`}`,
    `+++ b/${w.path}`,
    `@@ -${a.length ? from + 1 : 0},${aEnd - from} +${b.length ? from + 1 : 0},${bEnd - from} @@`,
  ];
  for (let i = from; i < head; i++) lines.push(` ${a[i]}`);
  for (let i = head; i < a.length - tail; i++) lines.push(`-${a[i]}`);
  for (let i = head; i < b.length - tail; i++) lines.push(`+${b[i]}`);
  for (let i = a.length - tail; i < aEnd; i++) lines.push(` ${a[i]}`);
  return `${lines.join('\n')}\n`;
}
