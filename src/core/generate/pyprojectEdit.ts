/**
 * `seam convert --update-pyproject`: the one edit Seam makes to a team's own pyproject.toml, and
 * only when asked — `[tool.uv] constraint-dependencies` pinning Nix-owned packages to Nix's
 * versions (uv reads them only from the root pyproject.toml), inside a marked block so a re-run
 * replaces exactly that block. Every other byte stays; a constraint list the team wrote itself is
 * never merged silently.
 */
import { SeamError } from '../errors';
import { parseLocatedToml } from '../manifests/toml';
import { tomlString } from '../text/escape';

const START = '# >>> seam: Nix pins these (seam convert --update-pyproject rewrites this block)';
const END = '# <<< seam';

function block(constraints: string[]): string {
  const items = constraints.map((c) => `  ${tomlString(c)},`).join('\n');
  return `${START}\nconstraint-dependencies = [${constraints.length ? `\n${items}\n` : ''}]\n${END}\n`;
}

/** The pyproject text with Seam's constraint block in `[tool.uv]`. Throws SeamError (with the line) when it cannot be done safely. */
export function withUvConstraints(text: string, constraints: string[]): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lf = text.replace(/\r\n/g, '\n');
  const body = block(constraints);
  const start = lf.indexOf(START);
  let out: string;
  if (start >= 0) {
    const end = lf.indexOf(END, start);
    if (end < 0)
      throw new SeamError(
        "pyproject.toml: Seam's block has no end marker; fix it by hand",
        1,
        undefined,
        lf.slice(0, start).split('\n').length,
      );
    out = lf.slice(0, start) + body + lf.slice(end + END.length).replace(/^\n/, '');
  } else {
    const doc = parseLocatedToml(lf); // throws SeamError with the line
    const uv = ((doc.value.tool as Record<string, unknown> | undefined)?.uv ?? undefined) as Record<string, unknown> | undefined;
    if (uv && 'constraint-dependencies' in uv) {
      throw new SeamError(
        'pyproject.toml already has [tool.uv] constraint-dependencies; add the lines from seam-plan.txt to it by hand (Seam does not merge lists it did not write)',
        1,
        undefined,
        doc.locate(['tool', 'uv', 'constraint-dependencies']).line,
      );
    }
    const lines = lf.split('\n');
    const header = lines.findIndex((l) => /^\s*\[\s*tool\s*\.\s*uv\s*\]\s*(#.*)?$/.test(l));
    if (header >= 0) {
      lines.splice(header + 1, 0, body.trimEnd());
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
