/** The normalized model every manifest reader produces. Lines and columns are 1-based. */
import type { Problem } from '../errors';

export type ManifestKind = 'requirements' | 'conda' | 'pyproject' | 'pipfile' | 'setup.cfg' | 'setup.py';

export interface SourceLocation {
  path: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

/** Where a requirement sits in the project: runtime, an extra, a group, build-time, or a constraint. */
export type Scope =
  | { kind: 'main' }
  | { kind: 'extra'; name: string }
  | { kind: 'group'; name: string }
  | { kind: 'build' }
  | { kind: 'constraint' };

export interface Requirement {
  /** The name as written (a conda name for conda packages). */
  name: string;
  normalizedName: string;
  /** PEP 440 specifier, clauses joined by ',' ("" when none or not expressible). */
  specifier: string;
  extras: string[];
  marker: string | null;
  /** Direct reference: URL, VCS URL, or local path/archive. */
  url: string | null;
  editable: boolean;
  hashes: string[];
  source: SourceLocation;
  /** The requirement text as written (after joining continuation lines). */
  text: string;
  /** 'pypi' for Python packages, 'conda' for conda packages. */
  ecosystem: 'pypi' | 'conda';
  scope: Scope;
  /** What kind of reference `url` is. */
  reference?: { type: 'url' | 'vcs' | 'path'; vcs?: string; subdirectory?: string; revision?: string };
  /** pip per-requirement options (--config-settings, --global-option). */
  options?: Record<string, string[]>;
  /** conda-only fields: channel, conda version spec and build string as written. */
  conda?: { channel: string | null; version: string | null; build: string | null };
  /** Source in a manifest's own table (poetry/uv/pdm sources: `{git=…}`, `{path=…}`, index name). */
  sourceHint?: Record<string, string>;
  /** A local project whose build imports torch ('torch-cuda': a CUDA extension): it builds without isolation, against Nix's torch. */
  localBuild?: 'torch' | 'torch-cuda';
}

export interface PackageIndex {
  url: string;
  name?: string;
  kind: 'index-url' | 'extra-index-url' | 'find-links' | 'conda-channel' | 'source';
  /** Marks the default (primary) index where a manifest says so. */
  default?: boolean;
  /** Only for the packages tied to it by name (poetry `priority = "explicit"`, uv `explicit = true`). */
  explicit?: boolean;
  source: SourceLocation;
}

export interface PipOptions {
  pre?: boolean;
  noIndex?: boolean;
  noBinary?: string[];
  onlyBinary?: string[];
  preferBinary?: boolean;
  requireHashes?: boolean;
  trustedHosts?: string[];
}

export interface Manifest {
  path: string;
  kind: ManifestKind;
  /** Project name when the manifest has one (pyproject, conda `name`, setup.*). */
  name?: string;
  /** Python version constraint (PEP 440 specifier, or conda `python` spec translated). */
  python?: { specifier: string; source: SourceLocation };
  channels: string[];
  indexes: PackageIndex[];
  requirements: Requirement[];
  problems: Problem[];
  /** Files read on the way (includes), in order, including this one. */
  files: string[];
  pip: PipOptions;
  /** Conda `variables`, `prefix`; pyproject `dynamic`, uv `environments`, etc. */
  extra: Record<string, unknown>;
}

export function emptyManifest(path: string, kind: ManifestKind): Manifest {
  return { path, kind, channels: [], indexes: [], requirements: [], problems: [], files: [path], pip: {}, extra: {} };
}
