/**
 * A reader for uv.lock as uv writes it, built for speed: one pass over the characters, keeping only
 * what the contract check needs (package names, versions, sources, dependency names, the manifest's
 * constraints) and skipping everything else (wheels, hashes, markers) without making strings. A
 * lock needs no positions. It returns null on anything outside what uv writes (dotted or quoted
 * keys, multi-line strings, a stray character): the full TOML parser then reads the file and says
 * where it is wrong. A test holds both readers to the same answer on every real lock.
 */
export interface FastPackage {
  name: string;
  version: string | null;
  source: Record<string, unknown>;
  deps: string[];
}

export interface FastLock {
  version: number | null;
  packages: FastPackage[];
  constraints: { name: unknown; specifier: unknown }[];
}

class Unexpected extends Error {}
const fail = (): never => {
  throw new Unexpected();
};

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const HASH = 0x23;
const QUOTE = 0x22;
const APOS = 0x27;
const LBRACK = 0x5b;
const RBRACK = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;

/** TOML's one-character escapes, after the backslash. */
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };

const isBare = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;

type Where = 'root' | 'package' | 'deps' | 'manifest' | 'other';

export function readUvLockFast(text: string): FastLock | null {
  let i = 0;
  const n = text.length;
  const packages: FastPackage[] = [];
  let constraints: { name: unknown; specifier: unknown }[] = [];
  let version: number | null = null;
  let where: Where = 'root';
  let current: FastPackage | null = null;

  /** Spaces and tabs (and, inside arrays and inline tables, line breaks and comments). */
  const blank = (lines: boolean) => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === SPACE || c === TAB) i++;
      else if (lines && (c === LF || c === CR)) i++;
      else if (lines && c === HASH) {
        while (i < n && text.charCodeAt(i) !== LF) i++;
      } else return;
    }
  };

  const basicString = (): string => {
    // at the opening quote
    if (text.charCodeAt(i + 1) === QUOTE && text.charCodeAt(i + 2) === QUOTE) fail(); // multi-line
    i++;
    let start = i;
    let out = '';
    for (;;) {
      if (i >= n) fail();
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c === LF || c === CR) fail();
      if (c === BACKSLASH) {
        out += text.slice(start, i);
        const e = text[i + 1];
        const simple = ESCAPES[e];
        if (simple !== undefined) {
          out += simple;
          i += 2;
        } else if (e === 'u' || e === 'U') {
          const len = e === 'u' ? 4 : 8;
          const hex = text.slice(i + 2, i + 2 + len);
          if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== len) fail();
          const cp = Number.parseInt(hex, 16);
          if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) fail();
          out += String.fromCodePoint(cp);
          i += 2 + len;
        } else fail();
        start = i;
      } else i++;
    }
  };

  const literalString = (): string => {
    if (text.charCodeAt(i + 1) === APOS && text.charCodeAt(i + 2) === APOS) fail();
    const end = text.indexOf("'", i + 1);
    if (end < 0) fail();
    const s = text.slice(i + 1, end);
    if (s.includes('\n')) fail();
    i = end + 1;
    return s;
  };

  /** A number, boolean or date: up to the next delimiter. */
  const scalar = (): unknown => {
    const start = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === COMMA || c === RBRACK || c === RBRACE || c === LF || c === CR || c === HASH || c === SPACE || c === TAB) break;
      i++;
    }
    const raw = text.slice(start, i);
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    if (/^[+-]?(0|[1-9](_?[0-9])*)$/.test(raw)) return Number(raw.replace(/_/g, ''));
    if (/^[+-]?[0-9][0-9_]*(\.[0-9_]+)?([eE][+-]?[0-9]+)?$/.test(raw)) return Number(raw.replace(/_/g, ''));
    if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(raw)) return raw;
    return fail();
  };

  const key = (): string => {
    const start = i;
    while (i < n && isBare(text.charCodeAt(i))) i++;
    if (i === start) fail(); // quoted or empty keys: the full parser
    const k = text.slice(start, i);
    blank(false);
    if (text.charCodeAt(i) === 0x2e) fail(); // dotted keys
    return k;
  };

  const value = (): unknown => {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return basicString();
    if (c === APOS) return literalString();
    if (c === LBRACK) {
      i++;
      const out: unknown[] = [];
      for (;;) {
        blank(true);
        if (text.charCodeAt(i) === RBRACK) {
          i++;
          return out;
        }
        out.push(value());
        blank(true);
        const d = text.charCodeAt(i);
        if (d === COMMA) i++;
        else if (d !== RBRACK) fail();
      }
    }
    if (c === LBRACE) {
      i++;
      const out: Record<string, unknown> = {};
      blank(false);
      if (text.charCodeAt(i) === RBRACE) {
        i++;
        return out;
      }
      for (;;) {
        blank(false);
        const k = key();
        if (text.charCodeAt(i) !== EQUALS) fail();
        i++;
        blank(false);
        if (Object.hasOwn(out, k)) fail();
        out[k] = value();
        blank(false);
        const d = text.charCodeAt(i);
        i++;
        if (d === RBRACE) return out;
        if (d !== COMMA) fail();
      }
    }
    return scalar();
  };

  /** Skips a value without making it (wheels, hashes, markers: most of a lock). */
  const skip = (): void => {
    let depth = 0;
    for (;;) {
      if (i >= n) {
        if (depth) fail();
        return;
      }
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        if (text.charCodeAt(i + 1) === QUOTE && text.charCodeAt(i + 2) === QUOTE) fail();
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) fail();
          let backslashes = 0;
          for (let b = q - 1; text.charCodeAt(b) === BACKSLASH; b--) backslashes++;
          i = q + 1;
          if (backslashes % 2 === 0) break;
        }
        continue;
      }
      if (c === APOS) {
        literalString();
        continue;
      }
      if (c === LBRACK || c === LBRACE) depth++;
      else if (c === RBRACK || c === RBRACE) {
        depth--;
        if (depth < 0) fail();
      } else if (c === HASH && depth) {
        while (i < n && text.charCodeAt(i) !== LF) i++;
        continue;
      } else if ((c === LF || c === CR) && !depth) return;
      i++;
      if (!depth && (c === RBRACK || c === RBRACE)) return;
    }
  };

  const names = (list: unknown): string[] => {
    if (!Array.isArray(list)) return [];
    const out: string[] = [];
    for (const d of list)
      if (d && typeof d === 'object' && typeof (d as { name?: unknown }).name === 'string') out.push((d as { name: string }).name);
    return out;
  };

  try {
    for (;;) {
      blank(true);
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === LBRACK) {
        const array = text.charCodeAt(i + 1) === LBRACK;
        const close = text.indexOf(array ? ']]' : ']', i);
        const eol = text.indexOf('\n', i);
        if (close < 0 || (eol >= 0 && close > eol)) fail();
        const header = text.slice(i + (array ? 2 : 1), close).trim();
        if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(header)) fail();
        i = close + (array ? 2 : 1);
        if (array && header === 'package') {
          current = { name: '', version: null, source: {}, deps: [] };
          packages.push(current);
          where = 'package';
        } else if (!array && (header === 'package.optional-dependencies' || header === 'package.dev-dependencies')) {
          if (!current) fail();
          where = 'deps';
        } else if (!array && header === 'manifest') where = 'manifest';
        else if (header.startsWith('package') && !current) fail();
        else where = 'other';
      } else {
        const k = key();
        if (text.charCodeAt(i) !== EQUALS) fail();
        i++;
        blank(false);
        if (i >= n || text.charCodeAt(i) === LF || text.charCodeAt(i) === CR) fail();
        const pkg = current as FastPackage | null;
        if (where === 'package' && pkg && k === 'name') pkg.name = String(value());
        else if (where === 'package' && pkg && k === 'version') {
          const v = value();
          pkg.version = typeof v === 'string' ? v : null;
        } else if (where === 'package' && pkg && k === 'source') {
          const v = value();
          pkg.source = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
        } else if ((where === 'package' && k === 'dependencies') || where === 'deps') pkg?.deps.push(...names(value()));
        else if (where === 'manifest' && k === 'constraints') {
          const v = value();
          constraints = Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as { name: unknown; specifier: unknown }[]) : [];
        } else if (where === 'root' && k === 'version') {
          const v = value();
          version = typeof v === 'number' ? v : null;
        } else skip();
      }
      blank(false);
      if (i < n && text.charCodeAt(i) === HASH) while (i < n && text.charCodeAt(i) !== LF) i++;
      if (i < n) {
        const e = text.charCodeAt(i);
        if (e === CR && text.charCodeAt(i + 1) === LF) i += 2;
        else if (e === LF) i++;
        else fail();
      }
    }
  } catch (e) {
    if (e instanceof Unexpected) return null;
    throw e;
  }
  return { version, packages, constraints };
}
