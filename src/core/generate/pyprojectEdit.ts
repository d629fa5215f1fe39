/**
 * `seam convert --update-pyproject`: the one edit Seam makes to a team's own pyproject.toml, and
 * only when asked — `[tool.uv] constraint-dependencies` pinning Nix-owned packages to Nix's
 * versions and `exclude-dependencies` keeping every uv command from installing them (uv reads both
 * only from the root pyproject.toml), inside a marked block so a re-run
 * replaces exactly that block. Every other byte stays; a constraint list the team wrote itself is
 * never merged silently. Where things are comes from the TOML parser (comments, table headers), so
 * a multi-line string that happens to hold `[tool.uv]` or Seam's marker is never edited.
 */

import { parseTOML } from 'toml-eslint-parser';
import { SeamError } from '../errors';
import { parseLocatedToml } from '../manifests/toml';
import { tomlString } from '../text/escape';

const START = '# >>> seam: Nix pins these (seam convert --update-pyproject rewrites this block)';
const END = '# <<< seam';

/** What Seam's block carries: Nix's versions for uv.lock, and the names no uv command may install. */
export interface UvContract {
  constraints: string[];
  exclude: string[];
}

function block(contract: UvContract): string {
  const list = (xs: string[]) => `[${xs.length ? `\n${xs.map((c) => `  ${tomlString(c)},`).join('\n')}\n` : ''}]`;
  return `${START}\nconstraint-dependencies = ${list(contract.constraints)}\nexclude-dependencies = ${list(contract.exclude)}\n${END}\n`;
}

interface Positions {
  /** 1-based lines of Seam's start and end marker comments (real comments, not text inside a string). */
  start: number | null;
  end: number | null;
  /** The 1-based line of a real `[tool.uv]` table header, or null. */
  uvHeader: number | null;
}

/** Where things are, from the TOML parser: comments and table headers, never a text search. */
function positions(text: string): Positions {
  let ast: {
    comments: { value: string; loc: { start: { line: number } } }[];
    body: { body: { type: string; resolvedKey?: unknown[]; loc: { start: { line: number } } }[] }[];
  };
  try {
    ast = parseTOML(text) as never;
  } catch {
    parseLocatedToml(text); // throws SeamError with the line
    throw new SeamError('pyproject.toml does not parse', 1, undefined, 1);
  }
  const comment = (marker: string) => ast.comments.find((c) => `#${c.value}`.trim() === marker)?.loc.start.line ?? null;
  const uv = ast.body[0]?.body.find((n) => n.type === 'TOMLTable' && JSON.stringify(n.resolvedKey) === '["tool","uv"]');
  return { start: comment(START), end: comment(END), uvHeader: uv?.loc.start.line ?? null };
}

/** The pyproject text with Seam's constraint block in `[tool.uv]`. Throws SeamError (with the line) when it cannot be done safely. */
export function withUvConstraints(text: string, contract: UvContract): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lf = text.replace(/\r\n/g, '\n');
  const body = block(contract);
  const at = positions(lf);
  const lines = lf.split('\n');
  let out: string;
  if (at.start !== null) {
    if (at.end === null || at.end < at.start)
      throw new SeamError("pyproject.toml: Seam's block has no end marker; fix it by hand", 1, undefined, at.start);
    lines.splice(at.start - 1, at.end - at.start + 1, body.trimEnd());
    out = lines.join('\n');
  } else {
    const doc = parseLocatedToml(lf); // throws SeamError with the line
    const uv = ((doc.value.tool as Record<string, unknown> | undefined)?.uv ?? undefined) as Record<string, unknown> | undefined;
    for (const key of ['constraint-dependencies', 'exclude-dependencies'])
      if (uv && key in uv)
        throw new SeamError(
          `pyproject.toml already has [tool.uv] ${key}; add the lines from seam-plan.txt to it by hand (Seam does not merge lists it did not write)`,
          1,
          undefined,
          doc.locate(['tool', 'uv', key]).line,
        );
    if (at.uvHeader !== null) {
      lines.splice(at.uvHeader, 0, body.trimEnd());
      out = lines.join('\n');
    } else if (uv) {
      throw new SeamError(
        'pyproject.toml sets tool.uv with dotted keys or inline tables; add the lines from seam-plan.txt by hand',
        1,
        undefined,
        doc.locate(['tool', 'uv']).line,
      );
    } else {
      out = `${lf}${lf.endsWith('\n') || lf === '' ? '' : '\n'}\n[tool.uv]\n${body}`;
    }
  }
  parseLocatedToml(out); // what Seam writes must parse
  return eol === '\n' ? out : out.replace(/\n/g, '\r\n');
}
