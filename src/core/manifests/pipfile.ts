/** Pipfile (pipenv): [packages], [dev-packages], other categories, [[source]], [requires]. */
import { SeamError } from '../errors';
import { emptyManifest, type Manifest, type Requirement, type Scope } from '../model/manifest';
import { MARKER_VARIABLES } from '../model/markers';
import { normalizeName } from '../model/names';
import { addPep508, problem, readForManifest } from './common';
import { isTable, type LocatedToml, parseLocatedToml } from './toml';

const NOT_CATEGORIES = new Set(['source', 'requires', 'pipenv', 'scripts']);

export function readPipfile(path: string): Manifest {
  const m = emptyManifest(path, 'pipfile');
  const text = readForManifest(m);
  if (text !== null) parsePipfileText(m, text);
  return m;
}

export function parsePipfileText(m: Manifest, text: string): void {
  let toml: LocatedToml;
  try {
    toml = parseLocatedToml(text);
  } catch (e) {
    if (!(e instanceof SeamError)) throw e;
    problem(m, { line: e.line ?? 1, column: e.column ?? 1 }, 'error', 'toml/syntax', e.message);
    return;
  }
  const at = (path: (string | number)[], quoted = false) => {
    const p = toml.locate(path);
    return { path: m.path, line: p.line, column: p.column + (quoted ? 1 : 0), endLine: p.endLine, endColumn: p.endColumn };
  };
  const v = toml.value;
  if (Array.isArray(v.source)) {
    for (const [i, s] of (v.source as unknown[]).entries()) {
      if (!isTable(s) || typeof s.url !== 'string') {
        problem(m, at(['source', i]), 'error', 'pipfile/source', '[[source]] needs a url');
        continue;
      }
      m.indexes.push({
        url: s.url,
        kind: 'source',
        ...(typeof s.name === 'string' ? { name: s.name } : {}),
        ...(i === 0 ? { default: true } : {}),
        source: at(['source', i]),
      });
    }
  }
  if (isTable(v.requires)) {
    const full = v.requires.python_full_version;
    const short = v.requires.python_version;
    if (typeof full === 'string') m.python = { specifier: `==${full}`, source: at(['requires', 'python_full_version'], true) };
    else if (typeof short === 'string') m.python = { specifier: `==${short}.*`, source: at(['requires', 'python_version'], true) };
  }
  for (const [category, body] of Object.entries(v)) {
    if (NOT_CATEGORIES.has(category)) continue;
    if (!isTable(body)) {
      problem(m, at([category]), 'warning', 'pipfile/category', `[${category}] is not a table of packages; ignored`);
      continue;
    }
    const scope: Scope =
      category === 'packages' ? { kind: 'main' } : { kind: 'group', name: category === 'dev-packages' ? 'dev' : normalizeName(category) };
    for (const [name, spec] of Object.entries(body)) readPackage(m, name, spec, scope, (quoted) => at([category, name], quoted));
  }
}

function readPackage(m: Manifest, name: string, spec: unknown, scope: Scope, at: (quoted: boolean) => ReturnType<typeof Object>): void {
  const table: Record<string, unknown> = typeof spec === 'string' ? { version: spec } : isTable(spec) ? spec : {};
  if (typeof spec !== 'string' && !isTable(spec)) {
    problem(m, at(false), 'error', 'pipfile/bad-package', `'${name}' must be a version string such as "*" or "==1.2", or a table`);
    return;
  }
  const version = typeof table.version === 'string' && table.version.trim() !== '*' ? table.version.trim() : '';
  const extras = Array.isArray(table.extras) ? table.extras.filter((x): x is string => typeof x === 'string') : [];
  const markers: string[] = [];
  if (typeof table.markers === 'string') markers.push(table.markers);
  for (const [k, val] of Object.entries(table))
    if (MARKER_VARIABLES.has(k) && typeof val === 'string')
      markers.push(`${k} ${/^[=<>!~]/.test(val) ? val : `== "${val}"`}`.replace(/(==|!=|>=|<=|<|>)\s*([^"'\s][^\s]*)$/, '$1 "$2"'));
  let url: string | null = null;
  let reference: Requirement['reference'];
  if (typeof table.git === 'string') {
    const ref = typeof table.ref === 'string' ? table.ref : undefined;
    url = `git+${table.git}${ref ? `@${ref}` : ''}`;
    reference = { type: 'vcs', vcs: 'git', ...(ref ? { revision: ref } : {}) };
  } else if (typeof table.file === 'string') {
    url = table.file;
    reference = { type: /^[a-z]+:\/\//i.test(table.file) ? 'url' : 'path' };
  } else if (typeof table.path === 'string') {
    url = table.path;
    reference = { type: 'path' };
  }
  const marker = markers.length > 1 ? markers.map((x) => `(${x})`).join(' and ') : (markers[0] ?? '');
  const text = `${name}${extras.length ? `[${extras.join(',')}]` : ''}${url ? '' : version}${marker ? ` ; ${marker}` : ''}`;
  const req = addPep508(m, text, scope, at(typeof spec === 'string') as never, {
    editable: table.editable === true,
    ...(reference ? { reference } : {}),
    ...(typeof table.index === 'string' ? { sourceHint: { index: table.index } } : {}),
  });
  if (req) {
    req.url = url;
    req.text = typeof spec === 'string' ? `${name} = "${spec}"` : text;
  }
}
