/**
 * Seam's package knowledge: which PyPI names nixpkgs packages (and how: native, CUDA-aware,
 * variants, version), what conda names mean, the Python dependencies of Nix-owned packages, and
 * the CUDA package sets nixpkgs has. Bundled from ../shared/data by scripts/build-knowledge.ts;
 * `seam index refresh` will replace it with facts read from a real nixpkgs.
 */
import type bundledType from './data/knowledge.json';

/** The bundled facts, loaded on first use (the editor activates without paying for them). */
export function bundledData(): Bundled {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./data/knowledge.json') as Bundled;
}

import { normalizeName } from '../model/names';

export interface NixPackage {
  attr: string;
  version: string | null;
  native: boolean;
  cudaAware: boolean;
  variants?: { bin?: string; withCuda?: string; withoutCuda?: string };
  uncertain?: boolean;
  source?: string;
}

export type CondaKind =
  | 'python'
  | 'python-metapackage'
  | 'interpreter'
  | 'non-python'
  | 'cuda'
  | 'cuda-selector'
  | 'blas-selector'
  | 'conda-internal'
  | 'tool';

export interface CondaFact {
  kind: CondaKind;
  pypi?: string;
  nixPython?: string;
  nixTopLevel?: string;
  uncertain?: boolean;
}

export interface Knowledge {
  nixpkgs: { revision: string | null; describes: string };
  /** PyPI (normalized) name → nixpkgs python3Packages facts. */
  python(name: string): NixPackage | undefined;
  /** Whether python3Packages has an attribute of this name (or its `_`/no-dash spelling). */
  hasAttr(name: string): string | null;
  /** Why a package nixpkgs lacks is believed to build native code, or undefined. */
  nativeSignal(name: string): string | undefined;
  /** A known trap: nixpkgs' attribute of this name is a different project. */
  trap(name: string): string | undefined;
  conda(name: string): CondaFact | undefined;
  /** Python dependencies of a Nix-owned package, where known. */
  deps(name: string): { deps: string[]; source: string } | undefined;
  cuda: {
    sets: string[];
    default: string;
    caches: { name: string; url: string; publicKey: string; uncertain: boolean }[];
    /** NVIDIA's table: the first Linux driver of each CUDA GA release, and each major's minimum branch. */
    drivers: { source: string; ga: { cuda: string; minDriver: string }[]; families: { major: number; minBranch: number }[] };
  };
}

type Bundled = typeof bundledType;

export function knowledgeFrom(data: Bundled): Knowledge {
  const packages = data.python.packages as Record<string, NixPackage>;
  const attrs = new Set(data.python.attrs);
  const signals = data.python.nativeSignals as Record<string, string>;
  const traps = data.python.traps as Record<string, string>;
  const conda = data.conda as Record<string, CondaFact>;
  const deps = data.deps as Record<string, { deps: string[]; source: string }>;
  const own = <T>(o: Record<string, T>, k: string): T | undefined => (Object.hasOwn(o, k) ? o[k] : undefined);
  return {
    nixpkgs: data.nixpkgs,
    python: (name) => own(packages, normalizeName(name)),
    hasAttr: (name) => {
      const n = normalizeName(name);
      for (const candidate of [n, n.replace(/-/g, '_'), n.replace(/-/g, '')]) if (attrs.has(candidate)) return candidate;
      return null;
    },
    nativeSignal: (name) => own(signals, normalizeName(name)),
    trap: (name) => own(traps, normalizeName(name)),
    conda: (name) => own(conda, name.toLowerCase()),
    deps: (name) => own(deps, normalizeName(name)),
    cuda: data.cuda,
  };
}

let cached: Knowledge | undefined;
/** The bundled knowledge (parsed once). */
export function defaultKnowledge(): Knowledge {
  return (cached ??= knowledgeFrom(bundledData()));
}
