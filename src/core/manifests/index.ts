/** Which reader reads which file; finding manifests under a folder; merging them. */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import type { Manifest, ManifestKind, Requirement } from '../model/manifest';
import { specifierContains } from '../model/versions';
import { isSigned } from '../text/signature';
import { readCondaFile } from './conda';
import { isSkippedDir, looksLikeConda, matchManifest } from './patterns';
import { readPipfile } from './pipfile';
import { readPyproject } from './pyproject';
import { type RequirementsOptions, readRequirementsFile } from './requirements';
import { readSetupCfg } from './setupcfg';
import { readSetupPy } from './setuppy';
import { peekHead, peekText } from './text';

/** The manifest kind a path implies (MANIFEST_PATTERNS), or null when Seam does not read such files. */
export function kindOf(path: string): ManifestKind | null {
  return matchManifest(path)?.kind ?? null;
}

/** Reads one manifest of any kind into the model. Never throws for bad content. */
export function readManifest(path: string, options: RequirementsOptions & { kind?: ManifestKind } = {}): Manifest {
  const m = readByKind(path, options.kind ?? kindOf(path) ?? guessKind(path), options);
  // Problems in reading order: by file (as first read), then line and column.
  const fileOrder = new Map([...m.files, m.path].map((f, i) => [f, i] as const));
  m.problems.sort((a, b) => (fileOrder.get(a.path) ?? 0) - (fileOrder.get(b.path) ?? 0) || a.line - b.line || a.column - b.column);
  return m;
}

function readByKind(path: string, kind: ManifestKind, options: RequirementsOptions): Manifest {
  switch (kind) {
    case 'conda':
      return readCondaFile(path, options);
    case 'pyproject':
      return readPyproject(path);
    case 'pipfile':
      return readPipfile(path);
    case 'setup.cfg':
      return readSetupCfg(path);
    case 'setup.py':
      return readSetupPy(path);
    default:
      return readRequirementsFile(path, options);
  }
}

function guessKind(path: string): ManifestKind {
  const base = nodePath.basename(path).toLowerCase();
  if (/\.ya?ml$/.test(base)) return 'conda';
  if (base.endsWith('.toml')) return 'pyproject';
  return 'requirements';
}

export interface FindOptions {
  maxDepth?: number;
  maxEntries?: number;
}

export interface Discovered {
  /** The manifests, sorted: every file a MANIFEST_PATTERNS glob matches, outside skipped folders. */
  manifests: string[];
  /** Files that match but that Seam generated (their signature says so): its output, never read as manifests. */
  generated: string[];
  /** Where the walk stopped short (a folder deeper than the limit, the entry budget), said in words; empty when it saw everything. */
  limits: string[];
}

/** How deep discovery goes, and how many entries it looks at: far beyond any project's manifests. */
export const DISCOVERY_LIMITS = { maxDepth: 32, maxEntries: 200_000 };

/**
 * Finds the manifests under `root`, skipping VCS, virtualenv and build folders, and files Seam
 * generated. Sorted, deterministic. Unsaved editor texts (withOverlay) stand in for the files.
 */
export function discoverManifests(root: string, options: FindOptions = {}): Discovered {
  const maxDepth = options.maxDepth ?? DISCOVERY_LIMITS.maxDepth;
  const maxEntries = options.maxEntries ?? DISCOVERY_LIMITS.maxEntries;
  let budget = maxEntries;
  const found: Discovered = { manifests: [], generated: [], limits: [] };
  const tooDeep: string[] = [];
  const walk = (dir: string, rel: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (--budget < 0) return;
      const full = nodePath.join(dir, e.name);
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (isSkippedDir(e.name)) continue;
        if (depth < maxDepth) walk(full, relPath, depth + 1);
        else tooDeep.push(relPath);
        continue;
      }
      if (!e.isFile()) continue;
      const pattern = matchManifest(relPath);
      if (!pattern) continue;
      const head = peekHead(full);
      if (head !== null && isSigned(head)) found.generated.push(full);
      else if (!pattern.byFolder || looksLikeConda(peekText(full) ?? '')) found.manifests.push(full);
    }
  };
  walk(root, '', 0);
  if (tooDeep.length)
    found.limits.push(
      `folders more than ${maxDepth} levels deep were not searched for manifests (${tooDeep.slice(0, 3).join(', ')}${tooDeep.length > 3 ? `, and ${tooDeep.length - 3} more` : ''})`,
    );
  if (budget < 0)
    found.limits.push(
      `the folder has more than ${maxEntries.toLocaleString('en')} files and folders: Seam stopped searching for manifests there; name the manifests explicitly (seam inspect FILE…)`,
    );
  return found;
}

/** The manifests under `root` (see discoverManifests). */
export function findManifests(root: string, options: FindOptions = {}): string[] {
  return discoverManifests(root, options).manifests;
}

/** A requirement declared in more than one place, with whether the declarations can agree. */
export interface Overlap {
  normalizedName: string;
  kind: 'duplicate' | 'conflict';
  message: string;
  requirements: Requirement[];
}

export interface ProjectModel {
  manifests: Manifest[];
  overlaps: Overlap[];
}

/**
 * Reads every given manifest. A file that another one includes (-r/-c) is not read again as
 * a root. Requirements of the same package in several places are reported as overlaps.
 */
export function readProject(paths: string[], options: RequirementsOptions = {}): ProjectModel {
  const manifests: Manifest[] = [];
  const included = new Set<string>();
  const sorted = [...paths].sort((a, b) => includeRank(a) - includeRank(b) || a.localeCompare(b));
  for (const p of sorted) {
    if (included.has(nodePath.resolve(p))) continue;
    const m = readManifest(p, options);
    for (const f of m.files.slice(1)) included.add(nodePath.resolve(f));
    manifests.push(m);
  }
  const byPath = new Map(manifests.map((m) => [m.path, m]));
  const ordered = paths.map((p) => byPath.get(p)).filter((m): m is Manifest => m !== undefined);
  return { manifests: ordered, overlaps: findOverlaps(ordered) };
}

/** Top-level manifests first so that included files are folded into what includes them. */
function includeRank(path: string): number {
  const kind = kindOf(path);
  if (kind === 'conda' || kind === 'pyproject') return 0;
  const base = nodePath.basename(path).toLowerCase();
  if (base === 'requirements.txt' || base.includes('dev') || base.includes('test') || base.includes('all')) return 1;
  return 2;
}

export function findOverlaps(manifests: Manifest[]): Overlap[] {
  const groups = new Map<string, Requirement[]>();
  for (const m of manifests) {
    for (const r of m.requirements) {
      if (!r.normalizedName || r.scope.kind === 'build') continue;
      // A conda package and a PyPI package of the same normalized name are the same package;
      // names that differ across ecosystems (pytorch/torch) are the planner's to map.
      const key = r.normalizedName;
      (groups.get(key) ?? groups.set(key, []).get(key)!).push(r);
    }
  }
  const overlaps: Overlap[] = [];
  for (const [, reqs] of groups) {
    if (reqs.length < 2) continue;
    const pinned = reqs.filter((r) => r.specifier);
    const conflict = findConflict(pinned);
    const where = reqs.map((r) => `${nodePath.basename(r.source.path)}:${r.source.line}`).join(', ');
    overlaps.push(
      conflict
        ? {
            normalizedName: reqs[0].normalizedName,
            kind: 'conflict',
            requirements: reqs,
            message: `${reqs[0].normalizedName}: '${conflict[0].specifier}' (${loc(conflict[0])}) and '${conflict[1].specifier}' (${loc(conflict[1])}) cannot both hold`,
          }
        : {
            normalizedName: reqs[0].normalizedName,
            kind: 'duplicate',
            requirements: reqs,
            message: `${reqs[0].normalizedName} is declared ${reqs.length} times (${where})`,
          },
    );
  }
  return overlaps.sort((a, b) => a.normalizedName.localeCompare(b.normalizedName));
}

function loc(r: Requirement): string {
  return `${nodePath.basename(r.source.path)}:${r.source.line}`;
}

/** Two declarations conflict when no version named in either satisfies both (markers ignored). */
function findConflict(all: Requirement[]): [Requirement, Requirement] | null {
  // One representative per distinct (specifier, marker): copies of a pin cannot contradict each
  // other, and a file with thousands of declarations of one name stays fast (bounded at 64).
  const distinct = new Map<string, Requirement>();
  for (const r of all) {
    const key = `${r.specifier}\u0000${r.marker ?? ''}`;
    if (!distinct.has(key) && distinct.size < 64) distinct.set(key, r);
  }
  const reqs = [...distinct.values()];
  for (let i = 0; i < reqs.length; i++) {
    for (let j = i + 1; j < reqs.length; j++) {
      const a = reqs[i];
      const b = reqs[j];
      if (a.marker !== b.marker && a.marker && b.marker) continue;
      const candidates = [...versionsIn(a.specifier), ...versionsIn(b.specifier)].flatMap(neighbours);
      const agree = candidates.some((v) => safeContains(a.specifier, v) && safeContains(b.specifier, v)); // memoized in versions.ts
      if (!agree && candidates.length) return [a, b];
    }
  }
  return null;
}

function versionsIn(spec: string): string[] {
  return spec
    .split(',')
    .map((c) => c.replace(/^[=!<>~]+/, '').replace(/\.\*$/, ''))
    .filter(Boolean);
}

/** A version and ones just above it, so ranges like ">=1,<2" and ">1.5" find common ground. */
function neighbours(v: string): string[] {
  const base = v.split('+')[0];
  const parts = base.split('.');
  const last = Number(parts[parts.length - 1]);
  const up = Number.isFinite(last) ? [...parts.slice(0, -1), String(last + 1)].join('.') : base;
  return [v, base, `${base}.1`, up, `${base}.post1`];
}

function safeContains(spec: string, v: string): boolean {
  try {
    return specifierContains(spec, v);
  } catch {
    return false;
  }
}
