/**
 * `seam index refresh`: read the facts Seam's planner uses (version, native build, CUDA
 * awareness, the python3Packages attribute names, the CUDA package sets) from a real nixpkgs
 * with `nix eval`, and merge them over the bundled knowledge with the nixpkgs revision recorded.
 * This file builds the Nix expression and merges its JSON; the CLI runs nix.
 */

import { nixString } from '../text/escape';
import type bundledType from './data/knowledge.json';
import { bundledData } from './index';

/** Build inputs whose presence means a package compiles native code or ships binaries. */
const NATIVE_INPUTS = [
  'cython',
  'pybind11',
  'cmake',
  'meson',
  'meson-python',
  'ninja',
  'maturin',
  'cargo',
  'rustc',
  'setuptools-rust',
  'scikit-build',
  'scikit-build-core',
  'gfortran',
  'auto-patchelf-hook',
  'autoPatchelfHook',
  'nanobind',
  'cuda_nvcc',
  'bazel',
];

/** The expression: `ref` is a flake reference or a path to a nixpkgs checkout. */
export function refreshExpression(ref: string, names: string[]): string {
  const isPath = ref.startsWith('/') || ref.startsWith('./') || ref.startsWith('../');
  const src = isPath ? `{ outPath = ${nixString(ref)}; rev = null; }` : `builtins.getFlake ${nixString(ref)}`;
  return `let
  src = ${src};
  pkgs = import src.outPath { system = builtins.currentSystem; config.allowUnfree = true; };
  ps = pkgs.python3Packages;
  native = [ ${NATIVE_INPUTS.map(nixString).join(' ')} ];
  safe = v: d: let r = builtins.tryEval v; in if r.success then r.value else d;
  inputNames = p: map (d: safe (d.pname or d.name or "") "") (safe (p.nativeBuildInputs or [ ]) [ ] ++ safe (p.buildInputs or [ ]) [ ]);
  fact = name:
    let p = ps.\${name}; in
    if !(safe (ps ? \${name}) false) || !(safe (p ? version) false) then null else {
      attr = name;
      version = safe p.version null;
      native = builtins.any (n: builtins.elem n native) (inputNames p) || safe (builtins.match ".*-bin" name != null) false;
      cudaAware = safe (let a = p.override.__functionArgs or { }; in a ? cudaSupport || a ? cudaPackages) false;
    };
in {
  revision = src.rev or null;
  attrs = builtins.attrNames ps;
  python = builtins.listToAttrs (builtins.filter (x: x.value != null) (map (n: { name = n; value = fact n; }) [ ${names.map(nixString).join(' ')} ]));
  cudaSets = builtins.filter (n: builtins.match "cudaPackages_[0-9]+_[0-9]+" n != null) (builtins.attrNames pkgs);
  cudaDefault = safe pkgs.cudaPackages.cudaMajorMinorVersion (safe pkgs.cudaPackages.cudaVersion null);
}`;
}

export interface RefreshResult {
  revision: string | null;
  attrs: string[];
  python: Record<string, { attr: string; version: string | null; native: boolean; cudaAware: boolean }>;
  cudaSets: string[];
  cudaDefault: string | null;
}

type Bundled = typeof bundledType;

/** The attributes to ask about: every package Seam's knowledge has facts for. */
export function refreshNames(): string[] {
  return [...new Set(Object.values(bundledData().python.packages as Record<string, { attr: string }>).map((p) => p.attr))].sort();
}

/** Bundled knowledge with the refreshed facts laid over it; what nixpkgs does not say stays as it was. */
export function mergeRefresh(result: RefreshResult, ref: string): Bundled {
  const data = structuredClone(bundledData()) as Bundled;
  const packages = data.python.packages as Record<string, Record<string, unknown>>;
  const byAttr = new Map(Object.entries(packages).map(([pypi, p]) => [p.attr as string, pypi]));
  for (const [attr, fact] of Object.entries(result.python)) {
    const pypi = byAttr.get(attr);
    if (!pypi) continue;
    const p = packages[pypi];
    p.version = fact.version;
    p.native = (p.native as boolean) || fact.native; // Seam's own facts (a wheel with .so files) are kept.
    p.cudaAware = fact.cudaAware || (p.cudaAware as boolean);
    p.source = `${ref}${result.revision ? `@${result.revision.slice(0, 12)}` : ''} (seam index refresh)`;
    delete p.uncertain;
  }
  if (result.attrs.length) data.python.attrs = [...result.attrs].sort();
  const sets = result.cudaSets.map((s) => s.replace('cudaPackages_', '')).sort();
  if (sets.length) data.cuda.sets = sets;
  if (result.cudaDefault) data.cuda.default = result.cudaDefault.replace('.', '_');
  (data as { origin?: string }).origin = 'index';
  (data as { nixpkgs: { revision: string | null; describes: string } }).nixpkgs = {
    revision: result.revision,
    describes: `${ref}, read with nix eval by seam index refresh`,
  };
  return data;
}
