/**
 * Escaping for the text Seam writes: Nix strings and attribute names, TOML strings, comments.
 * Everything that came from a manifest passes through here before it reaches a generated file.
 */

/** A Nix double-quoted string literal: `\`, `"`, `${` and control characters escaped. */
export function nixString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' || c === '"') out += `\\${c}`;
    else if (c === '$' && s[i + 1] === '{') out += '\\$';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\0')
      out += '\uFFFD'; // Nix strings cannot hold NUL.
    else out += c;
  }
  return `${out}"`;
}

const NIX_KEYWORDS = new Set(['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit', 'or']);
const NIX_IDENT = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

/** One attribute-path segment: bare where Nix allows it, else a quoted string. */
export function nixAttrName(s: string): string {
  return NIX_IDENT.test(s) && !NIX_KEYWORDS.has(s) ? s : nixString(s);
}

/** `base.a.b` for the segments of a dotted attribute path. */
export function nixSelect(base: string, path: string): string {
  return [base, ...path.split('.').map(nixAttrName)].join('.');
}

/** Whether `s` is a dotted attribute path made of plain identifiers (what knowledge attributes look like). */
export function isNixAttrPath(s: string): boolean {
  return s.split('.').every((seg) => NIX_IDENT.test(seg) && !NIX_KEYWORDS.has(seg));
}

/**
 * A Nix indented string (`'' … ''`) holding `text` verbatim: `''` and `${` are escaped, so shell
 * code keeps its `${var}`. `@name@` placeholders become Nix interpolations of `values[name]`.
 */
export function nixIndented(text: string, values: Record<string, string> = {}, indent = ''): string {
  const escaped = text.replace(/''/g, "'''").replace(/\$\{/g, "''${");
  const body = escaped.replace(/@([A-Za-z][A-Za-z0-9]*)@/g, (m, name: string) => {
    if (!(name in values)) throw new Error(`nixIndented: no value for ${m}`);
    return `\${${values[name]}}`;
  });
  const lines = body.split('\n').map((l) => (l ? indent + l : l));
  return `''\n${lines.join('\n')}${body.endsWith('\n') ? '' : '\n'}${indent}''`;
}

/** A TOML basic string: `"` and `\` escaped, control characters as \uXXXX. */
export function tomlString(s: string): string {
  let out = '"';
  for (const c of s) {
    const code = c.codePointAt(0)!;
    if (c === '"' || c === '\\') out += `\\${c}`;
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else if (c === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return `${out}"`;
}

/** A TOML key: bare when it can be, quoted otherwise. */
export function tomlKey(s: string): string {
  return /^[A-Za-z0-9_-]+$/.test(s) ? s : tomlString(s);
}

/** Text safe inside a `#` comment of any of our formats: one printable line. */
export function commentText(s: string): string {
  // Printable text stays (→, –, names in any script); control characters, line and paragraph
  // separators, zero-width and bidirectional controls, lone surrogates and the BOM become '?'.
  return s.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu, '?');
}
