/**
 * The interpreter and the CUDA version of a plan: read from what the manifests say (conda pins,
 * requires-python, `+cu121` wheels, `/cu121` indexes, `jax[cuda12]`, `nvidia-*-cu12`), mapped to
 * what nixpkgs has, saying so when the version has to move.
 */
import * as nodePath from 'node:path';
import type { Problem } from '../errors';
import type { Knowledge } from '../knowledge/index';
import type { Manifest, Requirement } from '../model/manifest';
import { specifierContains } from '../model/versions';
import type { PlanConfig } from './types';

/** Interpreters nixpkgs carries (python310 … python313), newest first, and its default python3. */
export const NIX_PYTHONS = ['3.13', '3.12', '3.11', '3.10'];
export const DEFAULT_PYTHON = '3.12';

export interface InterpreterChoice {
  version: string;
  attr: string;
  requested: string | null;
  reason: string;
  problems: Problem[];
}

/** Whether some patch release of `minor` (3.11 → 3.11.0 … 3.11.30) satisfies `spec`. */
function minorSatisfies(minor: string, spec: string): boolean {
  for (let patch = 0; patch <= 30; patch++) {
    try {
      if (specifierContains(spec, `${minor}.${patch}`, { prereleases: false })) return true;
    } catch {
      return true; // An invalid python constraint was reported by its reader; it rules nothing out.
    }
  }
  return false;
}

export function chooseInterpreter(manifests: Manifest[], requirements: Requirement[], config: PlanConfig): InterpreterChoice {
  const problems: Problem[] = [];
  const specs: { spec: string; where: string; at: { path: string; line: number; column: number } }[] = [];
  for (const m of manifests)
    if (m.python?.specifier)
      specs.push({
        spec: m.python.specifier,
        where: `${nodePath.basename(m.python.source.path)}:${m.python.source.line}`,
        at: m.python.source,
      });
  for (const r of requirements) {
    if (
      r.ecosystem === 'conda' &&
      r.normalizedName === 'python' &&
      r.specifier &&
      !specs.some((s) => s.at.path === r.source.path && s.at.line === r.source.line)
    ) {
      specs.push({ spec: r.specifier, where: `${nodePath.basename(r.source.path)}:${r.source.line}`, at: r.source });
    }
  }
  const requested = specs.length ? [...new Set(specs.map((s) => s.spec))].join(',') : null;
  const attr = (v: string) => `python${v.replace('.', '')}`;
  if (config.python) {
    const v = config.python;
    return { version: v, attr: attr(v), requested, reason: `python = "${v}" in seam.toml`, problems };
  }
  const fits = NIX_PYTHONS.filter((v) => specs.every((s) => minorSatisfies(v, s.spec)));
  if (!specs.length)
    return {
      version: DEFAULT_PYTHON,
      attr: attr(DEFAULT_PYTHON),
      requested,
      reason: `no Python version in the manifests; nixpkgs' default python3 (${DEFAULT_PYTHON})`,
      problems,
    };
  if (!fits.length) {
    const first = specs[0];
    problems.push({
      path: first.at.path,
      line: first.at.line,
      column: first.at.column,
      severity: 'error',
      code: 'plan/no-python',
      message: `no Python nixpkgs carries (${NIX_PYTHONS.join(', ')}) satisfies ${requested}; Seam uses ${DEFAULT_PYTHON} until the manifests or seam.toml say otherwise`,
    });
    return {
      version: DEFAULT_PYTHON,
      attr: attr(DEFAULT_PYTHON),
      requested,
      reason: `nothing nixpkgs carries satisfies ${requested}`,
      problems,
    };
  }
  const version = fits.includes(DEFAULT_PYTHON) ? DEFAULT_PYTHON : fits[0];
  const from = specs.map((s) => `${s.spec} (${s.where})`).join(', ');
  return {
    version,
    attr: attr(version),
    requested,
    reason: `${from} → ${attr(version)}${fits.length > 1 ? `, ${version === DEFAULT_PYTHON ? "nixpkgs' default" : 'the newest that fits'} of ${fits.join(', ')}` : ''}`,
    problems,
  };
}

export interface CudaChoice {
  requested: string | null;
  version: string;
  set: string;
  reason: string;
  problems: Problem[];
}

interface CudaHint {
  version: string; // "12.1" or a major alone ("12")
  what: string;
  at: { path: string; line: number; column: number };
}

const CONDA_CUDA = new Set([
  'cudatoolkit',
  'cuda-version',
  'pytorch-cuda',
  'cuda-toolkit',
  'cuda-runtime',
  'cuda-nvcc',
  'cuda-cudart',
  'cuda',
]);

function cuTag(tag: string): string {
  // cu118 → 11.8, cu121 → 12.1, cu130 → 13.0, cu92 → 9.2
  return tag.length === 3 ? `${tag.slice(0, 2)}.${tag.slice(2)}` : `${tag[0]}.${tag.slice(1)}`;
}

export function cudaHints(manifests: Manifest[], requirements: Requirement[]): CudaHint[] {
  const hints: CudaHint[] = [];
  for (const r of requirements) {
    const at = { path: r.source.path, line: r.source.line, column: r.source.column };
    if (r.ecosystem === 'conda' && CONDA_CUDA.has(r.normalizedName)) {
      const v = /(\d+)(?:\.(\d+))?/.exec(r.conda?.version ?? r.specifier);
      if (v)
        hints.push({ version: v[2] !== undefined ? `${v[1]}.${v[2]}` : v[1], what: `${r.name} ${r.conda?.version ?? r.specifier}`, at });
    }
    // A local version label: "==2.1.0+cu118", or in a wheel URL, where '+' is often written %2B.
    const local = /\+cu(\d{2,3})\b/.exec(r.specifier) ?? /(?:\+|%2B)cu(\d{2,3})\b/i.exec(r.url ?? '');
    if (local) hints.push({ version: cuTag(local[1]), what: `${r.name}${r.specifier || ` @ ${r.url}`}`, at });
    for (const e of r.extras) {
      const m = /^cuda(\d{2})/.exec(e);
      if (m) hints.push({ version: m[1], what: `${r.name}[${e}]`, at });
    }
    const named = /-cu(\d{2})$|-cuda(\d{2})x?$|^jax-cuda(\d{2})-/.exec(r.normalizedName);
    if (named) hints.push({ version: named[1] ?? named[2] ?? named[3], what: r.name, at });
  }
  for (const m of manifests) {
    for (const i of m.indexes) {
      const tag = /\/cu(\d{2,3})\/?$/.exec(i.url);
      if (tag) hints.push({ version: cuTag(tag[1]), what: `index ${i.url}`, at: i.source });
    }
  }
  return hints;
}

const setVersion = (set: string) => set.replace('_', '.');
const cmp = (a: string, b: string) => {
  const [am, an = 0] = a.split('.').map(Number);
  const [bm, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
};

export function chooseCuda(manifests: Manifest[], requirements: Requirement[], k: Knowledge, config: PlanConfig): CudaChoice {
  const problems: Problem[] = [];
  const available = k.cuda.sets.map(setVersion).sort(cmp);
  const dflt = setVersion(k.cuda.default);
  const hints = cudaHints(manifests, requirements);
  const exact = hints.filter((h) => h.version.includes('.'));
  const requestedHint = config.cuda
    ? { version: config.cuda, what: `cuda.version = "${config.cuda}" in seam.toml` }
    : (exact[0] ?? hints[0]);
  const majors = new Set(hints.map((h) => h.version.split('.')[0]));
  const minors = new Set(exact.map((h) => h.version));
  if (!config.cuda && (majors.size > 1 || minors.size > 1)) {
    const h = hints[1] ?? hints[0];
    problems.push({
      path: h.at.path,
      line: h.at.line,
      column: h.at.column,
      severity: 'warning',
      code: 'plan/cuda-mismatch',
      message: `the manifests ask for different CUDA versions (${hints.map((x) => `${x.version} from ${x.what}`).join('; ')}); Seam uses ${requestedHint.version} — set cuda in seam.toml to choose`,
    });
  }
  const avail = `nixpkgs has ${available.join(', ')}`;
  if (!requestedHint)
    return {
      requested: null,
      version: dflt,
      set: `cudaPackages_${dflt.replace('.', '_')}`,
      reason: `no CUDA version in the manifests; nixpkgs' default CUDA ${dflt}`,
      problems,
    };
  const want = requestedHint.version;
  const sameMajor = available.filter((v) => v.split('.')[0] === want.split('.')[0]);
  let version: string;
  let reason: string;
  if (!want.includes('.')) {
    version = sameMajor.includes(dflt) ? dflt : (sameMajor.at(-1) ?? dflt);
    reason = sameMajor.length
      ? `CUDA ${want} (${requestedHint.what}) → ${version}`
      : `CUDA ${want} (${requestedHint.what}) is not in nixpkgs (${avail}); Seam uses ${version}`;
  } else if (available.includes(want)) {
    version = want;
    reason = `CUDA ${want} (${requestedHint.what})`;
  } else if (sameMajor.length) {
    version = sameMajor.find((v) => cmp(v, want) >= 0) ?? sameMajor.at(-1)!;
    reason = `CUDA ${want} (${requestedHint.what}) moved to ${version}: ${avail}; CUDA ${want.split('.')[0]}.x builds run on the same drivers`;
  } else {
    version = available.find((v) => cmp(v, want) >= 0) ?? dflt;
    reason = `CUDA ${want} (${requestedHint.what}) moved to ${version}: ${avail}, and CUDA ${version.split('.')[0]} needs a newer NVIDIA driver than CUDA ${want.split('.')[0]} did`;
  }
  if (version !== want && want.includes('.') && 'at' in requestedHint) {
    problems.push({
      path: requestedHint.at.path,
      line: requestedHint.at.line,
      column: requestedHint.at.column,
      severity: 'info',
      code: 'plan/cuda-moved',
      message: reason,
    });
  }
  return { requested: want, version, set: `cudaPackages_${version.replace('.', '_')}`, reason, problems };
}
