/**
 * A PEP 508 dependency specifier parser written for Seam: it accepts what packaging accepts
 * and, where pip would reject a line, says exactly what is wrong and where (1-based column).
 */
import { SeamError } from '../errors';
import { formatMarker, MARKER_ALIASES, MARKER_VARIABLES, type MarkerNode, type MarkerValue } from './markers';
import { isValidName, normalizeName } from './names';
import { parseSpecifier } from './versions';

export interface ParsedRequirement {
  name: string;
  extras: string[];
  /** Comma-separated clauses in the order written, e.g. ">=1.0,<2". Empty when none. */
  specifier: string;
  url: string | null;
  /** Canonical marker text, or null. */
  marker: string | null;
  markerTree: MarkerNode | null;
}

const NAME = /[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/y;
const WS = /[ \t]*/y;
const OPERATOR = /(===|==|!=|<=|>=|~=|<|>|=>|=<|=(?!=))/y;
const MARKER_OP = /(===|==|!=|<=|>=|~=|<|>|not[ \t]+in\b|in\b)/y;

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}
  match(re: RegExp): string | null {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return null;
    this.pos += m[0].length;
    return m[0];
  }
  ws(): void {
    this.match(WS);
  }
  peek(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }
  eat(s: string): boolean {
    if (!this.peek(s)) return false;
    this.pos += s.length;
    return true;
  }
  atEnd(): boolean {
    return this.pos >= this.text.length;
  }
  fail(message: string, at = this.pos): never {
    throw new SeamError(message, at + 1);
  }
  /** What stands at the cursor, for messages. */
  here(): string {
    const rest = this.text.slice(this.pos).trimEnd();
    return rest.length > 24 ? `${rest.slice(0, 24)}…` : rest;
  }
}

/** Parses one PEP 508 requirement. Throws SeamError with a 1-based column. */
export function parseRequirement(text: string): ParsedRequirement {
  const s: Scanner = new Scanner(text);
  s.ws();
  const nameStart = s.pos;
  const name = s.match(NAME);
  if (!name) {
    if (s.atEnd()) s.fail('expected a package name, found nothing');
    s.fail(`expected a package name at the start of the requirement, found '${s.here()}'`);
  }
  if (!isValidName(name)) s.fail(`invalid package name '${name}'`, nameStart);
  s.ws();
  const extras = parseExtras(s);
  s.ws();
  let specifier = '';
  let url: string | null = null;
  let markerTree: MarkerNode | null = null;
  if (s.eat('@')) {
    s.ws();
    const start = s.pos;
    url = s.match(/[^ \t]+/y);
    if (!url) s.fail('expected a URL after @');
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url)) s.fail(`'${url}' is not a URL: after '@' pip expects scheme://…`, start);
    const hadSpace = s.match(/[ \t]+/y) !== null;
    if (!s.atEnd() && url.endsWith(';')) {
      s.fail("a space is needed between the URL and ';' (without it, ';' is read as part of the URL)", start + url.length - 1);
    }
    if (!s.atEnd()) {
      if (!s.peek(';')) s.fail(`expected ';' before an environment marker, found '${s.here()}'`);
      if (!hadSpace) s.fail("a space is needed between the URL and ';' (otherwise ';' is read as part of the URL)");
    }
  } else {
    specifier = parseSpecifierPart(s, name);
  }
  s.ws();
  if (s.eat(';')) {
    s.ws();
    if (s.atEnd()) s.fail("expected an environment marker after ';'");
    markerTree = parseMarkerExpr(s);
    s.ws();
  }
  if (!s.atEnd()) {
    if (markerTree === null) {
      const next = /^[A-Za-z0-9]/.test(s.text[s.pos] ?? '') ? s.text.slice(s.pos).split(/[ \t]/)[0] : null;
      if (next)
        s.fail(
          `several requirements on one line: pip reads one requirement per line (found '${next}' after '${text.slice(nameStart, s.pos).trim()}')`,
        );
      s.fail(`expected ',' or ';' or the end of the requirement, found '${s.here()}'`);
    }
    s.fail(`unexpected '${s.here()}' after the environment marker`);
  }
  return { name, extras, specifier, url, marker: markerTree ? formatMarker(markerTree) : null, markerTree };
}

function parseExtras(s: Scanner): string[] {
  const extras: string[] = [];
  if (!s.eat('[')) return extras;
  const open = s.pos - 1;
  s.ws();
  if (s.eat(']')) return extras;
  for (;;) {
    s.ws();
    const at = s.pos;
    const extra = s.match(NAME);
    if (!extra)
      s.fail(s.atEnd() ? "expected ']' to close the extras" : `expected an extra name, found '${s.here()}'`, s.atEnd() ? open : at);
    extras.push(extra);
    s.ws();
    if (s.eat(']')) break;
    if (!s.eat(',')) s.fail(s.atEnd() ? "expected ']' to close the extras" : `expected ',' or ']' in the extras, found '${s.here()}'`);
  }
  return [...new Set(extras)].sort();
}

function parseSpecifierPart(s: Scanner, name: string): string {
  const parens = s.eat('(');
  const open = s.pos - 1;
  s.ws();
  const clauses: string[] = [];
  for (;;) {
    const at = s.pos;
    const op = s.match(OPERATOR);
    if (!op) {
      if (clauses.length === 0) break;
      s.fail(s.atEnd() ? "expected a version clause after ','" : `expected an operator (==, >=, <, ~=, …), found '${s.here()}'`);
    }
    if (op === '=>' || op === '=<') s.fail(`invalid operator '${op}' (did you mean '${op[1]}${op[0]}'?)`, at);
    if (op === '=') s.fail(`'=' is not a pip operator: use '==' (a single '=' is conda's syntax, as in ${name}=1.2)`, at);
    if (s.peek('=') && op !== '===') {
      const bad = op + s.text.slice(s.pos).match(/^=+/)![0];
      s.fail(`invalid operator '${bad}' (did you mean '${op === '==' ? '==' : op}'?)`, at);
    }
    s.ws();
    const vAt = s.pos;
    const version = s.match(/[^,;\s)]+/y);
    if (!version) s.fail(`expected a version after '${op}'`, vAt);
    try {
      parseSpecifier(`${op}${version}`);
    } catch (e) {
      s.fail((e as SeamError).message, at);
    }
    clauses.push(`${op}${version}`);
    s.ws();
    if (!s.eat(',')) break;
    s.ws();
  }
  if (parens) {
    s.ws();
    if (!s.eat(')')) s.fail(`expected ')' to close the '(' at column ${open + 1}`);
  }
  return clauses.join(',');
}

function parseMarkerExpr(s: Scanner): MarkerNode {
  let left = parseMarkerAnd(s);
  for (;;) {
    const save = s.pos;
    s.ws();
    if (s.match(/or\b/y) === null) {
      s.pos = save;
      return left;
    }
    left = { type: 'or', left, right: parseMarkerAnd(s) };
  }
}

function parseMarkerAnd(s: Scanner): MarkerNode {
  let left = parseMarkerAtom(s);
  for (;;) {
    const save = s.pos;
    s.ws();
    if (s.match(/and\b/y) === null) {
      s.pos = save;
      return left;
    }
    left = { type: 'and', left, right: parseMarkerAtom(s) };
  }
}

function parseMarkerAtom(s: Scanner): MarkerNode {
  s.ws();
  if (s.eat('(')) {
    const open = s.pos - 1;
    const inner = parseMarkerExpr(s);
    s.ws();
    if (!s.eat(')')) s.fail(`expected ')' to close the '(' at column ${open + 1}`);
    return inner;
  }
  const lhs = parseMarkerValue(s);
  s.ws();
  const opAt = s.pos;
  const op = s.match(MARKER_OP);
  if (!op)
    s.fail(
      s.atEnd()
        ? 'expected a comparison operator in the marker'
        : `expected a marker operator (==, !=, <, in, not in, …), found '${s.here()}'`,
    );
  if (s.peek('=') && op !== '===') s.fail(`invalid operator '${op}${s.text.slice(s.pos).match(/^=+/)![0]}' in the marker`, opAt);
  s.ws();
  const rhs = parseMarkerValue(s);
  if (lhs.kind === 'string' && rhs.kind === 'string')
    s.fail('a marker compares a variable with a quoted string; both sides are strings here', opAt);
  const normalizedOp = op.replace(/[ \t]+/g, ' ');
  const node: MarkerNode = { type: 'compare', lhs, op: normalizedOp, rhs };
  // PEP 685: extra names are compared normalized.
  if (lhs.kind === 'variable' && lhs.name === 'extra' && rhs.kind === 'string')
    node.rhs = { kind: 'string', value: normalizeName(rhs.value) };
  if (rhs.kind === 'variable' && rhs.name === 'extra' && lhs.kind === 'string')
    node.lhs = { kind: 'string', value: normalizeName(lhs.value) };
  return node;
}

function parseMarkerValue(s: Scanner): MarkerValue {
  const at = s.pos;
  const quote = s.text[s.pos];
  if (quote === '"' || quote === "'") {
    const end = s.text.indexOf(quote, s.pos + 1);
    if (end < 0) s.fail(`unterminated string in the marker (no closing ${quote})`);
    s.pos = end + 1;
    return { kind: 'string', value: s.text.slice(at + 1, end) };
  }
  const word = s.match(/[A-Za-z_][A-Za-z0-9_.]*/y);
  if (!word)
    s.fail(
      s.atEnd() ? 'expected a marker variable or a quoted string' : `expected a marker variable or a quoted string, found '${s.here()}'`,
      at,
    );
  const name = MARKER_ALIASES[word] ?? word;
  if (!MARKER_VARIABLES.has(name))
    s.fail(`unknown marker variable '${word}' (known: python_version, sys_platform, platform_machine, extra, …)`, at);
  return { kind: 'variable', name };
}

/** Parses a marker expression on its own (what follows ';'). */
export function parseMarker(text: string): MarkerNode {
  const s: Scanner = new Scanner(text);
  const node = parseMarkerExpr(s);
  s.ws();
  if (!s.atEnd()) s.fail(`unexpected '${s.here()}' in the marker`);
  return node;
}
