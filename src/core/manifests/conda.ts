/**
 * conda environment files. Conda names stay conda names here; mapping them to PyPI or
 * nixpkgs is the planner's job. The `pip:` section is read as requirement lines.
 */
import * as nodePath from 'node:path';
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type Scalar, type YAMLMap } from 'yaml';
import type { Problem } from '../errors';
import { SeamError } from '../errors';
import { emptyManifest, type Manifest, type SourceLocation } from '../model/manifest';
import { normalizeName } from '../model/names';
import { isValidVersion } from '../model/versions';
import { type LogicalLine, type RequirementsOptions, readRequirementLines } from './requirements';
import { readTextFile } from './text';

export interface CondaSpec {
  channel: string | null;
  name: string;
  /** conda version spec as written ("1.2.*", ">=1.2,<2", "1.2|1.4"), or null. */
  version: string | null;
  build: string | null;
  /** The same constraint as a PEP 440 specifier, or null when it has none or cannot be expressed. */
  pep440: string | null;
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*/;

/** Parses a conda match spec: `pkg`, `pkg=1.2`, `pkg==1.2`, `pkg>=1.2,<2`, `pkg=1.2=build`, `pkg 1.2 build`, `chan::pkg`, `pkg[version='>=1']`. */
export function parseCondaSpec(input: string): CondaSpec {
  let text = input.trim();
  if (!text) throw new SeamError('empty package spec', 1);
  let channel: string | null = null;
  const dc = text.indexOf('::');
  if (dc >= 0) {
    channel = text.slice(0, dc);
    text = text.slice(dc + 2);
    if (!channel) throw new SeamError("empty channel before '::'", 1);
  }
  const offset = input.length - input.trimStart().length + (dc >= 0 ? dc + 2 : 0);
  let version: string | null = null;
  let build: string | null = null;
  const trimmed = text.trimEnd();
  const openAt = trimmed.endsWith(']') ? trimmed.lastIndexOf('[') : -1;
  const bracket = openAt >= 0 ? Object.assign([trimmed.slice(openAt), trimmed.slice(openAt + 1, -1)], { index: openAt }) : null;
  if (bracket) {
    for (const part of bracket[1].split(',')) {
      const kv = /^\s*([a-z_]+)\s*=\s*["']?([^"']*)["']?\s*$/.exec(part);
      if (!kv) throw new SeamError(`cannot read '${part.trim()}' in the brackets (expected key='value')`, offset + bracket.index + 2);
      if (kv[1] === 'version') version = kv[2];
      else if (kv[1] === 'build') build = kv[2];
      else if (kv[1] === 'channel') channel = kv[2];
    }
    text = text.slice(0, bracket.index).trimEnd();
  }
  const nm = NAME.exec(text);
  if (!nm) throw new SeamError(`expected a package name, found '${text}'`, offset + 1);
  const name = nm[0];
  let rest = text.slice(name.length);
  if (rest.trim()) {
    if (/^\s/.test(rest)) {
      const parts = rest.trim().split(/\s+/);
      if (parts.length > 2) throw new SeamError(`too many parts in '${input.trim()}' (expected name, version and build)`, offset + 1);
      [version, build = null] = parts;
      // "pkg >=1.2" style: the first part is the version spec; a bare version is exact.
    } else if (rest.startsWith('=') && !rest.startsWith('==')) {
      rest = rest.slice(1);
      const [v, b, ...more] = rest.split('=');
      if (more.length) throw new SeamError(`too many '=' in '${input.trim()}'`, offset + 1);
      if (!v) throw new SeamError(`expected a version after '=' in '${input.trim()}'`, offset + name.length + 2);
      version = b === undefined && !/[*<>!|,~]/.test(v) ? `${v}.*` : v; // name=1.2 means 1.2.*
      build = b ?? null;
    } else if (/^(==|>=|<=|!=|~=|<|>)/.test(rest)) {
      const [v, b] = rest.trim().split(/\s+/);
      version = v.startsWith('==') && !/[,|]/.test(v) ? v.slice(2) : v;
      build = b ?? null;
    } else {
      throw new SeamError(`cannot read '${rest.trim()}' after the package name '${name}'`, offset + name.length + 1);
    }
  }
  return { channel, name, version, build, pep440: version === null ? '' : condaVersionToPep440(version) };
}

/** Translates a conda version spec into a PEP 440 specifier, or null when it cannot be expressed. */
export function condaVersionToPep440(spec: string): string | null {
  if (spec.includes('|')) return null;
  const clauses: string[] = [];
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    const m = /^(==|>=|<=|!=|~=|<|>)?\s*(.+)$/.exec(part);
    if (!m) return null;
    let [, op = '', v] = m;
    if (v === '*') continue;
    if (v.endsWith('*') && !v.endsWith('.*')) v = `${v.slice(0, -1).replace(/\.$/, '')}.*`;
    if (v.endsWith('.*')) {
      if (op && op !== '==' && op !== '!=') return null;
      if (!isValidVersion(v.slice(0, -2))) return null;
      clauses.push(`${op || '=='}${v}`);
      continue;
    }
    if (!isValidVersion(v)) return null;
    clauses.push(`${op || '=='}${v}`);
  }
  return clauses.join(',');
}

export function readCondaFile(path: string, options: RequirementsOptions = {}): Manifest {
  const manifest = emptyManifest(path, 'conda');
  let text: string;
  try {
    const file = readTextFile(path);
    manifest.problems.push(...file.problems);
    text = file.text;
  } catch (e) {
    if (!(e instanceof SeamError)) throw e;
    manifest.problems.push({ path, line: e.line ?? 1, column: 1, severity: 'error', code: 'file/unreadable', message: e.message });
    return manifest;
  }
  // The YAML parser recurses once per level of nesting: a hostile file (`- a: : : … b`) would
  // exhaust the stack. Deep nesting is refused with the limit named; no conda file comes near it.
  const depth = yamlNesting(text);
  if (depth.depth > MAX_YAML_DEPTH) {
    manifest.problems.push({
      path,
      line: depth.line,
      column: 1,
      severity: 'error',
      code: 'yaml/too-deep',
      message: `YAML nested ${depth.depth} levels deep here; Seam reads conda files nested up to ${MAX_YAML_DEPTH} levels (an environment file needs 4)`,
    });
    return manifest;
  }
  try {
    parseCondaText(manifest, text, options);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    manifest.problems.push({
      path,
      line: 1,
      column: 1,
      severity: 'error',
      code: 'yaml/too-deep',
      message: `YAML too deeply nested for Seam to read (${e.message}); Seam reads conda files nested up to ${MAX_YAML_DEPTH} levels`,
    });
  }
  return manifest;
}

/** Nesting Seam reads in a conda file; an environment file needs 4 (dependencies → pip → a line). */
export const MAX_YAML_DEPTH = 64;

/** An upper bound on how deep one line nests (indentation, flow brackets and `key:` on the line), with the line. */
function yamlNesting(text: string): { depth: number; line: number } {
  let worst = { depth: 0, line: 1 };
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    const indent = /^[ -]*/.exec(line)?.[0].length ?? 0;
    let n = Math.floor(indent / 2);
    for (let i = indent; i < line.length; i++) {
      const c = line[i];
      if (c === '[' || c === '{') n++;
      else if (c === ':' && (line[i + 1] === ' ' || i + 1 === line.length)) n++;
      else if (c === '#' && (i === 0 || line[i - 1] === ' ')) break;
    }
    if (n > worst.depth) worst = { depth: n, line: lineNo };
  }
  return worst;
}

export function parseCondaText(manifest: Manifest, text: string, options: RequirementsOptions = {}): void {
  const path = manifest.path;
  const lines = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const at = (offset: number) => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const problem = (node: Node | null | undefined, severity: Problem['severity'], code: string, message: string) => {
    const pos = at(node?.range?.[0] ?? 0);
    manifest.problems.push({ path, ...pos, severity, code, message });
  };
  for (const err of doc.errors) {
    const pos = err.linePos?.[0] ?? { line: 1, col: 1 };
    manifest.problems.push({
      path,
      line: pos.line,
      column: pos.col,
      severity: 'error',
      code: 'yaml/syntax',
      message: `YAML: ${err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
    });
  }
  for (const w of doc.warnings) {
    const pos = w.linePos?.[0] ?? { line: 1, col: 1 };
    manifest.problems.push({
      path,
      line: pos.line,
      column: pos.col,
      severity: 'warning',
      code: 'yaml/warning',
      message: `YAML: ${w.message.split('\n')[0]}`,
    });
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    if (!doc.errors.length)
      manifest.problems.push({
        path,
        line: 1,
        column: 1,
        severity: 'warning',
        code: 'conda/empty',
        message: 'the environment file is empty',
      });
    return;
  }
  if (!isMap(root)) {
    problem(root, 'error', 'conda/not-a-mapping', 'an environment file is a mapping with name, channels and dependencies');
    return;
  }
  const loc = (node: Node): SourceLocation => ({ path, ...at(node.range?.[0] ?? 0) });
  for (const pair of (root as YAMLMap).items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value as Node | null;
    switch (key) {
      case 'name':
        if (isScalar(value) && value.value !== null) manifest.name = String(value.value);
        break;
      case 'prefix':
        if (isScalar(value)) manifest.extra.prefix = String(value.value);
        break;
      case 'channels':
        if (value === null) break;
        if (!isSeq(value)) {
          problem(value, 'error', 'conda/channels', 'channels must be a list');
          break;
        }
        for (const item of value.items as Node[]) {
          if (!isScalar(item) || item.value === null) {
            problem(item, 'error', 'conda/channels', 'each channel must be a name or URL');
            continue;
          }
          const ch = String(item.value);
          manifest.channels.push(ch);
          manifest.indexes.push({ url: ch, kind: 'conda-channel', source: loc(item) });
        }
        break;
      case 'variables':
        if (value === null) break;
        if (!isMap(value)) {
          problem(value, 'error', 'conda/variables', 'variables must be a mapping of NAME: value');
          break;
        }
        manifest.extra.variables = Object.fromEntries(
          value.items.map((p) => [String(isScalar(p.key) ? p.key.value : ''), isScalar(p.value) ? String(p.value.value ?? '') : '']),
        );
        break;
      case 'dependencies':
        if (value === null) break;
        if (!isSeq(value)) {
          problem(value, 'error', 'conda/dependencies', 'dependencies must be a list');
          break;
        }
        for (const item of value.items as Node[]) readDependency(manifest, item, at, problem, loc, options);
        break;
      default:
        problem(pair.key as Node, 'info', 'conda/unknown-key', `'${key}' is not a key conda reads in an environment file; ignored`);
    }
  }
}

function readDependency(
  manifest: Manifest,
  item: Node,
  at: (o: number) => { line: number; column: number },
  problem: (n: Node | null | undefined, s: Problem['severity'], c: string, m: string) => void,
  loc: (n: Node) => SourceLocation,
  options: RequirementsOptions,
): void {
  if (isMap(item)) {
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (key !== 'pip') {
        problem(pair.key as Node, 'warning', 'conda/unknown-key', `'${key}:' inside dependencies is not read by conda; only 'pip:' is`);
        continue;
      }
      const pip = pair.value as Node | null;
      if (pip === null) continue;
      if (!isSeq(pip)) {
        problem(pip, 'error', 'conda/pip-not-list', "'pip:' must be a list of requirement lines");
        continue;
      }
      if (!manifest.requirements.some((r) => r.ecosystem === 'conda' && r.normalizedName === 'pip')) {
        problem(
          pair.key as Node,
          'warning',
          'conda/pip-not-listed',
          "a 'pip:' section works only when 'pip' is also listed as a conda dependency",
        );
      }
      const lines: LogicalLine[] = [];
      for (const entry of pip.items as Node[]) {
        if (!isScalar(entry) || entry.value === null || typeof entry.value === 'object') {
          problem(entry, 'error', 'conda/pip-entry', 'each pip entry must be one requirement line');
          continue;
        }
        lines.push(scalarLine(manifest.path, entry, at));
      }
      readRequirementLines(manifest, lines, nodePath.dirname(manifest.path), options);
    }
    return;
  }
  if (!isScalar(item) || item.value === null) {
    problem(item, 'error', 'conda/dependency', 'each dependency must be a package spec such as numpy=1.26');
    return;
  }
  const text = String(item.value);
  const source = loc(item);
  const quote = (item as Scalar).type === 'QUOTE_DOUBLE' || (item as Scalar).type === 'QUOTE_SINGLE' ? 1 : 0;
  let spec: CondaSpec;
  try {
    spec = parseCondaSpec(text);
  } catch (e) {
    const err = e as SeamError;
    const pos = at((item.range?.[0] ?? 0) + quote + (err.column ?? 1) - 1);
    manifest.problems.push({ path: manifest.path, ...pos, severity: 'error', code: 'conda/invalid-spec', message: err.message });
    return;
  }
  const end = at(item.range?.[1] ?? 0);
  source.endLine = end.line;
  source.endColumn = end.column;
  if (spec.pep440 === null) {
    problem(item, 'info', 'conda/version-not-pep440', `'${spec.version}' has no PEP 440 equivalent; it is kept as conda wrote it`);
  }
  const normalizedName = normalizeName(spec.name);
  if (normalizedName === 'python' && spec.version) manifest.python = { specifier: spec.pep440 ?? '', source };
  manifest.requirements.push({
    name: spec.name,
    normalizedName,
    specifier: spec.pep440 ?? '',
    extras: [],
    marker: null,
    url: null,
    editable: false,
    hashes: [],
    source,
    text,
    ecosystem: 'conda',
    scope: { kind: 'main' },
    conda: { channel: spec.channel, version: spec.version, build: spec.build },
  });
}

function scalarLine(path: string, node: Scalar, at: (o: number) => { line: number; column: number }): LogicalLine {
  const start = (node.range?.[0] ?? 0) + (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0);
  const raw = String(node.value);
  const lead = raw.length - raw.trimStart().length;
  return { text: raw.trim(), path, locate: (offset) => at(start + lead + offset) };
}
