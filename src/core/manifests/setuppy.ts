/**
 * setup.py, read without running it. Seam tokenizes the Python source, finds the setup(...)
 * call and evaluates literal arguments only (strings, lists, tuples, dicts, `+` of those, and
 * module-level names bound to such literals). Anything else is reported, never guessed.
 */
import { emptyManifest, type Manifest, type Scope, type SourceLocation } from '../model/manifest';
import { normalizeName } from '../model/names';
import { addPep508, problem, readForManifest } from './common';
import { LineIndex } from './text';

type Tok = {
  type: 'name' | 'string' | 'number' | 'op' | 'newline' | 'eof';
  value: string;
  offset: number;
  indentStart: boolean;
  bracketDepth: number;
};

type Lit =
  | { kind: 'str'; value: string; offset: number }
  | { kind: 'list'; items: Lit[]; offset: number }
  | { kind: 'dict'; entries: [Lit, Lit][]; offset: number }
  | { kind: 'other'; value: unknown; offset: number };

class Dynamic extends Error {
  constructor(
    readonly what: string,
    readonly offset: number,
  ) {
    super(what);
  }
}

export function tokenizePython(text: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let depth = 0;
  let lineStart = true;
  const push = (type: Tok['type'], value: string, offset: number) => {
    toks.push({ type, value, offset, indentStart: lineStart && depth === 0, bracketDepth: depth });
    lineStart = false;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      if (depth === 0 && !lineStart) push('newline', '\n', i);
      lineStart = depth === 0 ? true : lineStart;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const str = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(text.slice(i, i + 5));
    if (str && (str[1] === '' || /^[A-Za-z]+$/.test(str[1]))) {
      const prefix = str[1];
      const q = str[2];
      let j = i + prefix.length + q.length;
      const raw = /r/i.test(prefix);
      let value = '';
      for (;;) {
        if (j >= text.length) throw new Dynamic('unterminated string', i);
        if (text.startsWith(q, j)) {
          j += q.length;
          break;
        }
        if (q.length === 1 && text[j] === '\n') throw new Dynamic('unterminated string', i);
        if (text[j] === '\\' && !raw) {
          const n = text[j + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', "'": "'", '"': '"', '\n': '', r: '\r', '0': '\0' };
          value += map[n] ?? `\\${n}`;
          j += 2;
          continue;
        }
        value += text[j++];
      }
      push('string', /f/i.test(prefix) ? `\u0000f${value}` : /b/i.test(prefix) ? `\u0000b${value}` : value, i);
      i = j;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 256));
    if (name) {
      push('name', name[0], i);
      i += name[0].length;
      continue;
    }
    const num = /^[0-9][0-9_.eExXoObBjJ]*/.exec(text.slice(i, i + 64));
    if (num) {
      push('number', num[0], i);
      i += num[0].length;
      continue;
    }
    const op = /^(\*\*|==|!=|<=|>=|->|:=|\/\/|<<|>>|[-+*/%@&|^~<>()[\]{},:;.=])/.exec(text.slice(i, i + 3));
    if (op) {
      if ('([{'.includes(op[0])) {
        push('op', op[0], i);
        depth++;
      } else if (')]}'.includes(op[0])) {
        depth = Math.max(0, depth - 1);
        push('op', op[0], i);
      } else push('op', op[0], i);
      i += op[0].length;
      continue;
    }
    i++; // Any other character (non-ASCII identifiers, '$', '?', …) cannot affect literals.
  }
  toks.push({ type: 'eof', value: '', offset: text.length, indentStart: true, bracketDepth: 0 });
  return toks;
}

export function readSetupPy(path: string): Manifest {
  const m = emptyManifest(path, 'setup.py');
  const text = readForManifest(m);
  if (text !== null) parseSetupPyText(m, text);
  return m;
}

export function parseSetupPyText(m: Manifest, text: string): void {
  const lines = new LineIndex(text);
  const loc = (offset: number, quoted = true): SourceLocation => {
    const p = lines.position(offset);
    return { path: m.path, line: p.line, column: p.column + (quoted ? 1 : 0) };
  };
  let toks: Tok[];
  try {
    toks = tokenizePython(text);
  } catch (e) {
    const d = e as Dynamic;
    problem(m, loc(d.offset, false), 'error', 'setuppy/syntax', `cannot read setup.py: ${d.what}`);
    return;
  }
  // Module-level `NAME = literal` bindings, in order; later ones win as Python would.
  const bindings = new Map<string, { start: number; offset: number }>();
  for (let k = 0; k < toks.length - 2; k++) {
    const t = toks[k];
    if (t.type === 'name' && t.indentStart && toks[k + 1].value === '=' && toks[k + 1].type === 'op')
      bindings.set(t.value, { start: k + 2, offset: t.offset });
  }
  let call = -1;
  for (let k = 0; k < toks.length - 1; k++) {
    const t = toks[k];
    if (t.type === 'name' && t.value === 'setup' && toks[k + 1].value === '(' && (k === 0 || toks[k - 1].value !== 'def')) call = k + 1;
  }
  if (call < 0) {
    problem(m, loc(0, false), 'warning', 'setuppy/no-setup-call', 'no setup(...) call found; nothing to read');
    return;
  }
  const parser = new LiteralParser(toks, bindings);
  let k = call + 1;
  const found = new Set<string>();
  while (toks[k] && toks[k].value !== ')' && toks[k].type !== 'eof') {
    if (toks[k].value === '**' || toks[k].value === '*') {
      problem(
        m,
        loc(toks[k].offset, false),
        'warning',
        'setuppy/dynamic',
        `setup() takes ${toks[k].value}${toks[k + 1]?.value ?? ''}: arguments from it can't be read without running setup.py`,
      );
      k = parser.skipExpression(k + 1);
    } else if (toks[k].type === 'name' && toks[k + 1]?.value === '=') {
      const key = toks[k].value;
      const valueStart = k + 2;
      try {
        const { value, next } = parser.parse(valueStart, 0);
        found.add(key);
        applyArgument(m, key, value, loc);
        k = next;
      } catch (e) {
        if (!(e instanceof Dynamic)) throw e;
        if (['install_requires', 'extras_require', 'python_requires', 'setup_requires', 'tests_require', 'name'].includes(key)) {
          problem(
            m,
            loc(e.offset, false),
            'warning',
            'setuppy/dynamic',
            `${key} can't be read without running setup.py (${e.what}); Seam never runs it — list these requirements in pyproject.toml or setup.cfg`,
          );
        }
        k = parser.skipExpression(valueStart);
      }
    } else {
      // A stray ']' or '}' ends no expression: step over it so the scan always moves on.
      const next = parser.skipExpression(k);
      k = next === k ? k + 1 : next;
    }
    if (toks[k]?.value === ',') k++;
  }
}

function applyArgument(m: Manifest, key: string, value: Lit, loc: (o: number, q?: boolean) => SourceLocation): void {
  const reqList = (v: Lit, scope: Scope) => {
    const items = v.kind === 'list' ? v.items : v.kind === 'str' ? splitLinesLit(v) : null;
    if (!items) return problem(m, loc(v.offset, false), 'error', 'setuppy/type', `${key} must be a list of requirement strings`);
    for (const it of items) {
      if (it.kind !== 'str') {
        problem(m, loc(it.offset, false), 'error', 'setuppy/type', `${key} holds something that is not a string`);
        continue;
      }
      if (it.value.startsWith('\u0000')) {
        problem(
          m,
          loc(it.offset, false),
          'warning',
          'setuppy/dynamic',
          "an f-string or bytes value can't be read without running setup.py",
        );
        continue;
      }
      const text = it.value.trim();
      if (text && !text.startsWith('#')) addPep508(m, text, scope, loc(it.offset));
    }
  };
  switch (key) {
    case 'name':
      if (value.kind === 'str') m.name = value.value;
      break;
    case 'python_requires':
      if (value.kind === 'str') m.python = { specifier: value.value.replace(/\s+/g, ''), source: loc(value.offset) };
      break;
    case 'install_requires':
      reqList(value, { kind: 'main' });
      break;
    case 'setup_requires':
      reqList(value, { kind: 'build' });
      break;
    case 'tests_require':
      reqList(value, { kind: 'group', name: 'test' });
      break;
    case 'extras_require':
      if (value.kind !== 'dict')
        return problem(m, loc(value.offset, false), 'error', 'setuppy/type', 'extras_require must be a dict of lists');
      for (const [k, v] of value.entries) {
        if (k.kind !== 'str') {
          problem(m, loc(k.offset, false), 'error', 'setuppy/type', 'extras_require keys must be strings');
          continue;
        }
        // setuptools allows "extra:marker" keys.
        const [extra, marker] = k.value.split(':', 2);
        if (marker) {
          const items = v.kind === 'list' ? v.items : [];
          for (const it of items)
            if (it.kind === 'str')
              addPep508(m, `${it.value.trim()} ; ${marker}`, { kind: 'extra', name: normalizeName(extra) }, loc(it.offset));
        } else reqList(v, { kind: 'extra', name: normalizeName(extra) });
      }
      break;
  }
}

function splitLinesLit(v: Lit & { kind: 'str' }): Lit[] {
  return v.value.split('\n').map((s) => ({ kind: 'str' as const, value: s, offset: v.offset }));
}

/** Literal values larger than this (after following names) are not read: a guard against blow-ups. */
const MAX_LITERAL_NODES = 100_000;

class LiteralParser {
  private readonly resolving = new Set<string>();
  private nodes = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly bindings: Map<string, { start: number; offset: number }>,
  ) {}

  parse(k: number, depth: number): { value: Lit; next: number } {
    if (depth > 64) throw new Dynamic('nested too deeply', this.toks[k].offset);
    let { value, next } = this.atom(k, depth);
    while (this.toks[next].value === '+' && this.toks[next].type === 'op') {
      const right = this.atom(next + 1, depth);
      value = add(value, right.value);
      next = right.next;
    }
    const t = this.toks[next];
    if (![',', ')', ']', '}', ':'].includes(t.value) && t.type !== 'newline' && t.type !== 'eof') {
      throw new Dynamic(`'${t.value}' makes the value an expression`, t.offset);
    }
    return { value, next };
  }

  private atom(k: number, depth: number): { value: Lit; next: number } {
    const t = this.toks[k];
    if (++this.nodes > MAX_LITERAL_NODES) throw new Dynamic(`the value is larger than ${MAX_LITERAL_NODES} literal parts`, t.offset);
    if (t.type === 'string') {
      let value = t.value;
      let next = k + 1;
      while (this.toks[next].type === 'string') value += this.toks[next++].value; // implicit concatenation
      return { value: { kind: 'str', value, offset: t.offset }, next };
    }
    if (t.type === 'number') return { value: { kind: 'other', value: t.value, offset: t.offset }, next: k + 1 };
    if (t.type === 'name') {
      if (['True', 'False', 'None'].includes(t.value) && !['(', '.', '['].includes(this.toks[k + 1].value))
        return { value: { kind: 'other', value: t.value, offset: t.offset }, next: k + 1 };
      if (['(', '.', '['].includes(this.toks[k + 1].value)) throw new Dynamic(`it calls or indexes '${t.value}'`, t.offset);
      const b = this.bindings.get(t.value);
      if (!b) throw new Dynamic(`'${t.value}' is not a module-level literal`, t.offset);
      if (this.resolving.has(t.value)) throw new Dynamic(`'${t.value}' refers to itself`, t.offset);
      this.resolving.add(t.value);
      try {
        return { value: this.parse(b.start, depth + 1).value, next: k + 1 };
      } finally {
        this.resolving.delete(t.value);
      }
    }
    if (t.value === '[' || t.value === '(') {
      const close = t.value === '[' ? ']' : ')';
      const items: Lit[] = [];
      let next = k + 1;
      while (this.toks[next].value !== close) {
        if (this.toks[next].type === 'eof') throw new Dynamic(`unclosed '${t.value}'`, t.offset);
        const item = this.parse(next, depth + 1);
        if (this.toks[item.next].type === 'name' && this.toks[item.next].value === 'for')
          throw new Dynamic('a comprehension', this.toks[item.next].offset);
        items.push(item.value);
        next = item.next;
        if (this.toks[next].value === ',') next++;
        else if (this.toks[next].value !== close) throw new Dynamic(`'${this.toks[next].value}' inside a literal`, this.toks[next].offset);
      }
      return { value: { kind: 'list', items, offset: t.offset }, next: next + 1 };
    }
    if (t.value === '{') {
      const entries: [Lit, Lit][] = [];
      let next = k + 1;
      while (this.toks[next].value !== '}') {
        if (this.toks[next].type === 'eof') throw new Dynamic("unclosed '{'", t.offset);
        const key = this.parse(next, depth + 1);
        if (this.toks[key.next].value !== ':') throw new Dynamic('a set or dict comprehension', this.toks[key.next].offset);
        const val = this.parse(key.next + 1, depth + 1);
        entries.push([key.value, val.value]);
        next = val.next;
        if (this.toks[next].type === 'name' && this.toks[next].value === 'for')
          throw new Dynamic('a comprehension', this.toks[next].offset);
        if (this.toks[next].value === ',') next++;
        else if (this.toks[next].value !== '}') throw new Dynamic(`'${this.toks[next].value}' inside a dict`, this.toks[next].offset);
      }
      return { value: { kind: 'dict', entries, offset: t.offset }, next: next + 1 };
    }
    throw new Dynamic(`'${t.value}' is not a literal`, t.offset);
  }

  /** Skips one argument expression, balancing brackets; returns the index of ',' or ')'. */
  skipExpression(k: number): number {
    let depth = 0;
    while (this.toks[k].type !== 'eof') {
      const v = this.toks[k].value;
      if (this.toks[k].type === 'op') {
        if ('([{'.includes(v)) depth++;
        else if (')]}'.includes(v)) {
          if (depth === 0) return k;
          depth--;
        } else if (v === ',' && depth === 0) return k;
      }
      k++;
    }
    return k;
  }
}

function add(a: Lit, b: Lit): Lit {
  if (a.kind === 'list' && b.kind === 'list') return { kind: 'list', items: [...a.items, ...b.items], offset: a.offset };
  if (a.kind === 'str' && b.kind === 'str') return { kind: 'str', value: a.value + b.value, offset: a.offset };
  throw new Dynamic("'+' of values that are not both lists or both strings", b.offset);
}
