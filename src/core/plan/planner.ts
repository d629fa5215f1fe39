/**
 * The seam itself: from what the manifests ask for, decide per package and per target whether
 * Nix or uv installs it (or nixpkgs as a system package, or nobody), and say why in one sentence.
 * Pure logic over the model and the knowledge: no I/O, deterministic.
 */
import type { Problem } from '../errors';
import { defaultKnowledge, type Knowledge, type NixPackage } from '../knowledge/index';
import type { ProjectModel } from '../manifests/index';
import type { Requirement } from '../model/manifest';
import { evaluateMarkerNode, linuxEnvironment, type MarkerEnvironment } from '../model/markers';
import { normalizeName } from '../model/names';
import { parseMarker } from '../model/pep508';
import { eraJump, specifierContains } from '../model/versions';
import { chooseCuda, chooseInterpreter } from './environment';
import {
  DEFAULT_CONFIG,
  DEFAULT_SYSTEMS,
  type Owner,
  type Plan,
  type PlanConfig,
  type PlannedPackage,
  type Reason,
  TARGETS,
  type Target,
} from './types';

/** Packaging tools the Nix interpreter and uv bring themselves. */
const PACKAGING_TOOLS = new Set(['pip', 'setuptools', 'wheel', 'uv', 'pip-tools', 'virtualenv']);

/** `*-gpu` distributions and the package they are the CUDA build of. */
export const GPU_VARIANTS: Record<string, string> = {
  'faiss-gpu': 'faiss',
  'tensorflow-gpu': 'tensorflow',
  'onnxruntime-gpu': 'onnxruntime',
  'jaxlib-cuda': 'jaxlib',
  'cupy-cuda12x': 'cupy',
  'cupy-cuda11x': 'cupy',
  'faiss-cpu': 'faiss',
  'opencv-python-headless': 'opencv-python',
  'opencv-contrib-python': 'opencv-python',
  'tensorflow-cpu': 'tensorflow',
};

interface Wanted {
  key: string;
  /** Names as written (conda and PyPI), for messages. */
  written: Set<string>;
  requirements: Requirement[];
  conda?: NonNullable<ReturnType<Knowledge['conda']>>;
}

export function planProject(model: ProjectModel, config: PlanConfig = DEFAULT_CONFIG, knowledge: Knowledge = defaultKnowledge()): Plan {
  const problems: Problem[] = [];
  const requirements = model.manifests.flatMap((m) => m.requirements);
  const wanted = new Map<string, Wanted>();
  const constraints: Plan['constraints'] = [];

  for (const r of requirements) {
    if (!r.normalizedName) continue;
    if (r.scope.kind === 'constraint') {
      if (r.specifier)
        constraints.push({ name: r.normalizedName, specifier: r.specifier, source: { path: r.source.path, line: r.source.line } });
      continue;
    }
    let key = r.normalizedName;
    let conda: Wanted['conda'];
    if (r.ecosystem === 'conda') {
      conda = knowledge.conda(r.name);
      if (conda?.pypi) key = conda.pypi;
      else if (conda) key = `conda:${r.name.toLowerCase()}`;
      else if (!knowledge.python(key) && !knowledge.hasAttr(key)) {
        problems.push(
          problemAt(
            r,
            'warning',
            'plan/unknown-conda',
            `conda package '${r.name}' is not in Seam's conda knowledge; it is treated as the PyPI package '${key}' (set owner in seam.toml if that is wrong)`,
          ),
        );
      }
    }
    const gpuVariant = GPU_VARIANTS[key];
    if (gpuVariant && r.ecosystem === 'pypi' && !r.url) key = gpuVariant;
    const w = wanted.get(key) ?? { key, written: new Set<string>(), requirements: [] };
    w.written.add(r.name);
    w.requirements.push(r);
    if (conda) w.conda = conda;
    wanted.set(key, w);
  }

  const packages = [...wanted.values()].map((w) => decide(w, knowledge, config));
  applyClosure(packages, knowledge);
  const nixAttrs = [
    ...new Set(packages.flatMap((p) => TARGETS.filter((t) => p.owner[t] === 'nix').map((t) => p.nixAttr[t]!)).filter(Boolean)),
  ];
  const python = chooseInterpreter(model.manifests, requirements, config, knowledge, nixAttrs);
  const cuda = chooseCuda(model.manifests, requirements, knowledge, config);
  problems.push(...python.problems, ...cuda.problems);
  applySystems(packages, wanted, python.attr, knowledge, config);
  for (const p of packages) applyVersions(p, config, problems);
  if (config.uvPyproject) uvConflicts(packages, wanted, config.uvPyproject, problems);
  for (const p of packages) p.explanation = explain(p);
  packages.sort((a, b) => a.name.localeCompare(b.name));
  return {
    targets: [...TARGETS],
    python: {
      version: python.version,
      attr: python.attr,
      reason: python.reason,
      requested: python.requested,
      built: python.built,
      ...(python.record ? { record: true } : {}),
    },
    cuda: { requested: cuda.requested, version: cuda.version, set: cuda.set, reason: cuda.reason, overlay: cuda.overlay },
    packages,
    indexes: model.manifests.flatMap((m) => m.indexes.filter((i) => i.kind !== 'conda-channel')),
    constraints,
    nixpkgs: {
      revision: knowledge.nixpkgs.revision,
      describes: knowledge.nixpkgs.describes,
      facts: knowledge.origin.kind,
      approximate: knowledge.origin.approximate,
    },
    problems,
  };
}

function both(owner: Owner): Record<Target, Owner> {
  return { cpu: owner, cuda: owner };
}

function base(w: Wanted, owner: Record<Target, Owner>, reason: Reason, extra: Partial<PlannedPackage> = {}): PlannedPackage {
  const reqs = w.requirements;
  const direct = reqs.find((r) => r.url);
  return {
    name: w.key.startsWith('conda:') ? w.key.slice(6) : w.key,
    owner,
    reason,
    explanation: '',
    nixAttr: {},
    nixVersion: null,
    requested: [...new Set(reqs.map((r) => r.specifier).filter(Boolean))].join(','),
    status: 'unpinned',
    extras: [...new Set(reqs.flatMap((r) => r.extras))].sort(),
    markers: [...new Set(reqs.map((r) => r.marker).filter((m): m is string => !!m))],
    warnings: [],
    sources: reqs.map((r) => ({ path: r.source.path, line: r.source.line, column: r.source.column })),
    ...(w.written.size > 1 || ![...w.written].every((n) => normalizeName(n) === w.key) ? { requestedAs: [...w.written].sort() } : {}),
    ...(direct?.url ? { url: direct.url } : {}),
    ...(reqs.some((r) => r.editable) ? { editable: true } : {}),
    ...extra,
  };
}

function decide(w: Wanted, k: Knowledge, config: PlanConfig): PlannedPackage {
  const reqs = w.requirements;
  const name = w.key;
  const override = config.overrides[normalizeName(name)]?.owner;
  if (reqs.every((r) => r.scope.kind === 'build')) return base(w, both('skip'), 'build-only');

  // Conda packages that are not Python packages.
  if (w.conda && !w.conda.pypi) {
    switch (w.conda.kind) {
      case 'interpreter':
        return base(w, both('skip'), 'interpreter');
      case 'conda-internal':
      case 'tool':
      case 'blas-selector':
        return base(w, both('skip'), 'conda-internal');
      case 'cuda-selector':
        return base(w, both('skip'), 'cuda-selector');
      case 'cuda': {
        const attr = w.conda.nixTopLevel ?? null;
        return base(w, { cpu: 'skip', cuda: attr ? 'system' : 'skip' }, 'cuda-toolkit', attr ? { nixAttr: { cuda: attr } } : {});
      }
      default: {
        const attr = w.conda.nixTopLevel ?? null;
        const p = base(w, both(attr ? 'system' : 'skip'), 'system-package', attr ? { nixAttr: { cpu: attr, cuda: attr } } : {});
        if (!attr) p.warnings.push(`nixpkgs has no known attribute for conda's '${p.name}'; add it to the flake by hand`);
        return p;
      }
    }
  }
  if (PACKAGING_TOOLS.has(name)) return base(w, both('skip'), 'packaging-tool');
  if (override === 'uv' || override === 'skip') return base(w, both(override), 'override');

  const local = reqs.find((r) => r.url && (r.editable || r.reference?.type === 'path'));
  if (local && override !== 'nix') return base(w, both('uv'), 'local-project');
  const direct = reqs.find((r) => r.url);
  const fact = nixFact(w, k);
  if (direct && override !== 'nix') {
    const p = base(w, both('uv'), 'direct-reference');
    if (fact && (fact.native || fact.cudaAware))
      p.warnings.push(
        `${name} builds native code and nixpkgs has it (${fact.attr}); uv installs it from ${direct.url} because the manifest names that source — set owner = "nix" in seam.toml to take Nix's build`,
      );
    return p;
  }
  const trap = k.trap(name);
  if (trap && !fact) {
    const p = base(w, both('uv'), 'name-trap');
    p.warnings.push(trap);
    return p;
  }
  if (fact && (fact.native || fact.cudaAware || override === 'nix')) {
    const p = base(w, both('nix'), override === 'nix' ? 'override' : fact.native ? 'native' : 'cuda-aware');
    p.nixVersion = fact.version;
    p.nixAttr = { cpu: fact.attr, cuda: fact.attr }; // The cuda shell's nixpkgs has cudaSupport: the same attribute is the CUDA build.
    if (fact.cudaAware) p.cudaAware = true;
    if (fact.uncertain) p.versionUncertain = true;
    if (fact.uncertain)
      p.warnings.push(
        `Seam's knowledge of nixpkgs' ${fact.attr} is uncertain (version or build not read from the pinned nixpkgs); \`seam index refresh\` reads the real one`,
      );
    return p;
  }
  if (fact) {
    const p = base(w, both('uv'), 'pure-python');
    p.nixAttr = { cpu: fact.attr, cuda: fact.attr };
    p.nixVersion = fact.version;
    return p;
  }
  if (override === 'nix') {
    const attr = k.hasAttr(name);
    const p = base(w, both(attr ? 'nix' : 'uv'), 'override');
    if (attr) p.nixAttr = { cpu: attr, cuda: attr };
    else p.warnings.push(`owner = "nix" in seam.toml, but nixpkgs has no python3Packages.${name}; uv installs it`);
    return p;
  }
  const attr = k.hasAttr(name);
  if (attr && k.pureWheel(name)) {
    const p = base(w, both('uv'), 'pure-python');
    p.nixAttr = { cpu: attr, cuda: attr };
    return p;
  }
  if (attr) {
    // Pure Python only when Seam knows it (a py3-none-any wheel, or nixpkgs builds it without native
    // inputs, as the pin says): otherwise Nix builds it, so nothing compiled comes from a wheel.
    const p = base(w, both('nix'), k.nativeSignal(name) ? 'native' : 'maybe-native');
    p.nixAttr = { cpu: attr, cuda: attr };
    p.versionUncertain = true;
    return p;
  }
  const signal = k.nativeSignal(name);
  if (signal) {
    const p = base(w, both('uv'), 'native-not-in-nixpkgs');
    p.warnings.push(
      `${name} builds native code (${signal}) and Seam knows no nixpkgs package for it: uv installs the wheel, which needs a C/C++ runtime (libstdc++, zlib) from the Nix shell${/cuda/i.test(signal) || /flash|deepspeed|xformers|apex|bitsandbytes|triton|vllm/.test(name) ? ' and the CUDA toolkit and torch it was built against' : ''}; if there is no wheel for this platform it compiles from source`,
    );
    return p;
  }
  const p = base(w, both('uv'), 'not-in-nixpkgs');
  if (!k.pureWheel(name))
    p.warnings.push(
      `${name}: nixpkgs lacks it and Seam does not know whether it ships compiled code: uv installs it (a wheel where PyPI has one for this platform, else it builds from source); if it needs a system library, add that library to the Nix shell`,
    );
  return p;
}

/** The knowledge entry for a wanted package (through its conda mapping where there is one). */
function nixFact(w: Wanted, k: Knowledge): NixPackage | undefined {
  return (
    k.python(w.key) ??
    (w.conda?.nixPython
      ? ({ attr: w.conda.nixPython, version: null, native: true, cudaAware: false, uncertain: true } as NixPackage)
      : undefined)
  );
}

/** Pure-Python packages that a Nix-owned package needs are Nix's too, so uv never sees two copies. */
function applyClosure(packages: PlannedPackage[], k: Knowledge): void {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const queue = packages.filter((p) => TARGETS.some((t) => p.owner[t] === 'nix'));
  const seen = new Set(queue.map((p) => p.name));
  while (queue.length) {
    const owner = queue.shift()!;
    for (const dep of k.deps(owner.name)?.deps ?? []) {
      const p = byName.get(dep);
      if (!p || p.reason === 'override' || p.reason === 'local-project' || p.reason === 'direct-reference' || p.reason === 'packaging-tool')
        continue;
      const fact = k.python(dep);
      if (!fact) continue; // Nix cannot own what nixpkgs lacks; the contract check reports it.
      for (const t of TARGETS) {
        if (owner.owner[t] === 'nix' && p.owner[t] === 'uv') {
          p.owner[t] = 'nix';
          p.reason = 'closure';
          p.nixAttr[t] = fact.attr;
        }
      }
      if (p.reason === 'closure') {
        p.neededBy = [...new Set([...(p.neededBy ?? []), owner.name])].sort();
        p.nixVersion = fact.version;
        if (!seen.has(p.name)) {
          seen.add(p.name);
          queue.push(p);
        }
      }
    }
  }
}

/** The systems each target's shell is made for (seam.toml's `systems` and `cuda.systems`). */
function shellSystems(config: PlanConfig): Record<Target, string[]> {
  return { cpu: config.systems ?? DEFAULT_SYSTEMS, cuda: config.cudaSystems ?? ['x86_64-linux'] };
}

/** A PEP 508 environment for a Nix system (the interpreter version does not matter here). */
function markerEnv(system: string): MarkerEnvironment {
  const [cpu, os] = system.split('-');
  const linux = os === 'linux';
  return {
    ...linuxEnvironment('3.12', cpu === 'aarch64' ? 'aarch64' : 'x86_64'),
    sys_platform: linux ? 'linux' : 'darwin',
    platform_system: linux ? 'Linux' : 'Darwin',
    os_name: 'posix',
    platform_machine: linux ? (cpu === 'aarch64' ? 'aarch64' : 'x86_64') : cpu === 'aarch64' ? 'arm64' : 'x86_64',
  };
}

function markerHolds(marker: string | null, system: string): boolean {
  if (!marker) return true;
  try {
    return evaluateMarkerNode(parseMarker(marker), markerEnv(system), 'requirement');
  } catch {
    return true; // a marker Seam cannot evaluate was reported by its reader; it rules nothing out
  }
}

/**
 * Nix-owned packages are left out of the shells of systems where their markers exclude them or
 * where nixpkgs does not evaluate them (meta.platforms, broken, unfree, disabled for this Python:
 * known from the pinned nixpkgs), and said so. A package that evaluates on no system of a target
 * goes to uv there, with a warning.
 */
function applySystems(packages: PlannedPackage[], wanted: Map<string, Wanted>, pythonAttr: string, k: Knowledge, config: PlanConfig): void {
  const systems = shellSystems(config);
  const byName = new Map([...wanted.values()].map((w) => [w.key.startsWith('conda:') ? w.key.slice(6) : w.key, w]));
  for (const p of packages) {
    const reqs = byName.get(p.name)?.requirements ?? [];
    for (const t of TARGETS) {
      if (p.owner[t] !== 'nix' && p.owner[t] !== 'system') continue;
      const attr = p.nixAttr[t];
      const out: { system: string; why: string }[] = [];
      for (const system of systems[t]) {
        if (reqs.length && reqs.every((r) => !markerHolds(r.marker, system))) {
          out.push({ system, why: 'its markers exclude it' });
          continue;
        }
        if (!attr) continue;
        const a = p.owner[t] === 'nix' ? k.availability(pythonAttr, attr, system, t) : k.toolAvailability(attr, system, t);
        if (typeof a === 'string') out.push({ system, why: a });
      }
      if (!out.length) continue;
      if (out.length === systems[t].length && p.owner[t] === 'nix') {
        p.owner[t] = 'uv';
        p.warnings.push(`nixpkgs' ${attr} does not evaluate for the ${t} shell on any system (${out[0].why}): uv installs it there`);
        continue;
      }
      if (out.length === systems[t].length && out.every((o) => o.why !== 'its markers exclude it')) {
        p.owner[t] = 'skip';
        const what = `nixpkgs' ${attr} ${out[0].why === 'not in this nixpkgs' ? 'is not in this nixpkgs' : `does not evaluate on any system (${out[0].why})`}; install it another way, or name the right attribute in flake.nix by hand`;
        const cpu = `left out of the cpu shell: ${what}`;
        if (t === 'cuda' && p.warnings.includes(cpu)) p.warnings[p.warnings.indexOf(cpu)] = `left out of both shells: ${what}`;
        else p.warnings.push(`left out of the ${t} shell: ${what}`);
        continue;
      }
      (p.excluded ??= {})[t] = out;
      const groups = new Map<string, string[]>();
      for (const o of out) groups.set(o.why, [...(groups.get(o.why) ?? []), o.system]);
      for (const [why, on] of groups) p.warnings.push(`left out of the ${t} shell on ${on.join(', ')}: ${why}`);
    }
  }
}

/**
 * The team's own pyproject.toml is the uv project, and uv.lock is constrained to Nix's versions:
 * a pin there that Nix's version does not satisfy makes `uv lock` fail. Said at that line, with
 * the two ways out (Seam never edits the file).
 */
function uvConflicts(packages: PlannedPackage[], wanted: Map<string, Wanted>, pyproject: string, problems: Problem[]): void {
  for (const p of packages) {
    const nix = p.nixVersion;
    if (p.status !== 'conflict' || !nix || !TARGETS.some((t) => p.owner[t] === 'nix')) continue;
    for (const r of wanted.get(p.name)?.requirements ?? []) {
      if (r.source.path !== pyproject || !r.specifier || satisfies(r.specifier, nix)) continue;
      problems.push({
        path: r.source.path,
        line: r.source.line,
        column: r.source.column,
        severity: 'warning',
        code: 'plan/uv-conflict',
        package: p.name,
        message: `${p.name}${r.specifier} here and Nix's ${p.name} ${nix} cannot both hold: without Seam's [tool.uv] block uv lock fails on this pin; with it (exclude-dependencies) uv leaves ${p.name} to Nix and your code runs on ${nix}. Change the pin to allow ${nix}, or move ${p.name} to uv (owner = "uv" in seam.toml; a native package then comes from a wheel)`,
      });
    }
  }
}

function applyVersions(p: PlannedPackage, config: PlanConfig, problems: Problem[]): void {
  const owners = TARGETS.map((t) => p.owner[t]);
  if (!owners.includes('nix')) {
    // uv resolves its own pins; for system packages Seam does not know nixpkgs' version yet.
    p.status = !p.requested ? 'unpinned' : owners.includes('uv') ? 'resolved-by-uv' : owners.includes('system') ? 'unknown' : 'unpinned';
    return;
  }
  if (!p.requested) {
    p.status = 'unpinned';
    return;
  }
  if (!p.nixVersion) {
    p.status = 'unknown';
    // A pinned version that Seam cannot compare with Nix's: the user decides, as for another era.
    if (/(^|,)\s*(===?|~=|<=?)/.test(p.requested) && config.overrides[p.name]?.owner !== 'nix') {
      p.status = 'conflict';
      const choices = [
        `accept Nix's version ([overrides] ${p.name} = { owner = "nix" } in seam.toml)`,
        `move ${p.name} to uv (owner = "uv")`,
        `pin a nixpkgs whose ${p.name} matches ${p.requested} (seam.toml nixpkgs = …)`,
      ];
      p.conflict = { choices, applied: "none yet: Seam does not know nixpkgs' version, so it cannot say they agree" };
      const src = p.sources[0];
      problems.push({
        path: src?.path ?? '',
        line: src?.line ?? 1,
        column: src?.column ?? 1,
        severity: 'error',
        code: 'plan/version-conflict',
        package: p.name,
        message: `${p.name}: the manifests ask for ${p.requested}, and Seam does not know which version nixpkgs has (run seam plan with the pin reachable, or seam index refresh), so decide: ${choices.join('; or ')}`,
      });
    }
    return;
  }
  const ok = satisfies(p.requested, p.nixVersion);
  if (ok) {
    p.status = 'satisfied';
    return;
  }
  p.status = 'conflict';
  const jump = eraJump(p.requested, p.nixVersion);
  const choices = [
    `accept Nix's ${p.nixVersion} (policy = "nix")`,
    `move ${p.name} to uv (owner = "uv")`,
    jump
      ? `pin ${jump.newer ? 'a newer' : 'an older'} nixpkgs whose ${p.name} is ${jump.asked} (seam.toml nixpkgs = …)`
      : 'pin a nixpkgs that has a matching version',
  ];
  let applied: string;
  let severity: Problem['severity'] = config.policy === 'strict' ? 'error' : 'warning';
  const decided = config.overrides[p.name]?.owner === 'nix';
  const movesToUv = config.policy === 'uv' && p.reason !== 'native' && p.reason !== 'cuda-aware';
  // Another era that nobody decided on yet (policy = "uv" decides it for a pure-Python package).
  const era = jump !== null && !decided && !movesToUv;
  if (era) {
    // Another era is another API: code written for torch 1.x, TensorFlow 1.x or numpy 1.x does not just run on 2.x.
    choices[0] = `accept Nix's ${p.nixVersion} ([overrides] ${p.name} = { owner = "nix" } in seam.toml)`;
    applied = `none yet: ${jump.asked} → ${jump.nix} is another era, so Seam does not choose for you`;
    severity = 'error';
  } else if (movesToUv) {
    for (const t of TARGETS) if (p.owner[t] === 'nix') p.owner[t] = 'uv';
    p.reason = 'version-policy';
    applied = `moved to uv (policy = "uv"), since ${p.name} is pure Python`;
  } else if (config.policy === 'strict') {
    applied = 'none: policy = "strict" makes this an error';
  } else if (jump && decided) {
    applied = `accepted Nix's ${p.nixVersion} (seam.toml: owner = "nix"), ${jump.asked} → ${jump.nix}`;
  } else {
    applied =
      config.policy === 'uv'
        ? `kept on Nix at ${p.nixVersion}: it builds native code, so uv cannot replace it (policy = "uv" applies to pure-Python packages)`
        : `accepted Nix's ${p.nixVersion} (policy = "nix")`;
  }
  p.conflict = { choices, applied };
  const src = p.sources[0];
  problems.push({
    path: src?.path ?? '',
    line: src?.line ?? 1,
    column: src?.column ?? 1,
    severity,
    code: 'plan/version-conflict',
    package: p.name,
    message:
      era && config.policy !== 'strict'
        ? `${p.name}: the manifests ask for ${p.requested} (${jump.asked}), nixpkgs has ${p.nixVersion} (${jump.nix}): another era, so decide: ${choices.join('; or ')}`
        : `${p.name}: the manifests ask for ${p.requested}, nixpkgs has ${p.nixVersion}; ${applied}`,
  });
}

/** Whether `version` meets every clause of `specifier` (clauses joined by ','). */
function satisfies(specifier: string, version: string): boolean {
  return specifier.split(',').every((clause) => safeContains(clause, version));
}

function safeContains(spec: string, version: string): boolean {
  try {
    return specifierContains(spec, version, { prereleases: true });
  } catch {
    return true; // An unreadable pin was reported by the reader; it does not make a conflict here.
  }
}

const OWNER_WORD: Record<Owner, string> = { nix: 'Nix', uv: 'uv', system: 'Nix (system package)', skip: 'not installed' };

/** "torch → Nix: native, CUDA-aware; nixpkgs torch 2.2.1 satisfies >=2.0" */
export function explain(p: PlannedPackage): string {
  const same = p.owner.cpu === p.owner.cuda;
  const where = same ? OWNER_WORD[p.owner.cpu] : `${OWNER_WORD[p.owner.cuda]} on cuda, ${OWNER_WORD[p.owner.cpu]} on cpu`;
  const why: Record<Reason, string> = {
    native: 'native',
    'cuda-aware': 'CUDA-aware',
    closure: `needed by ${p.neededBy?.join(', ') ?? 'a Nix package'}, so uv must not install a second copy`,
    'pure-python': 'pure Python',
    'not-in-nixpkgs': 'not in nixpkgs, and not known to ship compiled code',
    'maybe-native': 'nixpkgs has it, and Seam does not know it to be pure Python (read the pin to know)',
    'native-not-in-nixpkgs': 'builds native code, but nixpkgs lacks it',
    'name-trap': "nixpkgs' package of this name is a different project",
    'system-package': 'a non-Python tool or library from nixpkgs',
    'cuda-toolkit': 'part of the CUDA toolkit, only in the cuda shell',
    'cuda-selector': 'selects the CUDA version; Seam sets the CUDA package set instead',
    interpreter: 'the interpreter; Seam picks the nixpkgs Python',
    'packaging-tool': 'packaging tool the Nix Python and uv already provide',
    'build-only': 'needed only to build the project; uv builds in isolation',
    'conda-internal': 'conda runtime plumbing; Nix provides its own',
    'direct-reference': "a direct URL, VCS or path reference, which is uv's job",
    'local-project': 'a local project, installed by uv (editable where asked)',
    override: 'owner set in seam.toml',
    'version-policy': `pin conflicts with nixpkgs and policy = "uv" moves pure-Python packages to uv`,
  };
  const as = p.requestedAs?.filter((n) => normalizeName(n) !== p.name) ?? [];
  let text = `${p.name}${as.length ? ` (asked for as ${as.join(', ')})` : ''} → ${where}: ${why[p.reason]}`;
  if (p.reason === 'native' && p.cudaAware) text += ', CUDA-aware';
  if (p.cudaAware && p.owner.cuda === 'nix')
    text += `; the cuda shell builds it with CUDA${p.owner.cpu === 'nix' ? ', the cpu shell without' : ''}`;
  const attr = p.nixAttr.cuda ?? p.nixAttr.cpu;
  if (TARGETS.some((t) => p.owner[t] === 'nix') && attr) {
    const version = p.nixVersion ? ` ${p.nixVersion}` : ' (version unknown)';
    if (p.status === 'satisfied') text += `; nixpkgs ${attr}${version} satisfies ${p.requested}`;
    else if (p.status === 'conflict') text += `; nixpkgs ${attr}${version} does not satisfy ${p.requested}: ${p.conflict?.applied}`;
    else text += `; nixpkgs ${attr}${version}`;
  } else if (p.owner.cpu === 'system' || p.owner.cuda === 'system') {
    text += `; nixpkgs ${attr}`;
  } else if (p.requested && (p.owner.cpu === 'uv' || p.owner.cuda === 'uv')) {
    text += `; uv resolves ${p.requested}`;
  }
  return text;
}

function problemAt(r: Requirement, severity: Problem['severity'], code: string, message: string): Problem {
  return { path: r.source.path, line: r.source.line, column: r.source.column, severity, code, message };
}
