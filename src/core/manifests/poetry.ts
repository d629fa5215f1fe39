/** Poetry's version constraints (^, ~, *, ||, space-separated AND) as PEP 440 specifiers. */
import { SeamError } from '../errors';
import { isValidVersion } from '../model/versions';

/** Converts a poetry constraint. Returns null for an OR (`||`), which PEP 440 cannot express. */
export function poetryToPep440(constraint: string): string | null {
  const text = constraint.trim();
  if (text === '' || text === '*') return '';
  if (text.includes('||') || /(^|\s)\|(\s|$)/.test(text)) return null;
  const clauses: string[] = [];
  const compact = text.replace(/(\^|~=|~|==|!=|>=|<=|>|<|=)\s+/g, '$1');
  for (const raw of compact.split(/[,\s]+/).filter(Boolean)) {
    clauses.push(...convertClause(raw));
  }
  return clauses.join(',');
}

function release(v: string): number[] {
  return v
    .split(/[^0-9.]/)[0]
    .split('.')
    .filter(Boolean)
    .map(Number);
}

function convertClause(raw: string): string[] {
  const m = /^(\^|~=|~|==|!=|>=|<=|>|<|=)?\s*(.+)$/.exec(raw);
  if (!m) throw new SeamError(`cannot read the version constraint '${raw}'`);
  const [, op = '', v] = m;
  if (v === '*') return [];
  if (v.endsWith('.*')) {
    if (!isValidVersion(v.slice(0, -2))) throw new SeamError(`invalid version '${v}' in '${raw}'`);
    return [`${op === '!=' ? '!=' : '=='}${v}`];
  }
  if (!isValidVersion(v)) throw new SeamError(`invalid version '${v}' in '${raw}'`);
  const parts = release(v);
  switch (op) {
    case '^': {
      const i = parts.findIndex((p) => p !== 0);
      const upper = i < 0 ? bump(parts, parts.length - 1) : bump(parts, i);
      return [`>=${v}`, `<${upper}`];
    }
    case '~':
      return [`>=${v}`, `<${bump(parts, parts.length === 1 ? 0 : 1)}`];
    case '':
    case '=':
      return [`==${v}`];
    default:
      return [`${op}${v}`];
  }
}

function bump(parts: number[], at: number): string {
  // Same number of parts as written, as poetry's docs put it: ^1.2.3 → <2.0.0, ~1.2 → <1.3.
  const out = parts.map((p, i) => (i < at ? p : i === at ? p + 1 : 0));
  return out.join('.');
}

/** A poetry python constraint ("^3.9", ">=3.8,<3.12") as a PEP 508 marker on python_version. */
export function pythonConstraintToMarker(constraint: string): string | null {
  const spec = poetryToPep440(constraint);
  if (spec === null) return null;
  if (spec === '') return '';
  return spec
    .split(',')
    .map((c) => {
      const m = /^(==|!=|>=|<=|>|<|~=)(.+)$/.exec(c)!;
      const variable = m[2].replace(/\.\*$/, '').split('.').length > 2 ? 'python_full_version' : 'python_version';
      return `${variable} ${m[1]} "${m[2]}"`;
    })
    .join(' and ');
}
