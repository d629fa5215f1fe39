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
import type { PinFacts } from './pin';

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

/** A Python set nixpkgs has: built means the binary caches build it (nixpkgs recurses into it). */
export interface PythonSet {
  version: string;
  attr: string;
  built: boolean;
}

export interface Knowledge {
  nixpkgs: { revision: string | null; describes: string };
  /** Where the facts come from: read from the pinned nixpkgs, from `seam index refresh`, or Seam's bundle (approximate versions). */
  origin: { kind: 'pin' | 'index' | 'bundled'; approximate: boolean };
  /** The Python sets nixpkgs has, newest first. */
  pythons: PythonSet[];
  /** nixpkgs' default python3 (a version: "3.13"). */
  defaultPython: string;
  /**
   * Whether python package `attr` evaluates in Python set `pythonAttr` on `system` for `target`:
   * true, or why not; null where the target does not exist there; undefined when Seam does not know
   * (bundled knowledge, or a package the pin was not asked about).
   */
  availability(pythonAttr: string, attr: string, system: string, target: 'cpu' | 'cuda'): true | string | null | undefined;
  /** The same for a top-level attribute (a system package); undefined where nothing is known. */
  toolAvailability(attr: string, system: string, target: 'cpu' | 'cuda'): true | string | null | undefined;
  /** PyPI (normalized) name → nixpkgs python3Packages facts. */
  python(name: string): NixPackage | undefined;
  /** Whether python3Packages has an attribute of this name (or its `_`/no-dash spelling). */
  hasAttr(name: string): string | null;
  /** Why a package nixpkgs lacks is believed to build native code, or undefined. */
  nativeSignal(name: string): string | undefined;
  /** Whether real lock files show only py3-none-any wheels of it: the evidence that it is pure Python. */
  pureWheel(name: string): boolean;
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
  const pure = new Set((data.python as { pureWheels?: string[] }).pureWheels ?? []);
  // A distribution known under another name of the same nixpkgs package (faiss-gpu, faiss → faiss-cpu's entry).
  const byAlias = new Map<string, NixPackage>();
  for (const [key, p] of Object.entries(packages))
    for (const a of (p as { aliases?: string[] }).aliases ?? [])
      if (!Object.hasOwn(packages, normalizeName(a))) byAlias.set(normalizeName(a), packages[key]);
  const traps = data.python.traps as Record<string, string>;
  const conda = data.conda as Record<string, CondaFact>;
  const deps = data.deps as Record<string, { deps: string[]; source: string }>;
  const own = <T>(o: Record<string, T>, k: string): T | undefined => (Object.hasOwn(o, k) ? o[k] : undefined);
  const py = (data as { pythons?: { sets: PythonSet[]; default: string } }).pythons ?? BUNDLED_PYTHONS;
  return {
    nixpkgs: data.nixpkgs,
    origin: { kind: (data as { origin?: 'index' }).origin ?? 'bundled', approximate: (data as { origin?: 'index' }).origin !== 'index' },
    pythons: [...py.sets].sort((a, b) => compareMinor(b.version, a.version)),
    defaultPython: py.default,
    availability: () => undefined,
    toolAvailability: () => undefined,
    python: (name) => {
      const p = own(packages, normalizeName(name)) ?? byAlias.get(normalizeName(name));
      // A package that needs a system library (rtree: libspatialindex; pyopengl: libGL) is not pure Python.
      return p && !p.native && (p as { systemDeps?: string[] }).systemDeps?.length ? { ...p, native: true } : p;
    },
    hasAttr: (name) => {
      const n = normalizeName(name);
      for (const candidate of [n, n.replace(/-/g, '_'), n.replace(/-/g, '')]) if (attrs.has(candidate)) return candidate;
      return null;
    },
    nativeSignal: (name) => own(signals, normalizeName(name)),
    pureWheel: (name) => pure.has(normalizeName(name)),
    trap: (name) => own(traps, normalizeName(name)),
    conda: (name) => own(conda, name.toLowerCase()),
    deps: (name) => own(deps, normalizeName(name)),
    cuda: data.cuda,
  };
}

/**
 * The Python sets of nixpkgs 25.11 (late 2025): python3 = python313; 3.12 and 3.13 recursed (built
 * by the caches), 3.10, 3.11 and 3.14 not. Only used when no nixpkgs can be read.
 */
const BUNDLED_PYTHONS: { sets: PythonSet[]; default: string } = {
  default: '3.13',
  sets: [
    { version: '3.14', attr: 'python314', built: false },
    { version: '3.13', attr: 'python313', built: true },
    { version: '3.12', attr: 'python312', built: true },
    { version: '3.11', attr: 'python311', built: false },
    { version: '3.10', attr: 'python310', built: false },
  ],
};

const compareMinor = (a: string, b: string) => {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am - bm || an - bn;
};

/**
 * Knowledge with the facts read from the pinned nixpkgs laid over `base`: its versions, attribute
 * existence, Python sets and default, CUDA sets and default, and per system and target whether a
 * package evaluates. What the pin was not asked about comes from `base`.
 */
export function knowledgeWithPin(base: Knowledge, facts: PinFacts): Knowledge {
  const sets = facts.python.sets.map((s) => ({ ...s })).sort((a, b) => compareMinor(b.version, a.version));
  const defaultAttr = facts.python.default;
  const defaultVersion = sets.find((s) => s.attr === defaultAttr)?.version ?? base.defaultPython;
  const inDefault = facts.packages[defaultAttr] ?? Object.values(facts.packages)[0] ?? {};
  const asked = (attr: string) => Object.hasOwn(inDefault, attr);
  const cudaSets = facts.cuda.sets.map((n) => n.replace('cudaPackages_', ''));
  return {
    ...base,
    nixpkgs: {
      revision: facts.locked.rev ?? facts.locked.narHash,
      describes: `${facts.ref}${facts.locked.rev ? ` at ${facts.locked.rev.slice(0, 12)}` : ''} (read with nix eval)`,
    },
    origin: { kind: 'pin', approximate: false },
    pythons: sets,
    defaultPython: defaultVersion,
    availability: (pythonAttr, attr, system, target) => {
      const p = facts.packages[pythonAttr]?.[attr];
      if (p === undefined) return undefined;
      if (p === null) return 'not in this nixpkgs';
      const on = p.on[system];
      return on ? on[target] : undefined;
    },
    toolAvailability: (attr, system, target) => {
      if (!facts.system || !Object.hasOwn(facts.system, attr)) return undefined;
      const p = facts.system[attr];
      if (p === null) return 'not in this nixpkgs';
      const on = p.on[system];
      return on ? on[target] : undefined;
    },
    python: (name) => {
      const b = base.python(name);
      if (!b) {
        // Not in Seam's bundle, but the pin was asked about it: what nixpkgs builds says native or not.
        const n = normalizeName(name);
        const attr = [n, n.replace(/-/g, '_'), n.replace(/-/g, '')].find(asked);
        const f = attr ? inDefault[attr] : null;
        if (!attr || !f || f.native === undefined) return undefined;
        return { attr, version: f.version, native: f.native, cudaAware: f.cudaAware, uncertain: false, source: `${facts.ref} (nix eval)` };
      }
      if (!asked(b.attr)) return b;
      const f = inDefault[b.attr];
      if (f === null) return undefined; // this nixpkgs has no such attribute
      return {
        ...b,
        version: f.version,
        native: b.native || f.native === true,
        cudaAware: b.cudaAware || f.cudaAware,
        uncertain: false,
        source: `${facts.ref} (nix eval)`,
      };
    },
    // What nixpkgs' own package brings with it, as the pin says (the bundle's is PyPI's metadata).
    deps: (name) => {
      const b = base.python(name);
      const f = b && asked(b.attr) ? inDefault[b.attr] : undefined;
      if (!f?.closure) return base.deps(name);
      const own = normalizeName(name);
      return { deps: [...new Set(f.closure.map(normalizeName))].filter((d) => d !== own).sort(), source: `${facts.ref} (nix eval)` };
    },
    hasAttr: (name) => {
      const n = normalizeName(name);
      const candidates = [n, n.replace(/-/g, '_'), n.replace(/-/g, '')];
      for (const c of candidates) if (asked(c)) return inDefault[c] ? c : null;
      return base.hasAttr(name);
    },
    cuda: {
      ...base.cuda,
      sets: cudaSets.length ? cudaSets : base.cuda.sets,
      default: facts.cuda.default ? facts.cuda.default.replace('.', '_') : base.cuda.default,
    },
  };
}

let cached: Knowledge | undefined;
/** The bundled knowledge (parsed once). */
export function defaultKnowledge(): Knowledge {
  return (cached ??= knowledgeFrom(bundledData()));
}
