/**
 * What Seam generates, planned against what is on disk (create, replace, keep, blocked, with a diff),
 * then written all or nothing by the journaled, locked transaction in transaction.ts: after a
 * failure, a cancel or a kill at any instant the project is exactly as it was, or exactly as
 * planned.
 *
 * Ownership (text/signature.ts): Seam's own file is replaced freely; its file edited by hand and a
 * user's file are never replaced without `force`, and then a copy goes to .seam/backup/ first.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { ownership, sign } from '../text/signature';
import { type Landing, type LandOptions, land, recover, withProjectLock } from './transaction';

export { type Ownership, ownership, sign } from '../text/signature';

/** How a generated file may land: replace a Seam file, write once (seam.toml), add a marked block, or (asked for explicitly) edit a user's file, keeping a copy. */
export type WriteMode = 'generated' | 'once' | 'block' | 'edit';

export interface GeneratedFile {
  /** Relative to the project root, with `/`. */
  path: string;
  content: string;
  mode: WriteMode;
  /** For Seam's file edited since: the edits are carried into `content` (uv add's dependencies), so it is replaced, with this note. */
  adopts?: string;
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

/** What is at a target path: nothing, a file (read), a folder, or a link (followed only when it stays inside the project). */
type Existing = { kind: 'missing' } | { kind: 'file'; text: string; path: string } | { kind: 'folder' } | { kind: 'link-out'; to: string };

function inspect(root: string, rel: string): Existing {
  const full = nodePath.join(root, rel);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(full);
  } catch {
    return { kind: 'missing' };
  }
  if (st.isDirectory()) return { kind: 'folder' };
  if (st.isSymbolicLink()) {
    let real: string;
    try {
      real = fs.realpathSync(full);
    } catch {
      return { kind: 'link-out', to: `${safeReadlink(full)} (which does not exist)` };
    }
    const inside = nodePath.relative(fs.realpathSync(root), real);
    if (inside.startsWith('..') || nodePath.isAbsolute(inside)) return { kind: 'link-out', to: real };
    if (!fs.statSync(real).isFile()) return { kind: 'folder' };
    // A link inside the project: Seam writes the file it points to and keeps the link.
    return { kind: 'file', text: fs.readFileSync(real, 'utf8'), path: inside.split(nodePath.sep).join('/') };
  }
  if (!st.isFile()) return { kind: 'folder' };
  return { kind: 'file', text: fs.readFileSync(full, 'utf8'), path: rel };
}

function safeReadlink(p: string): string {
  try {
    return fs.readlinkSync(p);
  } catch {
    return '?';
  }
}

/** What writing `files` would do, without touching anything. */
export function planWrites(root: string, files: GeneratedFile[], force: boolean): PlannedWrite[] {
  return files.map((original) => {
    const existing = inspect(root, original.path);
    if (existing.kind === 'folder')
      return {
        path: original.path,
        action: 'blocked',
        note: 'a folder has this name: Seam writes a file here; move the folder away',
        before: null,
        after: original.content,
        backup: false,
      };
    if (existing.kind === 'link-out') {
      // Never written through, never copied into the project: .gitignore is simply left alone.
      const note = `a link to ${existing.to}, outside the project: Seam neither writes through it nor copies it`;
      return original.mode === 'block'
        ? {
            path: original.path,
            action: 'keep',
            note: `${note}; add Seam's lines (.venv/, .seam/) yourself`,
            before: null,
            after: '',
            backup: false,
          }
        : {
            path: original.path,
            action: 'blocked',
            note: `${note}; remove the link`,
            before: null,
            after: original.content,
            backup: false,
          };
    }
    const f = existing.kind === 'file' ? { ...original, path: existing.path } : original;
    const before = existing.kind === 'file' ? existing.text : null;
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
    if (owner === 'edited' && f.adopts) return { path: f.path, action: 'replace', note: f.adopts, before, after, backup: false };
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

export type ApplyOptions = LandOptions & {
  /** How long to wait for another Seam writing this project (default 30 s). */
  lockWaitMs?: number;
};

/** The writes that change something, as the transaction lands them. */
export function landings(writes: PlannedWrite[]): Landing[] {
  return writes
    .filter((w) => w.action === 'create' || w.action === 'replace')
    .map((w) => ({ path: w.path, after: w.after, before: w.before, backup: w.backup }));
}

/**
 * Writes the planned changes all-or-nothing, holding the project's lock, after finishing whatever
 * an interrupted Seam left (transaction.ts). Throws (with the project as it was) on failure or
 * cancel; refuses if any write is blocked.
 */
export async function applyWrites(root: string, writes: PlannedWrite[], options: ApplyOptions = {}): Promise<void> {
  const blocked = writes.filter((w) => w.action === 'blocked');
  if (blocked.length) throw new Error(`not written: ${blocked.map((b) => `${b.path} (${b.note})`).join('; ')}`);
  const todo = landings(writes);
  if (!todo.length) return;
  await withProjectLock(
    root,
    'seam convert',
    async () => {
      recover(root);
      await land(root, todo, options);
    },
    { waitMs: options.lockWaitMs },
  );
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
