/** Helpers shared by the readers of manifests that hold PEP 508 strings. */
import { SeamError, type Severity } from '../errors';
import type { Manifest, Requirement, Scope, SourceLocation } from '../model/manifest';
import { normalizeName } from '../model/names';
import { parseRequirement } from '../model/pep508';
import { readTextFile } from './text';

/**
 * Parses `text` as a PEP 508 requirement and adds it, or adds a problem at the exact column.
 * `at` is where the string's first character sits; `quoted` shifts columns past an opening quote.
 */
export function addPep508(
  m: Manifest,
  text: string,
  scope: Scope,
  at: SourceLocation,
  extra: Partial<Requirement> = {},
): Requirement | null {
  try {
    const r = parseRequirement(text);
    const req: Requirement = {
      name: r.name,
      normalizedName: normalizeName(r.name),
      specifier: r.specifier,
      extras: r.extras,
      marker: r.marker,
      url: r.url,
      editable: false,
      hashes: [],
      source: at,
      text,
      ecosystem: 'pypi',
      scope,
      ...(r.url ? { reference: { type: /^(git|hg|svn|bzr)\+/.test(r.url) ? 'vcs' : /^file:/.test(r.url) ? 'path' : 'url' } } : {}),
      ...extra,
    };
    m.requirements.push(req);
    return req;
  } catch (e) {
    if (!(e instanceof SeamError)) throw e;
    problem(m, { ...at, column: at.column + (e.column ?? 1) - 1 }, 'error', requirementCode(e.message), e.message);
    return null;
  }
}

export function problem(
  m: Manifest,
  at: { path?: string; line: number; column: number },
  severity: Severity,
  code: string,
  message: string,
): void {
  m.problems.push({ path: at.path ?? m.path, line: at.line, column: at.column, severity, code, message });
}

export function requirementCode(message: string): string {
  if (message.startsWith('invalid operator') || message.startsWith("'=' is not")) return 'pep508/invalid-operator';
  if (message.startsWith('several requirements')) return 'pep508/several-requirements';
  if (message.includes('marker')) return 'pep508/invalid-marker';
  if (message.includes('version specifier')) return 'pep508/invalid-specifier';
  return 'pep508/invalid-requirement';
}

/** Reads a file's text for a reader, turning an unreadable file into a problem. */
export function readForManifest(m: Manifest): string | null {
  try {
    const file = readTextFile(m.path);
    m.problems.push(...file.problems);
    return file.text;
  } catch (e) {
    if (!(e instanceof SeamError)) throw e;
    problem(m, { line: e.line ?? 1, column: 1 }, 'error', 'file/unreadable', e.message);
    return null;
  }
}
