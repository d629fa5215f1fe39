/**
 * The interpreter and the CUDA version of a plan: read from what the manifests say (conda pins,
 * requires-python, `+cu121` wheels, `/cu121` indexes, `jax[cuda12]`, `nvidia-*-cu12`), mapped to
 * what nixpkgs has, saying so when the version has to move.
 */
import * as nodePath from 'node:path';
import type { Problem } from '../errors';
import type { Knowledge, PythonSet } from '../knowledge/index';
import type { Manifest, Requirement } from '../model/manifest';
import { specifierContains } from '../model/versions';
import type { PlanConfig } from './types';

export interface InterpreterChoice {
  version: string;
  attr: string;
  requested: string | null;
  reason: string;
  problems: Problem[];
  /** Whether the binary caches build this Python set (false: everything Nix provides compiles locally). */
  built: boolean;
  /** A decision the manifests could not make (no Python in this nixpkgs fits them): seam.toml records it. */
  record?: boolean;
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

const minorOf = (v: string) => Number(v.split('.')[1] ?? 0);

/** What a Python set that the caches do not build costs, said plainly. */
const LOCAL_BUILDS =
  "the binary caches build only nixpkgs' default Python set, so every Nix package of this environment (torch included) compiles on this machine: hours, not minutes";

/**
 * The Python a wheel's file name allows: `==3.10.*` for a cp310 wheel, `>=3.8` for a cp38-abi3 one;
 * null for pure (py3) wheels, other interpreters, and URLs that are not wheels.
 */
export function wheelPython(url: string): string | null {
  const file = decodeURIComponent(url.split(/[?#]/)[0].split('/').pop() ?? '');
  const m = /^[^-]+-[^-]+(?:-\d[^-]*)?-([^-]+)-([^-]+)-[^-]+\.whl$/i.exec(file);
  if (!m) return null;
  const tags = m[1].toLowerCase().split('.');
  const cp = tags.map((t) => /^cp3(\d+)$/.exec(t)).filter((x): x is RegExpExecArray => x !== null);
  if (!cp.length || cp.length !== tags.length) return null;
  const minor = Math.min(...cp.map((x) => Number(x[1])));
  if (m[2].toLowerCase() === 'abi3') return `>=3.${minor}`;
  return cp.length === 1 ? `==3.${minor}.*` : null;
}

/**
 * The interpreter: nixpkgs' default python3 when the manifests allow it (the caches build it);
 * else the newest set the caches build that fits; else the newest set that fits (saying it
 * compiles locally); and when no Python in this nixpkgs fits (3.6, 3.8), the nearest one for which
 * every Nix package evaluates, recorded in seam.toml, with how to get closer. seam.toml's `python`
 * always wins.
 */
export function chooseInterpreter(
  manifests: Manifest[],
  requirements: Requirement[],
  config: PlanConfig,
  k: Knowledge,
  nixAttrs: string[] = [],
): InterpreterChoice {
  const problems: Problem[] = [];
  /** `hard`: uv enforces it (a wheel's CPython tag): the nearest built set does not replace it. */
  const specs: { spec: string; where: string; at: { path: string; line: number; column: number }; hard?: boolean }[] = [];
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
  // A direct wheel URL built for one CPython (text-generation-webui's cp310 wheels) installs only there.
  for (const r of requirements) {
    // Wheels chosen by a python_version marker are alternatives for several Pythons, not a constraint.
    const tag = r.url && !/python_(full_)?version/.test(r.marker ?? '') ? wheelPython(r.url) : null;
    if (tag && !specs.some((s) => s.spec === tag))
      specs.push({
        spec: tag,
        where: `${nodePath.basename(r.source.path)}:${r.source.line} (a ${tag.replace(/^[=>]+|\.\*$/g, '')} wheel)`,
        at: r.source,
        hard: true,
      });
  }
  const requested = specs.length ? [...new Set(specs.map((s) => s.spec))].join(',') : null;
  const sets = k.pythons;
  const dflt = sets.find((s) => s.version === k.defaultPython) ?? sets[0];
  const choice = (set: PythonSet, reason: string, extra: Partial<InterpreterChoice> = {}): InterpreterChoice => ({
    version: set.version,
    attr: set.attr,
    requested,
    reason,
    problems,
    built: set.built,
    ...extra,
  });
  const at = specs[0]?.at ?? { path: '', line: 1, column: 1 };
  const warn = (code: string, message: string, severity: Problem['severity'] = 'warning') =>
    problems.push({ path: at.path, line: at.line, column: at.column, severity, code, message });
  const have = `nixpkgs has ${[...sets]
    .reverse()
    .map((s) => s.version)
    .join(', ')}`;

  if (config.python) {
    const set = sets.find((s) => s.version === config.python);
    if (!set) {
      warn(
        'plan/python-missing',
        `python = "${config.python}" in seam.toml, but this nixpkgs has no python${config.python.replace('.', '')} (${have}); Seam uses ${dflt.version}`,
        'error',
      );
      return choice(dflt, `seam.toml asks for ${config.python}, which this nixpkgs lacks`);
    }
    if (!set.built) warn('plan/python-not-built', `python = "${set.version}" in seam.toml: ${LOCAL_BUILDS}`);
    return choice(set, `python = "${set.version}" in seam.toml${set.built ? '' : ' (not built by the binary caches: local builds)'}`);
  }
  const from = specs.map((s) => `${s.spec} (${s.where})`).join(', ');
  /** When the set chosen is outside the requires-python of the team's own pyproject.toml, uv will refuse it: say so, at that line. */
  const uvRefuses = (set: PythonSet) => {
    const spec = config.uvPyproject ? specs.find((s) => s.at.path === config.uvPyproject) : undefined;
    if (!spec || minorSatisfies(set.version, spec.spec)) return;
    problems.push({
      path: spec.at.path,
      line: spec.at.line,
      column: spec.at.column,
      severity: 'warning',
      code: 'plan/requires-python',
      message: `requires-python ${spec.spec} excludes Python ${set.version}, the Python the Nix shell has (no set in its range evaluates or is built here): uv lock and uv sync will refuse the project until requires-python includes ${set.version}; Seam never edits your pyproject.toml`,
    });
  };
  if (!specs.length)
    return choice(dflt, `no Python version in the manifests; nixpkgs' default python3 (${dflt.version}), which the binary caches build`);
  const fits = sets.filter((s) => specs.every((x) => minorSatisfies(s.version, x.spec)));
  if (fits.includes(dflt)) return choice(dflt, `${from} → ${dflt.attr}, nixpkgs' default (built by the binary caches)`);
  // The team's own pyproject.toml is the uv project: uv refuses a .venv outside its requires-python.
  // So are the CPython tags of direct wheel URLs: uv installs a cp310 wheel on 3.10 only.
  const bound = specs.filter((s) => s.hard || (config.uvPyproject && s.at.path === config.uvPyproject));
  const uvAccepts = (set: PythonSet) => bound.every((x) => minorSatisfies(set.version, x.spec));
  /** The Nix packages that do not evaluate with this Python set (on x86_64-linux, the cpu shell), with why. */
  const fails = (set: PythonSet) =>
    nixAttrs.map((attr) => ({ attr, why: k.availability(set.attr, attr, 'x86_64-linux', 'cpu') })).filter((x) => typeof x.why === 'string');
  const evaluates = (set: PythonSet) => !fails(set).length;
  const built = fits.find((s) => s.built);
  if (built)
    return choice(built, `${from} → ${built.attr}, the newest set the binary caches build that fits (nixpkgs' default is ${dflt.version})`);
  if (fits.length) {
    // The manifests allow only sets the caches do not build: stay on the caches with the nearest built
    // set (a local build of hours is for an explicit request), and say how to follow the manifests.
    const want = fits[0];
    const nearest = sets
      .filter((x) => x.built && uvAccepts(x))
      .sort(
        (a, b) =>
          Math.abs(minorOf(a.version) - minorOf(want.version)) - Math.abs(minorOf(b.version) - minorOf(want.version)) ||
          minorOf(b.version) - minorOf(a.version),
      )[0];
    if (nearest) {
      warn(
        'plan/python-off-cache',
        `${from}: the binary caches do not build ${want.attr}, so Seam uses ${nearest.attr}, the nearest set they build; to follow the manifests, set python = "${want.version}" in seam.toml — then ${LOCAL_BUILDS}`,
      );
      return choice(
        nearest,
        `${from} → ${nearest.attr}: the nearest Python the binary caches build (${want.attr} would compile everything locally)`,
      );
    }
    // No built set is one uv would accept: the newest fit where every Nix package evaluates, built locally.
    const local = fits.find(evaluates);
    if (local) {
      warn(
        'plan/python-not-built',
        `${from}: ${local.attr} is the newest Python that fits${bound.length ? ` (${bound.some((b) => b.hard) ? 'the wheels named by URL install on no other Python' : "your pyproject.toml's requires-python, which uv enforces,"} excludes every set the binary caches build)` : ''}, and ${LOCAL_BUILDS}`,
      );
      return choice(local, `${from} → ${local.attr} (not built by the binary caches: local builds)`);
    }
    // Every set that fits fails to evaluate (numpy 2.3 is disabled below 3.11): as when none fits.
  }
  // No Python in this nixpkgs fits (or none that fits evaluates): the nearest one for which every Nix package evaluates.
  const noneFits = fits.length
    ? `no Python in this nixpkgs that fits has every Nix package evaluating (${have})`
    : `no Python in this nixpkgs fits (${have})`;
  const wanted = [...Array(30).keys()].map((n) => `3.${n}`).filter((v) => specs.every((x) => minorSatisfies(v, x.spec)));
  const target = wanted.length ? minorOf(wanted[wanted.length - 1]) : minorOf(dflt.version);
  const order = [...sets].sort(
    (a, b) =>
      Math.abs(minorOf(a.version) - target) - Math.abs(minorOf(b.version) - target) ||
      Number(b.built) - Number(a.built) ||
      minorOf(b.version) - minorOf(a.version),
  );
  const skipped: string[] = [];
  let set = order[0];
  for (const s of order) {
    const f = fails(s);
    if (!f.length) {
      set = s;
      break;
    }
    skipped.push(`${s.version}: ${f[0].attr} ${f[0].why}`);
  }
  const older = wanted.length ? wanted[wanted.length - 1] : requested;
  warn(
    'plan/python-moved',
    `${from}: ${noneFits}; Seam uses ${set.version}, the nearest for which every Nix package evaluates${skipped.length ? ` (${skipped.join('; ')})` : ''}${set.built ? '' : `, and ${LOCAL_BUILDS}`}. seam.toml records it; to get ${older} itself, pin an older nixpkgs in seam.toml${minorOf(String(older)) < 10 ? ' (nixos-22.05 has python38 and python39)' : ''}`,
  );
  uvRefuses(set);
  return choice(
    set,
    `${fits.length ? `no Python that fits ${requested} evaluates here` : `no Python in this nixpkgs fits ${requested}`}; ${set.attr} is the nearest for which every Nix package evaluates`,
    {
      record: true,
    },
  );
}

export interface CudaChoice {
  requested: string | null;
  version: string;
  set: string;
  reason: string;
  problems: Problem[];
  /** The cuda shell's nixpkgs gets this set by an overlay: only when seam.toml asks for a CUDA version other than the default. */
  overlay: boolean;
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
    // A per-requirement index (`torch==2.1 --index-url https://download.pytorch.org/whl/cu121`, Open-Sora).
    for (const url of [...(r.options?.['index-url'] ?? []), ...(r.options?.['extra-index-url'] ?? [])]) {
      const tag = /\/cu(\d{2,3})\/?$/.exec(url);
      if (tag) hints.push({ version: cuTag(tag[1]), what: `${r.name} from ${url}`, at });
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

/** The lowest NVIDIA driver branch that runs a CUDA major's builds. */
function driverFor(k: Knowledge, version: string): string {
  const branch = k.cuda.drivers.families.find((f) => f.major === Number(version.split('.')[0]))?.minBranch;
  return branch ? `NVIDIA driver ${branch} or newer` : 'a recent NVIDIA driver';
}

/**
 * The CUDA set: nixpkgs' default (the one the CUDA caches build), whatever CUDA the manifests name
 * — a 12.x request runs on the same drivers, an 11.x request is answered with the default 12.x and
 * the driver it needs. Only seam.toml's `cuda.version` chooses another set (an overlay, and local
 * builds, said so).
 */
export function chooseCuda(manifests: Manifest[], requirements: Requirement[], k: Knowledge, config: PlanConfig): CudaChoice {
  const problems: Problem[] = [];
  const available = k.cuda.sets.map(setVersion).sort(cmp);
  const dflt = setVersion(k.cuda.default);
  const hints = cudaHints(manifests, requirements);
  const exact = hints.filter((h) => h.version.includes('.'));
  const hint = exact[0] ?? hints[0];
  const majors = new Set(hints.map((h) => h.version.split('.')[0]));
  const minors = new Set(exact.map((h) => h.version));
  if (!config.cuda && (majors.size > 1 || minors.size > 1)) {
    const h = hints[1] ?? hints[0];
    problems.push({
      path: h.at.path,
      line: h.at.line,
      column: h.at.column,
      severity: 'info',
      code: 'plan/cuda-mismatch',
      message: `the manifests name different CUDA versions (${hints.map((x) => `${x.version} from ${x.what}`).join('; ')}); the cuda shell uses nixpkgs' default ${dflt}`,
    });
  }
  const at = (h: CudaHint) => ({ path: h.at.path, line: h.at.line, column: h.at.column });
  if (config.cuda) {
    const want = config.cuda;
    const sameMajor = available.filter((v) => v.split('.')[0] === want.split('.')[0]);
    const version = available.includes(want) ? want : (sameMajor.find((v) => cmp(v, want) >= 0) ?? sameMajor.at(-1) ?? dflt);
    const moved = version === want ? '' : ` (this nixpkgs has ${available.join(', ')}: ${version} is the nearest)`;
    const cost =
      version === dflt ? '' : `; the CUDA caches build only nixpkgs' default set (${dflt}), so the cuda shell's packages compile locally`;
    if (cost && hint)
      problems.push({
        ...at(hint),
        severity: 'warning',
        code: 'plan/cuda-not-default',
        message: `cuda.version = "${want}" in seam.toml${moved}${cost}`,
      });
    return {
      requested: hint?.version ?? null,
      version,
      set: `cudaPackages_${version.replace('.', '_')}`,
      reason: `cuda.version = "${want}" in seam.toml${moved}${cost}`,
      problems,
      overlay: version !== dflt,
    };
  }
  const set = `cudaPackages_${dflt.replace('.', '_')}`;
  if (!hint)
    return {
      requested: null,
      version: dflt,
      set,
      reason: `nixpkgs' default CUDA ${dflt}, which the CUDA binary caches build`,
      problems,
      overlay: false,
    };
  const want = hint.version;
  const major = (v: string) => Number(v.split('.')[0]);
  let reason: string;
  if (!want.includes('.') && major(want) === major(dflt))
    reason = `CUDA ${want} (${hint.what}) → nixpkgs' default ${dflt}, which the CUDA caches build`;
  else if (want === dflt) reason = `CUDA ${want} (${hint.what}), nixpkgs' default, which the CUDA caches build`;
  else if (major(want) === major(dflt))
    reason = `the manifests ask for CUDA ${want} (${hint.what}); nixpkgs' default ${dflt}, which the CUDA caches build, runs on the same drivers (${driverFor(k, dflt)})`;
  else if (major(want) < major(dflt))
    reason = `the manifests ask for CUDA ${want} (${hint.what}); it is answered with nixpkgs' default ${dflt}, which the CUDA caches build and which needs ${driverFor(k, dflt)}`;
  else
    reason = `the manifests ask for CUDA ${want} (${hint.what}); the cuda shell uses nixpkgs' default ${dflt}, which the CUDA caches build — set cuda.version = "${want}" in seam.toml to build against ${want} (local builds)`;
  if (want !== dflt && want.includes('.'))
    problems.push({ ...at(hint), severity: major(want) > major(dflt) ? 'warning' : 'info', code: 'plan/cuda-moved', message: reason });
  return { requested: want, version: dflt, set, reason, problems, overlay: false };
}
