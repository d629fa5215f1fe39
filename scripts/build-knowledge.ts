/**
 * Builds Seam's bundled package knowledge (src/core/knowledge/data/knowledge.json) from the facts
 * in ../shared/data, keeping where each fact came from: users' machines have no ../shared, so
 * the facts travel inside the extension. Run: npx tsx scripts/build-knowledge.ts
 * Deterministic: the same inputs give the same bytes (keys sorted, no timestamps of its own).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { normalizeName } from '../src/core/model/names';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.resolve(ROOT, '..', 'shared', 'data');
const OUT = path.join(ROOT, 'src', 'core', 'knowledge', 'data', 'knowledge.json');

// biome-ignore lint/suspicious/noExplicitAny: the shared data files are untyped JSON
type Json = Record<string, any>;
const read = (f: string): Json => JSON.parse(fs.readFileSync(path.join(DATA, f), 'utf8'));
const src = (s: Json | undefined) => (s?.repo ? `${s.repo}@${String(s.commit ?? s.readAtHead ?? '').slice(0, 12)}:${s.path}` : undefined);

function sorted<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const py = read('nixpkgs-python-packages.json');
const conda = read('conda-to-pypi.json');
const cuda = read('nixpkgs-cuda.json');
const drivers = read('gpu/cuda-driver-compat.json');
const builds = read('pypi-build-systems.json');
const attrsText = fs.readFileSync(path.join(DATA, 'nixpkgs-python-attrs.txt'), 'utf8');

// Python packages in nixpkgs: PyPI name → attribute, version, native, CUDA-aware, variants.
const packages: Record<string, Json> = {};
for (const p of py.packages) {
  if (!p.nixAttr) continue;
  const variants: Record<string, string> = {};
  for (const v of p.variants ?? []) {
    const attr = String(v.attr).split(' ')[0];
    if (/-bin$/.test(attr)) variants.bin = attr;
    else if (/WithCuda$/.test(attr)) variants.withCuda = attr;
    else if (/WithoutCuda$/.test(attr)) variants.withoutCuda = attr;
  }
  packages[p.pypiNormalized] = {
    attr: p.nixAttr,
    version: p.version ?? null,
    native: p.native === true,
    cudaAware: p.cudaAware === true,
    ...(Object.keys(variants).length ? { variants: sorted(variants) } : {}),
    ...(p.aliases?.length ? { aliases: p.aliases } : {}),
    ...(p.uncertain ? { uncertain: true } : {}),
    ...(p.systemDeps?.length ? { systemDeps: p.systemDeps } : {}),
    source: src(p.source),
  };
}

// Every attribute name in python3Packages at the snapshot (a name missing here is probably absent).
const attrs = attrsText.split('\n').filter((l) => l && !l.startsWith('#'));

// Native-code signals for packages nixpkgs lacks (poetry2nix build systems and overrides).
const nativeSignals: Record<string, string> = {};
for (const b of builds.packages as Json[]) {
  const override =
    b.poetry2nixOverride && typeof b.poetry2nixOverride === 'object'
      ? Object.keys(b.poetry2nixOverride).filter((k) => b.poetry2nixOverride[k] === true)
      : [];
  const reasons = [...(b.nativeSignals ?? []).map(String), ...override];
  if (reasons.length) nativeSignals[normalizeName(b.pypiName)] = [...new Set(reasons)].join(', ');
}

// Seam's own knowledge, not from ../shared/data: ML packages nixpkgs lacked at the snapshot that
// compile CUDA/C++ extensions (or bundle native libraries) when installed; their wheels need the
// CUDA toolkit and the torch they were built against.
const SEAM_NATIVE: Record<string, string> = {
  'flash-attn': 'CUDA/C++ extension built against torch',
  deepspeed: 'CUDA/C++ ops built against torch (DS_BUILD_OPS)',
  'auto-gptq': 'CUDA extension built against torch',
  exllama: 'CUDA extension built against torch',
  exllamav2: 'CUDA extension built against torch',
  'llama-cpp-python': 'C++ (llama.cpp, scikit-build-core, optional CUDA)',
  decord: 'C++ video reader linking ffmpeg',
  cuml: 'CUDA (RAPIDS)',
  ctransformers: 'C++ (ggml) with optional CUDA',
  'cpm-kernels': 'CUDA kernels loaded at run time',
  pyspng: 'C extension linking libspng',
  rtree: 'ctypes binding of the C library libspatialindex',
  rdkit: 'C++ (Boost), with native wheels only',
  pyopengl: 'loads libGL (and GLU, GLUT) at run time',
  'faiss-gpu': 'C++ and CUDA (BLAS, OpenMP)',
  'faiss-cpu': 'C++ (BLAS, OpenMP)',
};
for (const [name, why] of Object.entries(SEAM_NATIVE)) nativeSignals[name] ??= `${why} (Seam's knowledge)`;

// Conda names → what they are (kind), their PyPI name, their nixpkgs attribute.
const condaMap: Record<string, Json> = {};
for (const e of conda.entries) {
  condaMap[e.condaName] = {
    kind: e.kind,
    ...(e.pypiPrimary ? { pypi: normalizeName(e.pypiPrimary) } : {}),
    ...(e.nixPython ? { nixPython: e.nixPython } : {}),
    ...(e.nixTopLevel ? { nixTopLevel: e.nixTopLevel } : {}),
    ...(e.uncertain ? { uncertain: true } : {}),
  };
}

/** Each [[package]] of the real uv.lock files: its file, normalized name and text. */
function* lockPackages(): Generator<{ file: string; n: string; block: string }> {
  const dir = path.join(DATA, 'uv-locks');
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.uv.lock'))
    .sort())
    for (const block of fs.readFileSync(path.join(dir, file), 'utf8').split(/\n(?=\[\[package\]\])/)) {
      const name = /^name = "([^"]+)"/m.exec(block)?.[1];
      if (name) yield { file, n: normalizeName(name), block };
    }
}

// Python dependencies of the packages Nix owns, from real uv.lock files (the closure).
const deps: Record<string, { deps: string[]; source: string }> = {};
for (const { file, n, block } of lockPackages()) {
  const entry = packages[n];
  if (!entry || !(entry.native || entry.cudaAware) || deps[n]) continue;
  const list = /^dependencies = \[([\s\S]*?)^\]/m.exec(block)?.[1] ?? '';
  const names = [...list.matchAll(/name = "([^"]+)"/g)].map((m) => normalizeName(m[1]));
  // nvidia-* and triton wheels are the wheel's own CUDA runtime: Nix provides CUDA itself.
  const python = [
    ...new Set(names.filter((d) => !/^nvidia-|^triton$|^pytorch-triton|^cuda-(bindings|toolkit|pathfinder|python)$/.test(d))),
  ].sort();
  if (python.length) deps[n] = { deps: python, source: `shared/data/uv-locks/${file}` };
}

// What real uv.lock files show of each distribution's wheels: only py3-none-any wheels is the evidence
// that a package is pure Python; a platform wheel is evidence of compiled code.
const pureWheels = new Set<string>();
for (const { file, n, block } of lockPackages()) {
  const wheels = [...block.matchAll(/\/([^/"]+\.whl)"/g)].map((m) => m[1]);
  if (!wheels.length) continue;
  if (wheels.every((w) => /-none-any\.whl$/.test(w))) pureWheels.add(n);
  else nativeSignals[n] ??= `platform wheels only (shared/data/uv-locks/${file})`;
}
for (const n of Object.keys(nativeSignals)) pureWheels.delete(n);

const newest = cuda.packageSets.defaultsObservedOverTime.at(-1);
const later = cuda.packageSets.defaultsObservedOverTime.filter((d: Json) => Array.isArray(d.definedSets)).at(-1);
const knowledge = {
  about:
    'Seam package knowledge, generated by scripts/build-knowledge.ts from ../shared/data (see sources). Do not edit by hand; regenerate, or run `seam index refresh` against a real nixpkgs.',
  sources: {
    python: py.sources?.attributeSet,
    aliases: py.sources?.aliases,
    conda: conda.sources,
    cuda: 'shared/data/nixpkgs-cuda.json',
    buildSystems: builds.sources,
    note: 'Versions are each from one stored copy of one nixpkgs file (commit per entry), not one coherent revision; a refreshed index replaces them.',
  },
  nixpkgs: {
    revision: py.sources?.attributeSet?.commit ?? null,
    describes: 'python-packages.nix attribute set, about late 2024; versions from many commits',
  },
  python: {
    packages: sorted(packages),
    attrs,
    aliases: sorted(Object.fromEntries((py.aliases ?? []).map((a: Json) => [a.alias, a.target]))),
    absent: [...new Set<string>((py.absentAtSnapshot?.names ?? []).map((n: string) => normalizeName(n)))].sort(),
    traps: sorted(Object.fromEntries((py.nameTraps ?? []).map((t: Json) => [normalizeName(t.pypiName), t.note]))),
    nativeSignals: sorted(nativeSignals),
    pureWheels: [...pureWheels].sort(),
  },
  conda: sorted(condaMap),
  deps: sorted(deps),
  cuda: {
    // CUDA package sets a current nixpkgs defines, and its default (cudaPackages → cudaPackages_12 → 12_9).
    sets: [
      ...new Set(
        [
          ...(later?.definedSets ?? []),
          String(newest.cudaPackages_12 ?? '').replace('cudaPackages_', ''),
          String(newest.cudaPackages_13 ?? '').replace('cudaPackages_', ''),
        ].filter(Boolean),
      ),
    ].sort((a, b) => {
      const [am, an] = a.split('_').map(Number);
      const [bm, bn] = b.split('_').map(Number);
      return am - bm || an - bn;
    }),
    default: String(newest.cudaPackages_12).replace('cudaPackages_', ''),
    source: 'shared/data/nixpkgs-cuda.json packageSets.defaultsObservedOverTime (newest observations)',
    // The nixos-cuda key is published in the nixos-cuda/infra README (shared/reference/anchors-2026-12.md, C4);
    // nix-community stopped building CUDA in September/October 2025 (C1): kept, marked, never used for CUDA.
    caches: cuda.binaryCaches.map((c: Json) => ({
      name: c.name,
      url: c.url,
      publicKey: c.publicKey,
      uncertain: c.name === 'nixos-cuda' ? false : c.uncertain === true,
      ...(c.name === 'nix-community' ? { note: 'no CUDA builds since 2025-10 (nix-community/infra 26d9a02e, 05c18869)' } : {}),
    })),
    // NVIDIA's driver table: the first Linux driver of each CUDA release (GA), and the branch each CUDA major needs with minor-version compatibility.
    drivers: {
      source: `NVIDIA CUDA Toolkit Release Notes, Tables 2 and 3 (${drivers.sources[0].url}), as recorded in shared/data/gpu/cuda-driver-compat.json (gathered ${drivers.gathered})`,
      ga: drivers.toolkitDriverVersions.rows
        .filter((r: Json) => r.update === 0 && r.linuxX86_64MinDriver && r.inRequestedRange)
        .map((r: Json) => ({ cuda: r.cudaMajorMinor, minDriver: r.linuxX86_64MinDriver })),
      families: drivers.minorVersionCompatibility.rows.map((r: Json) => ({ major: r.cudaMajor, minBranch: r.minDriverBranch })),
    },
  },
};

fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, `${JSON.stringify(knowledge)}\n`);
console.log(
  `wrote ${path.relative(ROOT, OUT)}: ${Object.keys(packages).length} packages, ${attrs.length} attributes, ${Object.keys(condaMap).length} conda names, ${Object.keys(deps).length} dependency lists, CUDA sets ${knowledge.cuda.sets.join(' ')}`,
);
