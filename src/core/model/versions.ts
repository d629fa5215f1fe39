/**
 * PEP 440 versions and specifiers. Parsing and comparison come from @renovatebot/pep440;
 * the pre-release policy is Seam's own so that it matches the current `packaging` release:
 * with no explicit setting a lone version is accepted even when it is a pre-release
 * (PEP 440: "there are no other versions"); `prereleases: false` rejects every pre-release.
 */
import * as pep440 from '@renovatebot/pep440';
import { SeamError } from '../errors';
import { memoize } from './memo';

export interface SpecifierClause {
  operator: string;
  version: string;
}

/** Most versions in real files are plain releases ("1.26.4"): valid, no local label, no pre-release. */
const PLAIN_RELEASE = /^\d+(?:\.\d+)*$/;

export function isValidVersion(version: string): boolean {
  return PLAIN_RELEASE.test(version) || pep440.valid(version) !== null;
}

/** What clause validation needs to know of a version, without a full parse for plain releases. */
function versionShape(version: string): { local: boolean; releaseLength: number } | null {
  if (PLAIN_RELEASE.test(version)) {
    let dots = 0;
    for (let i = 0; i < version.length; i++) if (version.charCodeAt(i) === 46) dots++;
    return { local: false, releaseLength: dots + 1 };
  }
  const parsed = pep440.explain(version);
  return parsed && { local: parsed.local !== null, releaseLength: parsed.release.length };
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
export function parseSpecifier(specifier: string): readonly SpecifierClause[] {
  const parsed = parseSpecifierMemo(specifier);
  if (parsed instanceof SeamError) throw new SeamError(parsed.message, parsed.column);
  return parsed;
}

const parseSpecifierMemo = memoize(
  (specifier: string): readonly SpecifierClause[] | SeamError => {
    try {
      return Object.freeze(parseSpecifierText(specifier).map((c) => Object.freeze(c)));
    } catch (e) {
      if (e instanceof SeamError) return e;
      throw e;
    }
  },
  (specifier) => specifier,
);

function parseSpecifierText(specifier: string): SpecifierClause[] {
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
  // The same rules as @renovatebot/pep440's range parser, on one parse of the version.
  const shape = versionShape(version);
  if (!shape) return false;
  if (shape.local && operator !== '==' && operator !== '!=') return false;
  return operator !== '~=' || shape.releaseLength >= 2;
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

/** Memoized: the same clause is tested against the same candidates across files and pairs. */
const clauseContains = memoize(
  (c: SpecifierClause, version: string) => clauseContainsUncached(c, version),
  (c, version) => `${c.operator}${c.version}\u0000${version}`,
);

/**
 * One clause, as packaging's Specifier evaluates it (pre-release policy aside, applied by the
 * caller). Parsing and ordering are @renovatebot/pep440's; the operator rules are written here
 * because its own `satisfies` simplifies `<`/`>` (it ignores epochs there) and is slow.
 */
function clauseContainsUncached(c: SpecifierClause, version: string): boolean {
  const { operator } = c;
  if (operator === '===') return c.version.toLowerCase() === version.toLowerCase();
  const v = explainMemo(version);
  if (!v) return false;
  if (operator === '==' || operator === '!=') {
    const equal = c.version.endsWith('.*')
      ? prefixMatches(v, c.version.slice(0, -2))
      : c.version.includes('+')
        ? pep440.compare(version, c.version) === 0
        : pep440.compare(v.public, c.version) === 0;
    return operator === '==' ? equal : !equal;
  }
  const spec = explainMemo(c.version)!;
  switch (operator) {
    case '<=':
      return pep440.compare(v.public, c.version) <= 0;
    case '>=':
      return pep440.compare(v.public, c.version) >= 0;
    case '<':
      // "<V must not allow a pre-release of the specified version unless V is one itself."
      if (pep440.compare(version, c.version) >= 0) return false;
      return spec.is_prerelease || !v.is_prerelease || pep440.compare(version, `${spec.public}.dev0`) < 0;
    case '>':
      if (pep440.compare(version, c.version) <= 0) return false;
      // ">V must not allow a post-release of V unless V is one", nor a local version of V.
      if (!spec.is_postrelease && v.is_postrelease && pep440.compare(postBase(v), c.version) === 0) return false;
      return v.local === null || pep440.compare(v.public, c.version) !== 0;
    case '~=': {
      // ~=1.4.5 means >=1.4.5 and ==1.4.*: the release without its last part, as a prefix.
      if (pep440.compare(v.public, c.version) < 0) return false;
      const prefix = `${spec.epoch ? `${spec.epoch}!` : ''}${spec.release.slice(0, -1).join('.')}`;
      return prefixMatches(v, prefix);
    }
    default:
      return false;
  }
}

/** The version a post-release is a post-release of: 1.0a1.post2.dev3 → 1.0a1. */
function postBase(v: Explained): string {
  return `${v.epoch ? `${v.epoch}!` : ''}${v.release.join('.')}${v.pre ? v.pre.join('') : ''}`;
}

/** `==prefix.*`: same epoch, and the release (padded with zeros) starts with the prefix's. */
function prefixMatches(v: Explained, prefix: string): boolean {
  const p = explainMemo(prefix);
  if (!p || p.epoch !== v.epoch) return false;
  return p.release.every((n, i) => (v.release[i] ?? 0) === n);
}

type Explained = NonNullable<ReturnType<typeof pep440.explain>>;
const explainMemo = memoize(
  (version: string): Explained | null => pep440.explain(version),
  (version) => version,
);

/** The PEP 440 parts of a version, or null when it is not one. */
export function explainVersion(version: string): ReturnType<typeof pep440.explain> {
  return pep440.explain(version);
}

/**
 * PyPI projects whose releases add a build number to the upstream version nixpkgs carries
 * (nixpkgs' opencv 4.12.0 is opencv-python 4.12.0.88 on PyPI): Nix's version names a release
 * series there, not one release.
 */
const BUILD_NUMBERED = new Set(['opencv-python', 'opencv-python-headless', 'opencv-contrib-python', 'opencv-contrib-python-headless']);

/** The uv constraint that makes uv.lock's version of `name` Nix's `version`. */
export function nixConstraint(name: string, version: string): string {
  return BUILD_NUMBERED.has(name) ? `${name}==${version}.*` : `${name}==${version}`;
}

/** Whether a version uv.lock records is Nix's `nix` (for build-numbered projects: of Nix's series). */
export function isNixRelease(name: string, locked: string, nix: string): boolean {
  return locked === nix || (BUILD_NUMBERED.has(name) && locked.startsWith(`${nix}.`));
}

/**
 * The era a version belongs to: its major release (0.x is one era: wandb 0.19 → 0.21 and tiktoken
 * 0.7 → 0.11 are routine updates). Null when the version has no leading number.
 */
function eraOf(version: string): number | null {
  const m = /^v?(\d+)/.exec(version.trim());
  return m ? Number(m[1]) : null;
}

/**
 * Whether Nix's version sits in another era than the specifier allows — torch ==1.11 against 2.9,
 * tensorflow <2 against 2.20, numpy ~=1.19 against 2.3 — or cannot be compared at all (a version
 * that is not PEP 440). Returns the two eras ("1.x", "2.x"; `newer` when the manifests ask for a later
 * era than Nix has), or null when they are the same era or the specifier bounds nothing.
 */
export function eraJump(specifier: string, nix: string): { asked: string; nix: string; newer?: true } | null {
  let clauses: readonly SpecifierClause[];
  try {
    clauses = parseSpecifier(specifier);
  } catch {
    return null;
  }
  const have = isValidVersion(nix) ? eraOf(nix) : null;
  const bounds: number[] = [];
  for (const c of clauses) {
    if (!['==', '===', '~=', '<', '<='].includes(c.operator)) continue;
    let e = eraOf(c.version);
    if (e === null) continue;
    // "<2" and "<2.0" end the 1.x era.
    if (c.operator === '<' && /^\d+(\.0+)*$/.test(c.version) && e > 0) e -= 1;
    bounds.push(e);
  }
  for (const c of clauses) {
    if (c.operator !== '>=' && c.operator !== '>') continue;
    const e = eraOf(c.version);
    if (e !== null && have !== null && e > have) return { asked: `${e}.x`, nix: `${have}.x`, newer: true };
  }
  if (!bounds.length) return null;
  const newest = Math.max(...bounds);
  if (have === null) return { asked: `${newest}.x`, nix: `'${nix}' (not a version Seam can compare)` };
  return have > newest ? { asked: `${newest}.x`, nix: `${have}.x` } : null;
}
