/**
 * pip requirements files, read the way pip reads them (pip/_internal/req/req_file.py):
 * continuation lines are joined, comments dropped, `${VAR}` expanded, then each line is
 * either options (-r, -c, -e, --index-url, …) or a requirement with per-requirement options.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { type Problem, SeamError, type Severity } from '../errors';
import { emptyManifest, type Manifest, type Requirement, type Scope, type SourceLocation } from '../model/manifest';
import { normalizeName } from '../model/names';
import { parseRequirement } from '../model/pep508';
import { isSigned } from '../text/signature';
import { type SplitError, shlexSplit } from './shlex';
import { OutsideProject, outsideBoundary, readTextFile, splitLines } from './text';

export const MAX_INCLUDE_DEPTH = 32;

/** One logical line: its text and a map from offsets in that text back to the file. */
export interface LogicalLine {
  text: string;
  path: string;
  locate(offset: number): { line: number; column: number };
}

export interface RequirementsOptions {
  /** Values for `${VAR}` references; pip uses the process environment. Default: none (left as written). */
  env?: Record<string, string | undefined>;
}

interface Context {
  manifest: Manifest;
  env: Record<string, string | undefined>;
  /** Real paths of the files being read, outermost first, to find cycles. */
  stack: string[];
  seen: Set<string>;
}

/** Reads a requirements file and every file it includes. Never throws for bad content. */
export function readRequirementsFile(path: string, options: RequirementsOptions = {}): Manifest {
  const manifest = emptyManifest(path, 'requirements');
  manifest.files = [];
  const ctx: Context = { manifest, env: options.env ?? {}, stack: [], seen: new Set() };
  readInto(ctx, path, { kind: 'main' }, undefined);
  return manifest;
}

/** Reads requirement lines that live inside another file (conda's `pip:` section). */
export function readRequirementLines(manifest: Manifest, lines: LogicalLine[], baseDir: string, options: RequirementsOptions = {}): void {
  const ctx: Context = {
    manifest,
    env: options.env ?? {},
    stack: [safeRealpath(manifest.path)],
    seen: new Set([safeRealpath(manifest.path)]),
  };
  for (const line of lines) handleLine(ctx, line, baseDir, { kind: 'main' });
}

function readInto(ctx: Context, path: string, scope: Scope, includedFrom: { line: LogicalLine; offset: number } | undefined): void {
  const real = safeRealpath(path);
  const report = (message: string, code: string) => {
    if (includedFrom) addProblem(ctx.manifest, includedFrom.line, includedFrom.offset, 'error', code, message);
    else ctx.manifest.problems.push({ path, line: 1, column: 1, severity: 'error', code, message });
  };
  if (ctx.stack.includes(real)) {
    const chain = [...ctx.stack.slice(ctx.stack.indexOf(real)), real].map((p) => nodePath.basename(p)).join(' → ');
    report(`include cycle: ${chain}; the file is not read again`, 'pip/include-cycle');
    return;
  }
  if (ctx.stack.length >= MAX_INCLUDE_DEPTH) {
    report(`includes are nested more than ${MAX_INCLUDE_DEPTH} deep; '${path}' is not read`, 'pip/include-depth');
    return;
  }
  if (ctx.seen.has(real)) return; // Already read through another include: its requirements are in the model once.
  let text: string;
  try {
    const file = readTextFile(path);
    ctx.manifest.problems.push(...file.problems);
    text = file.text;
  } catch (e) {
    if (!(e instanceof SeamError)) throw e;
    const where = includedFrom ? `'${path}': ` : '';
    if (e instanceof OutsideProject && includedFrom) {
      addProblem(ctx.manifest, includedFrom.line, includedFrom.offset, 'warning', 'pip/include-outside-project', e.message);
      return;
    }
    if (includedFrom) report(`${where}${e.message}`, e.message === 'file not found' ? 'pip/include-missing' : 'file/unreadable');
    else ctx.manifest.problems.push({ path, line: e.line ?? 1, column: 1, severity: 'error', code: 'file/unreadable', message: e.message });
    return;
  }
  ctx.seen.add(real);
  ctx.manifest.files.push(path);
  ctx.stack.push(real);
  const baseDir = nodePath.dirname(path);
  for (const line of logicalLines(path, text)) handleLine(ctx, line, baseDir, scope);
  ctx.stack.pop();
}

const FULL_COMMENT = /^\s*#/;
const ENV_VAR = /\$\{([A-Z0-9_]+)\}/g;

/** pip's join_lines + ignore_comments, keeping positions. */
export function logicalLines(path: string, text: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  const physical = splitLines(text);
  let parts: { text: string; line: number; column: number }[] = [];
  const flush = () => {
    const line = buildLine(path, parts);
    if (line) out.push(line);
    parts = [];
  };
  physical.forEach((raw, i) => {
    const lineNo = i + 1;
    if (!raw.endsWith('\\') || FULL_COMMENT.test(raw)) {
      // A comment line inside a continuation ends it (pip prefixes a space so it is dropped).
      parts.push({
        text: FULL_COMMENT.test(raw) && parts.length ? ` ${raw}` : raw,
        line: lineNo,
        column: FULL_COMMENT.test(raw) && parts.length ? 0 : 1,
      });
      flush();
    } else {
      const lead = raw.length - raw.replace(/^\\+/, '').length;
      parts.push({ text: raw.replace(/^\\+/, '').replace(/\\+$/, ''), line: lineNo, column: lead + 1 });
    }
  });
  if (parts.length) flush();
  return out;
}

/** pip's COMMENT_RE `(^|\s+)#.*$`, as a linear scan (the regex backtracks on long blank runs). */
function stripComment(s: string): string {
  for (let i = s.indexOf('#'); i >= 0; i = s.indexOf('#', i + 1)) {
    if (i === 0 || /\s/.test(s[i - 1])) return s.slice(0, i);
  }
  return s;
}

function buildLine(path: string, parts: { text: string; line: number; column: number }[]): LogicalLine | null {
  let joined = '';
  const starts: number[] = [];
  for (const p of parts) {
    starts.push(joined.length);
    joined += p.text;
  }
  const withoutComment = stripComment(joined);
  const lead = withoutComment.length - withoutComment.trimStart().length;
  const text = withoutComment.trim();
  if (!text) return null;
  const locate = (offset: number) => {
    const abs = offset + lead;
    let k = starts.length - 1;
    while (k > 0 && starts[k] > abs) k--;
    const part = parts[k];
    return { line: part.line, column: Math.max(1, part.column + (abs - starts[k])) };
  };
  return { text, path, locate };
}

/** Whether offset `at` lies in a URL (the whitespace-delimited word it is in has a scheme). */
function inUrl(text: string, at: number): boolean {
  const start = Math.max(text.lastIndexOf(' ', at), text.lastIndexOf('\t', at)) + 1;
  const rest = text.slice(start);
  const word = rest.slice(0, rest.search(/\s|$/));
  return /^(--?[a-z-]+=)?[a-z][a-z0-9+.-]*:\/\//i.test(word) || /@\s*$/.test(text.slice(0, start));
}

function expandEnv(line: LogicalLine, env: Record<string, string | undefined>): LogicalLine {
  if (!line.text.includes('${')) return line;
  const edits: { at: number; from: number; to: number }[] = [];
  let delta = 0;
  const text = line.text.replace(ENV_VAR, (whole, name: string, at: number) => {
    const value = env[name];
    if (value === undefined || inUrl(line.text, at)) return whole; // a URL keeps its ${VAR}: pip and uv expand it at install time, so no secret is ever written

    edits.push({ at: at + delta, from: whole.length, to: value.length });
    delta += value.length - whole.length;
    return value;
  });
  if (!edits.length) return line;
  return {
    text,
    path: line.path,
    locate: (offset) => {
      let shift = 0;
      for (const e of edits) {
        if (offset >= e.at + e.to) shift += e.to - e.from;
        else if (offset >= e.at) return line.locate(e.at - shift);
      }
      return line.locate(offset - shift);
    },
  };
}

function addProblem(m: Manifest, line: LogicalLine, offset: number, severity: Severity, code: string, message: string): void {
  const pos = line.locate(offset);
  const p: Problem = { path: line.path, line: pos.line, column: pos.column, severity, code, message };
  m.problems.push(p);
}

const GLOBAL_OPTIONS: Record<string, { takesValue: boolean; canonical: string }> = {};
for (const [names, takesValue] of [
  [['-r', '--requirement'], true],
  [['-c', '--constraint'], true],
  [['-e', '--editable'], true],
  [['-i', '--index-url'], true],
  [['--extra-index-url'], true],
  [['--no-index'], false],
  [['-f', '--find-links'], true],
  [['--pre'], false],
  [['--no-binary'], true],
  [['--only-binary'], true],
  [['--prefer-binary'], false],
  [['--require-hashes'], false],
  [['--trusted-host'], true],
  [['--use-feature'], true],
  [['--hash'], true],
  [['--config-settings'], true],
  [['--global-option'], true],
] as [string[], boolean][]) {
  for (const n of names) GLOBAL_OPTIONS[n] = { takesValue, canonical: names[names.length - 1] };
}
const PER_REQUIREMENT = new Set(['--hash', '--config-settings', '--global-option']);
const STRONG_HASHES = new Set(['sha256', 'sha384', 'sha512']);

interface ParsedOption {
  name: string;
  value: string | null;
  offset: number;
  /** Where the value starts (the option's own offset when they share a word). */
  valueOffset: number;
}

function parseOptions(line: LogicalLine, text: string, base: number, m: Manifest): ParsedOption[] | null {
  let words: ReturnType<typeof shlexSplit>;
  try {
    words = shlexSplit(text);
  } catch (e) {
    addProblem(
      m,
      line,
      base + (e as SplitError).offset,
      'error',
      'pip/bad-quoting',
      `cannot split the options: ${(e as SplitError).message}`,
    );
    return null;
  }
  const opts: ParsedOption[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const at = base + w.offset;
    let name = w.value;
    let value: string | null = null;
    let valueOffset = at;
    if (name.startsWith('--') && name.includes('=')) {
      value = name.slice(name.indexOf('=') + 1);
      valueOffset = at + name.indexOf('=') + 1;
      name = name.slice(0, name.indexOf('='));
    } else if (/^-[a-z]./.test(name) && !name.startsWith('--')) {
      value = name.slice(2);
      valueOffset = at + 2;
      name = name.slice(0, 2);
    }
    const spec = GLOBAL_OPTIONS[name];
    if (!spec) {
      const hint = name.startsWith('-')
        ? `no such option: ${name}`
        : `unexpected '${name}': options and a requirement cannot be mixed this way`;
      addProblem(m, line, at, 'error', 'pip/unknown-option', hint);
      return null;
    }
    if (spec.takesValue && value === null) {
      const next = words[i + 1];
      if (!next) {
        addProblem(m, line, at, 'error', 'pip/option-needs-value', `${name} needs a value`);
        return null;
      }
      value = next.value;
      valueOffset = base + next.offset;
      i++;
    }
    opts.push({ name: spec.canonical, value, offset: at, valueOffset });
  }
  return opts;
}

function handleLine(ctx: Context, rawLine: LogicalLine, baseDir: string, scope: Scope): void {
  const line = expandEnv(rawLine, ctx.env);
  const m = ctx.manifest;
  // pip's break_args_options: words before the first one starting with '-' are the requirement.
  // pip splits on single spaces, so such a word starts the text or follows ' '.
  const text = line.text;
  const leading = text.startsWith('-');
  const optionsBase = leading ? 0 : text.indexOf(' -') + 1; // 0: no options, unless leading
  const hasOptions = leading || optionsBase > 0;
  const args = hasOptions ? text.slice(0, Math.max(0, optionsBase - 1)) : text;
  const optionsText = hasOptions ? text.slice(optionsBase) : '';
  const options = optionsText ? parseOptions(line, optionsText, optionsBase, m) : [];
  if (options === null) return;
  if (args) {
    handleRequirement(ctx, line, args, options, baseDir, scope);
    return;
  }
  for (const o of options) handleOption(ctx, line, o, baseDir, scope);
}

function handleOption(ctx: Context, line: LogicalLine, o: ParsedOption, baseDir: string, scope: Scope): void {
  const m = ctx.manifest;
  const loc = location(line, o.offset);
  const v = o.value ?? '';
  switch (o.name) {
    case '--requirement':
    case '--constraint': {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) && !v.startsWith('file:')) {
        addProblem(
          m,
          line,
          o.offset,
          'warning',
          'pip/remote-include',
          `'${v}' is a remote file: Seam does not download it, so its requirements are not in the model`,
        );
        return;
      }
      const target = nodePath.resolve(baseDir, v.startsWith('file://') ? v.slice(7) : v);
      const nested: Scope = o.name === '--constraint' || scope.kind === 'constraint' ? { kind: 'constraint' } : scope;
      readInto(ctx, target, nested, { line, offset: o.offset });
      return;
    }
    case '--editable':
      addRequirementFromReference(ctx, line, v, o.valueOffset, baseDir, scope, true, [], {});
      return;
    case '--index-url':
    case '--extra-index-url':
    case '--find-links':
      m.indexes.push({ url: v, kind: o.name.slice(2) as 'index-url', source: loc });
      if (o.name === '--index-url' && m.indexes.filter((i) => i.kind === 'index-url').length > 1) {
        addProblem(m, line, o.offset, 'warning', 'pip/index-url-twice', 'a second --index-url replaces the first for pip');
      }
      return;
    case '--no-index':
      m.pip.noIndex = true;
      return;
    case '--pre':
      m.pip.pre = true;
      return;
    case '--prefer-binary':
      m.pip.preferBinary = true;
      return;
    case '--require-hashes':
      m.pip.requireHashes = true;
      return;
    case '--no-binary':
      (m.pip.noBinary ??= []).push(...v.split(',').filter(Boolean));
      return;
    case '--only-binary':
      (m.pip.onlyBinary ??= []).push(...v.split(',').filter(Boolean));
      return;
    case '--trusted-host':
      (m.pip.trustedHosts ??= []).push(v);
      return;
    case '--use-feature':
      return;
    default:
      addProblem(m, line, o.offset, 'error', 'pip/option-needs-requirement', `${o.name} belongs on the same line as a requirement`);
  }
}

function handleRequirement(ctx: Context, line: LogicalLine, args: string, options: ParsedOption[], baseDir: string, scope: Scope): void {
  const m = ctx.manifest;
  const hashes: string[] = [];
  const reqOptions: Record<string, string[]> = {};
  for (const o of options) {
    if (o.name === '--hash') {
      const value = o.value ?? '';
      const colon = value.indexOf(':');
      const algo = colon < 0 ? value : value.slice(0, colon);
      const digest = colon < 0 ? '' : value.slice(colon + 1);
      if (!STRONG_HASHES.has(algo) || !digest || !/^[0-9a-fA-F]+$/.test(digest)) {
        addProblem(
          m,
          line,
          o.offset,
          'error',
          'pip/bad-hash',
          `--hash must be sha256:, sha384: or sha512: followed by hex digits (got '${o.value}')`,
        );
        continue;
      }
      hashes.push(`${algo}:${digest.toLowerCase()}`);
    } else if (PER_REQUIREMENT.has(o.name)) {
      (reqOptions[o.name.slice(2)] ??= []).push(o.value ?? '');
      if (o.name === '--global-option')
        addProblem(
          m,
          line,
          o.offset,
          'warning',
          'pip/deprecated-option',
          '--global-option is deprecated by pip and ignored by modern build backends',
        );
    } else {
      // Kept on the requirement all the same: `torch --index-url …/whl/cu121` says which CUDA build was meant.
      (reqOptions[o.name.slice(2)] ??= []).push(o.value ?? '');
      addProblem(
        m,
        line,
        o.offset,
        'warning',
        'pip/option-ignored',
        `pip ignores ${o.name} on a requirement line; put it on a line of its own`,
      );
    }
  }
  addRequirementFromReference(ctx, line, args.trimEnd(), 0, baseDir, scope, false, hashes, reqOptions);
}

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const VCS = /^(git|hg|svn|bzr)\+/i;
const ARCHIVE = /\.(whl|tar\.gz|tgz|tar\.bz2|tbz|tar\.xz|txz|tar|zip)$/i;

/** A requirement line: PEP 508, or a URL / VCS / path reference as pip allows. */
function addRequirementFromReference(
  ctx: Context,
  line: LogicalLine,
  text: string,
  offset: number,
  baseDir: string,
  scope: Scope,
  editable: boolean,
  hashes: string[],
  options: Record<string, string[]>,
): void {
  const m = ctx.manifest;
  const source = location(line, offset, text.length);
  const hasOptions = Object.keys(options).length > 0;
  // Built field by field with one shape: object spread here was most of the reader's time.
  const make = (
    name: string,
    specifier: string,
    extras: string[],
    marker: string | null,
    url: string | null,
    reference: Requirement['reference'],
  ): Requirement => {
    const req: Requirement = {
      name,
      normalizedName: name ? normalizeName(name) : '',
      specifier,
      extras,
      marker,
      url,
      editable,
      hashes,
      source,
      text,
      ecosystem: 'pypi',
      scope,
    };
    if (reference) req.reference = reference;
    if (hasOptions) req.options = options;
    return req;
  };
  const isUrl = SCHEME.test(text) && !/^[a-z]:[\\/]/i.test(text);
  const kind = isUrl ? 'url' : editable ? 'editable-path' : pathKind(text, baseDir);
  if (kind === 'pep508') {
    try {
      const r = parseRequirement(text);
      m.requirements.push(make(r.name, r.specifier, r.extras, r.marker, r.url, r.url ? classify(r.url) : undefined));
    } catch (e) {
      if (!(e instanceof SeamError)) throw e;
      const repaired = repairRequirement(text, e);
      if (repaired) {
        for (const part of repaired.parts)
          m.requirements.push(
            make(part.name, part.specifier, part.extras, part.marker, part.url, part.url ? classify(part.url) : undefined),
          );
        addProblem(m, line, offset + (e.column ?? 1) - 1, 'warning', codeFor(e.message), `${e.message}; read as ${repaired.readAs}`);
        return;
      }
      if (looksLikePath(text)) {
        addProblem(
          m,
          line,
          offset,
          'error',
          'pip/path-missing',
          `'${text}' looks like a path, but ${nodePath.resolve(baseDir, text.split(/[;[]/)[0].trim())} does not exist`,
        );
      } else {
        addProblem(m, line, offset + (e.column ?? 1) - 1, 'error', codeFor(e.message), e.message);
      }
    }
    return;
  }
  // URL or path, optionally with [extras] and a marker after ';' (pip: '; ' for URLs).
  let ref = text;
  let marker: string | null = null;
  const markerSplit = isUrl ? ref.indexOf('; ') : ref.indexOf(';');
  if (markerSplit >= 0) {
    const markerText = ref.slice(markerSplit + 1).trim();
    ref = ref.slice(0, markerSplit).trim();
    try {
      marker = parseRequirement(`x; ${markerText}`).marker;
    } catch (e) {
      const col =
        ((e as SeamError).column ?? 1) -
        4 +
        markerSplit +
        1 +
        (text.slice(markerSplit + 1).length - text.slice(markerSplit + 1).trimStart().length);
      addProblem(m, line, offset + col, 'error', 'pip/invalid-marker', (e as SeamError).message);
      return;
    }
  }
  let extras: string[] = [];
  const open = ref.endsWith(']') && !isUrl ? ref.lastIndexOf('[') : -1;
  if (open > 0) {
    extras = ref
      .slice(open + 1, -1)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .sort();
    ref = ref.slice(0, open);
  }
  const reference = isUrl ? classify(ref) : { type: 'path' as const };
  const local = reference.type === 'path' && !isUrl ? localProject(nodePath.resolve(baseDir, ref)) : null;
  let name = eggName(ref) ?? archiveName(ref) ?? local?.name ?? null;
  let specifier = '';
  const wheel = /([^/]+)-([^-/]+)-[^-/]+-[^-/]+-[^-/]+\.whl$/i.exec(ref.split('#')[0]);
  if (wheel) specifier = `==${wheel[2]}`;
  if (name === null) {
    addProblem(
      m,
      line,
      offset,
      'info',
      'pip/name-unknown',
      `the package name of '${ref}' is only known after building it (add '#egg=NAME' or write 'NAME @ ${ref}')`,
    );
    name = '';
  }
  if (reference.type === 'path' && !isUrl) {
    const abs = nodePath.resolve(baseDir, ref);
    const exists = editable ? isDir(abs) : fs.existsSync(abs);
    const outside = outsideBoundary(abs);
    if (outside)
      addProblem(
        m,
        line,
        offset,
        'warning',
        'pip/path-outside-project',
        `the local project '${ref}' is outside the project (${outside}): Seam does not read it, and other machines need it at the same place; allow its folder in seam.toml ([paths] allow = ["…"]) or move it into the project`,
      );
    else if (!exists) {
      const what = editable ? 'folder' : 'file';
      addProblem(
        m,
        line,
        offset,
        editable ? 'error' : 'warning',
        'pip/path-missing',
        `local ${what} '${ref}' does not exist (resolved to ${abs})`,
      );
    }
  }
  if (editable && reference.type === 'url') {
    addProblem(
      m,
      line,
      offset,
      'error',
      'pip/editable-not-path',
      '-e needs a path to a local project or a VCS URL (git+, hg+, svn+, bzr+)',
    );
  }
  const made = make(name, specifier, extras, marker, ref, reference);
  if (local?.build) made.localBuild = local.build;
  m.requirements.push(made);
}

function looksLikePath(text: string): boolean {
  return text.includes('/') || text.startsWith('.');
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** pip's _get_url_from_path: a folder or an archive file is a path; anything else is PEP 508. */
function pathKind(text: string, baseDir: string): 'path' | 'pep508' {
  const name = text.split(';')[0].trim();
  const withoutExtras = name.endsWith(']') && name.lastIndexOf('[') > 0 ? name.slice(0, name.lastIndexOf('[')) : name;
  const pathLike = looksLikePath(name);
  const archive = ARCHIVE.test(withoutExtras);
  if (!pathLike && !archive) return 'pep508';
  const abs = nodePath.resolve(baseDir, withoutExtras);
  if (pathLike && isDir(abs)) return 'path';
  if (!archive) return 'pep508';
  if (fs.existsSync(abs)) return 'path';
  const at = name.indexOf('@');
  if (at >= 0 && !looksLikePath(name.slice(0, at))) return 'pep508';
  return 'path';
}

function classify(url: string): NonNullable<Requirement['reference']> {
  const vcs = VCS.exec(url);
  if (vcs) {
    const [withoutFragment, fragment = ''] = url.split('#', 2);
    const at = withoutFragment.lastIndexOf('@');
    const revision = at > withoutFragment.indexOf('://') + 3 ? withoutFragment.slice(at + 1) : undefined;
    const subdirectory = new URLSearchParams(fragment).get('subdirectory') ?? undefined;
    return { type: 'vcs', vcs: vcs[1].toLowerCase(), ...(revision ? { revision } : {}), ...(subdirectory ? { subdirectory } : {}) };
  }
  if (/^file:/i.test(url)) return { type: 'path' };
  return { type: 'url' };
}

function eggName(ref: string): string | null {
  const frag = ref.split('#')[1];
  if (!frag) return null;
  const egg = new URLSearchParams(frag).get('egg');
  return egg ? egg.split('[')[0] : null;
}

function archiveName(ref: string): string | null {
  const file = ref.split('#')[0].split('?')[0].split('/').pop() ?? '';
  if (file.length > 512) return null;
  if (/\.whl$/i.test(file)) return file.split('-')[0].replace(/_/g, '-');
  const sdist = /^(.+?)-\d[^-]*\.(tar\.gz|tgz|zip|tar\.bz2|tar\.xz|tar)$/i.exec(file);
  return sdist ? sdist[1] : null;
}

/**
 * What a local project's own files say, read as text (never run; never one Seam generated): its
 * name from pyproject.toml, setup.cfg or a literal `setup(name="…")` in setup.py, and whether its build imports torch (a
 * setup.py that imports torch — torch.utils.cpp_extension's CUDAExtension and the like — or torch
 * in pyproject.toml's build-system.requires): such a package must build against Nix's torch.
 */
export function localProject(dir: string): { name: string | null; build: Requirement['localBuild'] } {
  if (outsideBoundary(dir)) return { name: null, build: undefined }; // reported where the path is read; nothing outside the project is opened
  const read = (file: string): string | null => {
    try {
      const text = fs.readFileSync(nodePath.join(dir, file), 'utf8');
      return isSigned(text) ? null : text; // Seam's generated pyproject.toml names Seam's uv project, not this one
    } catch {
      return null; // no such file
    }
  };
  const pyproject = read('pyproject.toml');
  const setupCfg = read('setup.cfg');
  const setupPy = read('setup.py');
  const name =
    (pyproject && /^\[project\][^[]*?^name\s*=\s*["']([^"']+)["']/ms.exec(pyproject)?.[1]) ||
    (setupCfg && /^\[metadata\][^[]*?^name\s*=\s*(\S+)/ms.exec(setupCfg)?.[1]) ||
    (setupPy && /\bsetup\s*\([\s\S]*?\bname\s*=\s*(['"])([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\1/.exec(setupPy)?.[2]) ||
    null;
  const requires = pyproject && /^\[build-system\][^[]*?^requires\s*=\s*\[([^\]]*)\]/ms.exec(pyproject)?.[1];
  const torch =
    (setupPy !== null && /^\s*(import\s+torch\b|from\s+torch[\s.])/m.test(setupPy)) || (!!requires && /["']torch\b/.test(requires));
  const cuda = torch && /\bCUDAExtension\b|\.cu["']|nvcc/.test(`${setupPy ?? ''}\n${pyproject ?? ''}`);
  return { name, build: torch ? (cuda ? 'torch-cuda' : 'torch') : undefined };
}

/**
 * A line pip rejects but whose intent is plain: `numpy>==1.24` (an operator with a stray '=', or
 * '=>'/'=<'), `pkg=1.2` (conda's '='), or several requirements on one line separated by spaces.
 * Read as meant when every part then parses; null when it is still not plain.
 */
function repairRequirement(text: string, e: SeamError): { parts: ReturnType<typeof parseRequirement>[]; readAs: string } | null {
  const fixOperators = (t: string) =>
    t
      .replace(/([<>!~])==+/g, '$1=')
      .replace(/=>/g, '>=')
      .replace(/=</g, '<=')
      .replace(/(^|[^=!<>~])=(?=[^=])/g, '$1==');
  const tryParse = (t: string) => {
    try {
      return parseRequirement(t);
    } catch {
      return null;
    }
  };
  if (!/^(invalid operator|'=' is not|several requirements)/.test(e.message)) return null;
  const fixed = fixOperators(text);
  const whole = fixed !== text ? tryParse(fixed) : null;
  if (whole) return { parts: [whole], readAs: `'${fixed}'` };
  const words = fixed.split(/\s+/).filter(Boolean);
  if (words.length < 2) return null;
  const parts = words.map(tryParse);
  if (parts.some((p) => p === null)) return null;
  return {
    parts: parts as ReturnType<typeof parseRequirement>[],
    readAs: `${words.length} requirements (${words.join(', ')}); put each on its own line`,
  };
}

function codeFor(message: string): string {
  if (message.startsWith('invalid operator') || message.startsWith("'=' is not")) return 'pip/invalid-operator';
  if (message.startsWith('several requirements')) return 'pip/several-requirements';
  if (message.includes('marker')) return 'pip/invalid-marker';
  if (message.includes('version specifier')) return 'pip/invalid-specifier';
  return 'pip/invalid-requirement';
}

function location(line: LogicalLine, offset: number, length?: number): SourceLocation {
  const start = line.locate(offset);
  const loc: SourceLocation = { path: line.path, line: start.line, column: start.column };
  if (length !== undefined) {
    const end = line.locate(offset + length);
    loc.endLine = end.line;
    loc.endColumn = end.column;
  }
  return loc;
}

function safeRealpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return nodePath.resolve(p);
  }
}
