/**
 * PEP 440 versions and specifiers. Parsing and comparison come from @renovatebot/pep440;
 * the pre-release policy is Seam's own so that it matches the current `packaging` release:
 * with no explicit setting a lone version is accepted even when it is a pre-release
 * (PEP 440: "there are no other versions"); `prereleases: false` rejects every pre-release.
 */
import * as pep440 from '@renovatebot/pep440';
import { parse as parseSpecifierList } from '@renovatebot/pep440/lib/specifier';
import { SeamError } from '../errors';

export interface SpecifierClause {
  operator: string;
  version: string;
}

export function isValidVersion(version: string): boolean {
  return pep440.valid(version) !== null;
}

/** -1, 0 or 1, as PEP 440 orders the two versions. Throws SeamError on an invalid version. */
export function compareVersions(a: string, b: string): number {
  for (const v of [a, b]) {
    if (!isValidVersion(v)) throw new SeamError(`invalid version '${v}'`);
  }
  return Math.sign(pep440.compare(a, b));
}

const CLAUSE = /^(===|==|!=|<=|>=|~=|<|>)\s*(\S*)$/;

/**
 * Splits a specifier set ("<2,>=1.0") into validated clauses.
 * Throws SeamError naming the clause and the 1-based column where it starts.
 */
export function parseSpecifier(specifier: string): SpecifierClause[] {
  const clauses: SpecifierClause[] = [];
  if (specifier.trim() === '') return clauses;
  let offset = 0;
  for (const part of specifier.split(',')) {
    const column = offset + (part.length - part.trimStart().length) + 1;
    offset += part.length + 1;
    const m = CLAUSE.exec(part.trim());
    if (!m) throw new SeamError(`invalid version specifier '${part.trim()}'`, column);
    const [, operator, version] = m;
    if (!clauseIsValid(operator, version)) {
      throw new SeamError(`invalid version specifier '${part.trim()}'${clauseHint(operator, version)}`, column);
    }
    clauses.push({ operator, version });
  }
  return clauses;
}

function clauseIsValid(operator: string, version: string): boolean {
  if (operator === '===') return /^[^\s;)]+$/.test(version);
  if (version.endsWith('.*')) {
    if (operator !== '==' && operator !== '!=') return false;
    const base = version.slice(0, -2);
    return isValidVersion(base) && !/[+]/.test(base) && !/(a|b|rc|c|alpha|beta|pre|preview|post|dev)\d*$/i.test(base);
  }
  if (!isValidVersion(version)) return false;
  const parsed = pep440.explain(version)!;
  if (parsed.local !== null && operator !== '==' && operator !== '!=') return false;
  if (operator === '~=' && parsed.release.length < 2) return false;
  return parseSpecifierList(`${operator}${version}`) !== null;
}

function clauseHint(operator: string, version: string): string {
  if (operator === '~=' && isValidVersion(version)) return ": '~=' needs at least two release numbers (e.g. ~=1.4)";
  if (version.includes('+') && operator !== '==' && operator !== '!=') return ': a local version (+...) is only allowed with == and !=';
  if (version.endsWith('.*')) return ": '.*' is only allowed with == and !=, after a release number";
  return '';
}

export interface ContainsOptions {
  /** undefined: packaging's default (a lone pre-release is accepted); false: never; true: always. */
  prereleases?: boolean;
}

/** Whether `version` satisfies `specifier`, as packaging's SpecifierSet.contains does. */
export function specifierContains(specifier: string, version: string, options: ContainsOptions = {}): boolean {
  const clauses = parseSpecifier(specifier);
  if (!isValidVersion(version)) {
    // Only `===` can match a string that is not a version.
    return clauses.length > 0 && clauses.every((c) => c.operator === '===' && c.version.toLowerCase() === version.toLowerCase());
  }
  const parsed = pep440.explain(version)!;
  if (options.prereleases === false && (parsed.is_prerelease || parsed.is_devrelease)) return false;
  return clauses.every((c) => clauseContains(c, version));
}

function clauseContains(c: SpecifierClause, version: string): boolean {
  if (c.operator === '===') return c.version.toLowerCase() === version.toLowerCase();
  if ((c.operator === '==' || c.operator === '!=') && c.version.includes('+')) {
    // PEP 440: a specifier with a local label matches that exact local version only.
    const equal = pep440.compare(version, c.version) === 0;
    return c.operator === '==' ? equal : !equal;
  }
  return pep440.satisfies(version, `${c.operator}${c.version}`, { prereleases: true });
}

/** The PEP 440 parts of a version, or null when it is not one. */
export function explainVersion(version: string): ReturnType<typeof pep440.explain> {
  return pep440.explain(version);
}
