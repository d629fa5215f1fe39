/**
 * uv.lock, as uv writes it (version 1, with or without `revision`): packages with name, version,
 * source and dependency edges (runtime, extras, dependency groups), plus the `[manifest]`
 * constraints. Only what the contract check needs. Read by uvlockFast.ts (one pass, no positions);
 * the full TOML parser only for locks outside what uv writes, and to say where a broken one breaks.
 */
import { getStaticTOMLValue, parseTOML } from 'toml-eslint-parser';
import { SeamError } from '../errors';
import { LineIndex } from '../manifests/text';
import { normalizeName } from '../model/names';
import { type FastLock, readUvLockFast } from './uvlockFast';

export interface LockedPackage {
  name: string;
  version: string | null;
  source: Record<string, unknown>;
  /** Names this package depends on, over all extras and groups. */
  deps: Set<string>;
}

export interface UvLock {
  version: number | null;
  packages: LockedPackage[];
  /** Normalized name → every version locked for it (a lock can hold several, split by markers). */
  versions: Map<string, Set<string>>;
  /** `[manifest] constraints`: what constraint-dependencies the lock was made with. */
  constraints: { name: string; specifier: string | null }[];
}

type Dep = { name?: unknown };

export function parseUvLock(text: string): UvLock {
  return fromRead(readUvLockFast(text) ?? readUvLockFull(text));
}

/** The whole TOML parser: for locks outside what uv writes, and for errors with their line. */
export function readUvLockFull(text: string): FastLock {
  let doc: Record<string, unknown>;
  try {
    doc = getStaticTOMLValue(parseTOML(text)) as unknown as Record<string, unknown>;
  } catch (e) {
    const err = e as { message: string; index?: number; lineNumber?: number; column?: number };
    // An error found at a line break (a missing value) belongs to the line it ends.
    const index =
      typeof err.index === 'number' ? Math.min(err.index, text.length) - (text[Math.min(err.index, text.length) - 1] === '\n' ? 1 : 0) : -1;
    const at = index >= 0 ? new LineIndex(text).position(index) : { line: err.lineNumber ?? 1, column: (err.column ?? 0) + 1 };
    throw new SeamError(`uv.lock is not valid TOML: ${err.message}`, at.column, undefined, at.line);
  }
  const raw = Array.isArray(doc.package) ? (doc.package as Record<string, unknown>[]) : [];
  const packages: FastLock['packages'] = [];
  for (const p of raw) {
    if (typeof p.name !== 'string') continue;
    const deps: string[] = [];
    const lists: unknown[] = [p.dependencies];
    for (const table of ['optional-dependencies', 'dev-dependencies']) {
      const t = p[table];
      if (t && typeof t === 'object') lists.push(...Object.values(t as Record<string, unknown>));
    }
    for (const list of lists) if (Array.isArray(list)) for (const d of list as Dep[]) if (typeof d?.name === 'string') deps.push(d.name);
    const source = p.source && typeof p.source === 'object' && !Array.isArray(p.source) ? (p.source as Record<string, unknown>) : {};
    packages.push({ name: p.name, version: typeof p.version === 'string' ? p.version : null, source, deps });
  }
  const manifest = (doc.manifest as Record<string, unknown>) ?? {};
  const constraints = Array.isArray(manifest.constraints) ? (manifest.constraints as { name: unknown; specifier: unknown }[]) : [];
  return { version: typeof doc.version === 'number' ? doc.version : null, packages, constraints };
}

function fromRead(read: FastLock): UvLock {
  const packages: LockedPackage[] = [];
  const versions = new Map<string, Set<string>>();
  for (const p of read.packages) {
    if (!p.name) continue;
    const name = normalizeName(p.name);
    packages.push({ name, version: p.version, source: p.source, deps: new Set(p.deps.map(normalizeName)) });
    if (p.version) {
      const set = versions.get(name) ?? new Set<string>();
      set.add(p.version);
      versions.set(name, set);
    }
  }
  const constraints = read.constraints
    .filter((c) => c && typeof c.name === 'string')
    .map((c) => ({ name: normalizeName(c.name as string), specifier: typeof c.specifier === 'string' ? c.specifier : null }));
  return { version: read.version, packages, versions, constraints };
}

/**
 * Packages uv must not install: the Nix-owned ones and everything reachable from the project only
 * through them. The same rule as the shells' seam-uv.py (src/core/generate/helper.ts).
 */
export function nixOnly(lock: UvLock, owned: Set<string>): { excluded: string[]; through: Map<string, string[]> } {
  const edges = new Map<string, Set<string>>();
  const depended = new Set<string>();
  const roots: string[] = [];
  for (const p of lock.packages) {
    const e = edges.get(p.name) ?? new Set<string>();
    for (const d of p.deps) {
      e.add(d);
      depended.add(d);
    }
    edges.set(p.name, e);
    if ('virtual' in p.source || 'editable' in p.source) roots.push(p.name);
  }
  // Nix's packages resolved from the stand-in wheels (.seam/nix-wheels) carry no code: installing them is harmless.
  const shimmed = new Set(lock.packages.filter((p) => /\.seam\/nix-wheels\/?$/.test(String(p.source.registry ?? ''))).map((p) => p.name));
  if (shimmed.size) owned = new Set([...owned].filter((n) => !shimmed.has(n)));
  const start = roots.length ? roots : [...edges.keys()].filter((n) => !depended.has(n));
  const seen = new Set<string>();
  const stack = start.filter((r) => !owned.has(r));
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const d of edges.get(n) ?? []) if (!owned.has(d)) stack.push(d);
  }
  const excluded = [...edges.keys()].filter((n) => !seen.has(n)).sort();
  // For messages: which Nix-owned packages pull each excluded one in.
  const through = new Map<string, string[]>();
  for (const o of owned) {
    if (!edges.has(o)) continue;
    const visit = [o];
    const mark = new Set<string>();
    while (visit.length) {
      const n = visit.pop()!;
      if (mark.has(n)) continue;
      mark.add(n);
      for (const d of edges.get(n) ?? []) if (!seen.has(d) && !owned.has(d)) visit.push(d);
    }
    for (const n of mark) if (n !== o) through.set(n, [...(through.get(n) ?? []), o].sort());
  }
  return { excluded, through };
}
