/**
 * setup.cfg, read as setuptools reads it: configparser sections, multi-line values as
 * indented continuation lines, full-line comments (# and ;), and `;`-separated single lines.
 */
import { emptyManifest, type Manifest, type Scope } from '../model/manifest';
import { normalizeName } from '../model/names';
import { addPep508, problem, readForManifest } from './common';
import { splitLines } from './text';

interface IniValue {
  key: string;
  line: number;
  /** Value lines with their 1-based line and column. */
  lines: { text: string; line: number; column: number }[];
}

/** A configparser-compatible reader keeping positions. Section and key names are as written. */
export function parseIni(m: Manifest, text: string): Map<string, IniValue[]> {
  const sections = new Map<string, IniValue[]>();
  let current: IniValue[] | null = null;
  let last: IniValue | null = null;
  let lastIndent = 0;
  splitLines(text).forEach((raw, i) => {
    const lineNo = i + 1;
    const trimmed = raw.trim();
    const indent = raw.length - raw.trimStart().length;
    if (trimmed === '') {
      if (last) last.lines.push({ text: '', line: lineNo, column: 1 });
      return;
    }
    if (/^[#;]/.test(trimmed)) return;
    if (last && indent > lastIndent) {
      last.lines.push({ text: trimmed, line: lineNo, column: indent + 1 });
      return;
    }
    const section = /^\[([^\]]+)\]\s*$/.exec(trimmed);
    if (section && indent === 0) {
      const name = section[1].trim();
      if (sections.has(name))
        problem(
          m,
          { line: lineNo, column: 1 },
          'error',
          'ini/duplicate-section',
          `section [${name}] appears twice (configparser rejects the file)`,
        );
      current = sections.get(name) ?? [];
      sections.set(name, current);
      last = null;
      return;
    }
    const sep = trimmed.search(/[=:]/);
    const kv = sep > 0 ? [trimmed, trimmed.slice(0, sep).trimEnd(), trimmed.slice(sep + 1).trimStart()] : null;
    if (!kv?.[1]) {
      problem(
        m,
        { line: lineNo, column: indent + 1 },
        'error',
        'ini/syntax',
        `cannot read '${trimmed}': expected 'key = value' or '[section]'`,
      );
      last = null;
      return;
    }
    if (!current) {
      problem(m, { line: lineNo, column: 1 }, 'error', 'ini/no-section', 'a key before any [section] header');
      return;
    }
    const key = kv[1].trim().toLowerCase();
    if (current.some((v) => v.key === key))
      problem(
        m,
        { line: lineNo, column: indent + 1 },
        'error',
        'ini/duplicate-key',
        `'${key}' is set twice in this section (configparser rejects the file)`,
      );
    const valueColumn = raw.indexOf(kv[2], raw.indexOf(kv[1]) + kv[1].length) + 1;
    last = { key, line: lineNo, lines: kv[2] ? [{ text: kv[2], line: lineNo, column: valueColumn }] : [] };
    lastIndent = indent;
    current.push(last);
  });
  for (const values of sections.values())
    for (const v of values) while (v.lines.length && v.lines[v.lines.length - 1].text === '') v.lines.pop();
  return sections;
}

export function readSetupCfg(path: string): Manifest {
  const m = emptyManifest(path, 'setup.cfg');
  const text = readForManifest(m);
  if (text !== null) parseSetupCfgText(m, text);
  return m;
}

export function parseSetupCfgText(m: Manifest, text: string): void {
  const sections = parseIni(m, text);
  const get = (section: string, key: string) => sections.get(section)?.find((v) => v.key === key);
  const name = get('metadata', 'name');
  if (name?.lines[0]) m.name = name.lines[0].text;
  const py = get('options', 'python_requires');
  if (py?.lines[0])
    m.python = {
      specifier: py.lines[0].text.replace(/\s+/g, ''),
      source: { path: m.path, line: py.lines[0].line, column: py.lines[0].column },
    };
  const list = (value: IniValue | undefined, scope: Scope) => {
    if (!value) return;
    const single = value.lines.length === 1;
    for (const l of value.lines) {
      if (!l.text || l.text.startsWith('#')) continue;
      if (l.text.startsWith('file:')) {
        problem(
          m,
          l,
          'warning',
          'setupcfg/file-directive',
          "'file:' is not supported by setuptools for requirements; use pyproject.toml's dynamic dependencies",
        );
        continue;
      }
      // setuptools: a single-line value is split on ';', a multi-line value on newlines.
      const parts = single ? splitSemicolons(l.text) : [{ text: l.text, offset: 0 }];
      for (const p of parts)
        if (p.text.trim())
          addPep508(m, p.text.trim(), scope, {
            path: m.path,
            line: l.line,
            column: l.column + p.offset + (p.text.length - p.text.trimStart().length),
          });
    }
  };
  list(get('options', 'install_requires'), { kind: 'main' });
  list(get('options', 'setup_requires'), { kind: 'build' });
  list(get('options', 'tests_require'), { kind: 'group', name: 'test' });
  for (const v of sections.get('options.extras_require') ?? []) list(v, { kind: 'extra', name: normalizeName(v.key) });
}

function splitSemicolons(text: string): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text[i] === ';') {
      out.push({ text: text.slice(start, i), offset: start });
      start = i + 1;
    }
  }
  return out;
}
