/** The plan: for every package, on every target, who installs it and why. Pure data. */
import type { Problem } from '../errors';
import type { PackageIndex } from '../model/manifest';

export type Target = 'cpu' | 'cuda';
export const TARGETS: readonly Target[] = ['cpu', 'cuda'];

/** nix: python3Packages in the flake; uv: .venv via uv.lock; system: a nixpkgs tool or library; skip: nobody. */
export type Owner = 'nix' | 'uv' | 'system' | 'skip';

export type Reason =
  | 'native'
  | 'cuda-aware'
  | 'closure'
  | 'pure-python'
  | 'not-in-nixpkgs'
  | 'maybe-native'
  | 'native-not-in-nixpkgs'
  | 'name-trap'
  | 'system-package'
  | 'cuda-toolkit'
  | 'cuda-selector'
  | 'interpreter'
  | 'packaging-tool'
  | 'build-only'
  | 'conda-internal'
  | 'direct-reference'
  | 'local-project'
  | 'override'
  | 'version-policy';

/** How Nix's version meets the pins: uv-owned packages are resolved by uv instead. */
export type VersionStatus = 'satisfied' | 'conflict' | 'unpinned' | 'unknown' | 'resolved-by-uv';

export type VersionPolicy = 'nix' | 'uv' | 'strict';

export interface PlannedPackage {
  /** PyPI name (normalized) for Python packages; the conda or nixpkgs name for system packages. */
  name: string;
  owner: Record<Target, Owner>;
  reason: Reason;
  /** One sentence a person reads: "torch → Nix: native, CUDA-aware; nixpkgs torch 2.2.1 satisfies >=2.0". */
  explanation: string;
  /** python3Packages attribute (nix) or top-level attribute (system), per target where they differ. */
  nixAttr: Partial<Record<Target, string>>;
  nixVersion: string | null;
  /** Every specifier requested for it, joined (conda specs translated where exact). */
  requested: string;
  status: VersionStatus;
  /** For a conflict: what the user can do, and what the policy in seam.toml did. */
  conflict?: { choices: string[]; applied: string };
  /** Nix's build of it follows config.cudaSupport (the cuda shell builds it with CUDA). */
  cudaAware?: boolean;
  /** Seam's knowledge of nixVersion is uncertain (bundled, not read from the pin): never a uv constraint. */
  versionUncertain?: boolean;
  /** The names the manifests used when they differ from `name` (conda's pytorch, onnxruntime-gpu). */
  requestedAs?: string[];
  /** Per target, the systems whose shell leaves it out, and why (markers, or nixpkgs does not evaluate it there). */
  excluded?: Partial<Record<Target, { system: string; why: string }[]>>;
  /** For a closure member: the Nix-owned packages that need it. */
  neededBy?: string[];
  /** uv's part: a direct reference, editable, extras and markers as written. */
  url?: string;
  editable?: boolean;
  extras: string[];
  markers: string[];
  warnings: string[];
  sources: { path: string; line: number; column: number }[];
}

export interface Plan {
  targets: Target[];
  python: { version: string; attr: string; reason: string; requested: string | null; built: boolean; record?: boolean };
  cuda: { requested: string | null; version: string; set: string; reason: string; overlay: boolean };
  packages: PlannedPackage[];
  /** Package indexes for uv (conda channels excluded). */
  indexes: PackageIndex[];
  /** Constraint-file pins (`-c`), which narrow versions but install nothing. */
  constraints: { name: string; specifier: string; source: { path: string; line: number } }[];
  /** Where the versions come from: the pinned nixpkgs read with nix eval, `seam index refresh`, or Seam's bundle (approximate). */
  nixpkgs: { revision: string | null; describes: string; facts: 'pin' | 'index' | 'bundled'; approximate: boolean };
  problems: Problem[];
}

/** What seam.toml contributes to planning. */
export interface PlanConfig {
  policy: VersionPolicy;
  /** Systems with a cpu shell, and those with a cuda shell (defaults: DEFAULT_SYSTEMS, x86_64-linux). */
  systems?: string[];
  cudaSystems?: string[];
  overrides: Record<string, { owner?: Exclude<Owner, 'system'> }>;
  python?: string;
  cuda?: string;
  /**
   * The team's own pyproject.toml, which uv locks (absolute path): its requires-python binds the
   * interpreter, since uv refuses a .venv outside it.
   */
  uvPyproject?: string;
}

export const DEFAULT_CONFIG: PlanConfig = { policy: 'nix', overrides: {} };

export const DEFAULT_SYSTEMS = ['x86_64-linux', 'aarch64-linux', 'x86_64-darwin', 'aarch64-darwin'];
