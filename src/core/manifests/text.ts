/**
 * Reading a user's file safely: size limit, binary detection, UTF-8 with BOM and CRLF,
 * non-UTF-8 bytes located by line. Nothing here ever writes.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { errorMessage, type Problem, SeamError } from '../errors';

/** Files larger than this are refused: no manifest is anywhere near it. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface TextFile {
  path: string;
  text: string;
  problems: Problem[];
}

/** Unsaved editor text by path (the language server's open documents), read instead of the disk. */
let overlay: ((path: string) => string | undefined) | undefined;

/**
 * The folders Seam may read under (the project, and paths seam.toml allows), as real paths. While
 * one is set, a file outside them (after symlinks) is never read: `readTextFile` throws
 * OutsideProject, and nothing of its content reaches a message or a generated file.
 */
let boundary: string[] | undefined;

/** Thrown for a file outside the project: its content is never read. */
export class OutsideProject extends SeamError {
  constructor(
    path: string,
    readonly real: string,
  ) {
    super(
      `${real === path ? path : `${path} (${real})`} is outside the project: Seam reads no file outside the project folder; to read it, allow its folder in seam.toml ([paths] allow = ["…"])`,
      undefined,
      path,
      1,
    );
    this.name = 'OutsideProject';
  }
}

function realOrResolved(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    // Not there (yet): its folder decides.
    const dir = nodePath.dirname(p);
    return dir === p ? p : nodePath.join(realOrResolved(dir), nodePath.basename(p));
  }
}

/** The real path of `path` when it lies outside the boundary, else null (also when no boundary is set). */
export function outsideBoundary(path: string): string | null {
  if (!boundary) return null;
  const real = realOrResolved(nodePath.resolve(path));
  return boundary.some((b) => real === b || real.startsWith(b.endsWith(nodePath.sep) ? b : `${b}${nodePath.sep}`)) ? null : real;
}

/** Runs `fn` reading only under `folders` (see `boundary`). */
export function withBoundary<T>(folders: string[], fn: () => T): T {
  const previous = boundary;
  boundary = folders.map((f) => realOrResolved(nodePath.resolve(f)));
  try {
    return fn();
  } finally {
    boundary = previous;
  }
}

/** Runs `fn` with `texts` standing in for the files at those paths. */
export function withOverlay<T>(texts: (path: string) => string | undefined, fn: () => T): T {
  const previous = overlay;
  overlay = texts;
  try {
    return fn();
  } finally {
    overlay = previous;
  }
}

/** The text at `path` (an unsaved editor text first), or null when it cannot be read; never throws. */
export function peekText(path: string, maxBytes = MAX_MANIFEST_BYTES): string | null {
  if (outsideBoundary(path)) return null;
  const open = overlay?.(path);
  if (open !== undefined) return open;
  try {
    return fs.statSync(path).size > maxBytes ? null : fs.readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The first `bytes` bytes at `path` as text (an unsaved editor text first), or null; never throws. */
export function peekHead(path: string, bytes = 512): string | null {
  const open = overlay?.(path);
  if (open !== undefined) return open.slice(0, bytes);
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, 'r');
    const buf = Buffer.alloc(bytes);
    return buf.subarray(0, fs.readSync(fd, buf, 0, bytes, 0)).toString('utf8');
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Reads `path` as text. Throws SeamError (with path and line) when it cannot be read at all. */
export function readTextFile(path: string, maxBytes = MAX_MANIFEST_BYTES): TextFile {
  const outside = outsideBoundary(path);
  if (outside) throw new OutsideProject(path, outside);
  const open = overlay?.(path);
  if (open !== undefined) {
    if (Buffer.byteLength(open) > maxBytes)
      throw new SeamError(
        `file is ${formatBytes(Buffer.byteLength(open))}, over Seam's limit of ${formatBytes(maxBytes)} for a manifest; not read`,
        undefined,
        path,
        1,
      );
    return decodeText(path, Buffer.from(open, 'utf8'));
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch (e) {
    throw new SeamError(describeFsError(e, path), undefined, path, 1);
  }
  if (stat.isDirectory()) throw new SeamError('is a folder, not a file', undefined, path, 1);
  if (!stat.isFile()) throw new SeamError('is not a regular file', undefined, path, 1);
  if (stat.size > maxBytes) {
    throw new SeamError(
      `file is ${formatBytes(stat.size)}, over Seam's limit of ${formatBytes(maxBytes)} for a manifest; not read`,
      undefined,
      path,
      1,
    );
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new SeamError(describeFsError(e, path), undefined, path, 1);
  }
  return decodeText(path, bytes);
}

export function decodeText(path: string, bytes: Uint8Array): TextFile {
  const problems: Problem[] = [];
  const nul = bytes.subarray(0, 8192).indexOf(0);
  if (nul >= 0) {
    if (bytes[0] === 0xff && bytes[1] === 0xfe) throw new SeamError('file is UTF-16 encoded; save it as UTF-8', undefined, path, 1);
    if (bytes[0] === 0xfe && bytes[1] === 0xff) throw new SeamError('file is UTF-16 encoded; save it as UTF-8', undefined, path, 1);
    const { line } = lineOf(bytes, nul);
    throw new SeamError(`binary file (a NUL byte on line ${line}); not a text manifest`, undefined, path, line);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const { line, column } = lineOf(bytes, bad);
    problems.push({
      path,
      line,
      column,
      severity: 'error',
      code: 'file/not-utf8',
      message: `byte 0x${bytes[bad].toString(16).padStart(2, '0')} is not valid UTF-8; the file was read with the bad bytes replaced`,
    });
    text = new TextDecoder('utf-8').decode(bytes);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { path, text, problems };
}

/** Splits text into lines, accepting \n, \r\n and lone \r. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const n = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= bytes.length || (bytes[i + k] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return Math.max(0, bytes.length - 1);
}

function lineOf(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

function describeFsError(e: unknown, path: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'too many symbolic links';
  return `cannot read ${path}: ${errorMessage(e)}`;
}

/** Maps offsets in a text to 1-based line/column. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.starts.push(i + 1);
    }
  }
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1 };
  }
}
