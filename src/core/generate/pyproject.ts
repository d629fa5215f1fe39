/**
 * The uv project for a team without a pyproject.toml: the uv-owned requirements (indexes, VCS,
 * URL and path sources kept), `requires-python` fixed to the Nix interpreter, and
 * `[tool.uv] constraint-dependencies` pinning every Nix-owned package to Nix's version, so the
 * versions uv.lock records for them are Nix's. (uv reads constraint-dependencies only from the
 * workspace root's pyproject.toml, not from uv.toml.) Teams that have a pyproject.toml get the
 * same constraints as a proposal instead: see docs/uv-contract.md.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { withNixClosure } from '../check/contract';
import type { Knowledge } from '../knowledge/index';
import type { ProjectModel } from '../manifests/index';
import type { PackageIndex, Requirement } from '../model/manifest';
import { normalizeName } from '../model/names';
import { isValidVersion, nixConstraint } from '../model/versions';
import { type Plan, type PlannedPackage, TARGETS } from '../plan/types';
import { commentText, tomlKey, tomlString } from '../text/escape';
import { maskCredentials, stripCredentials } from '../text/secrets';

export interface UvProject {
  /** The requirement strings per scope. */
  dependencies: string[];
  groups: Record<string, string[]>;
  extras: Record<string, string[]>;
  sources: Record<string, { path: string; editable: boolean } | { index: string }>;
  constraints: string[];
  /** Names uv leaves out of resolution (`exclude-dependencies`): Nix-owned in every shell, with what nixpkgs brings with them. */
  exclude: string[];
  indexes: { name: string; url: string; default: boolean; explicit: boolean }[];
  /** pip's --extra-index-url: the best version over every index, as pip picks (uv's default takes the first index that has the package). */
  indexStrategy: 'unsafe-best-match' | null;
  findLinks: string[];
  /** Local projects whose build imports torch: uv builds them without isolation, against Nix's torch (`no-build-isolation-package`). */
  noBuildIsolation: string[];
  /** Whether one of them is a CUDA extension: the cuda shell then provides CUDA_HOME and nvcc. */
  cudaBuild: boolean;
  /** `-e .` of the folder Seam's pyproject.toml sits in: put on sys.path through a .pth (as pip's editable install does), never built. */
  pythonPath: string[];
  /** Things Seam changed on the way (credentials removed, a path outside the project). */
  warnings: string[];
}

const isUv = (p: PlannedPackage) => TARGETS.some((t) => p.owner[t] === 'uv');
const isNix = (p: PlannedPackage) => TARGETS.some((t) => p.owner[t] === 'nix');

/** Seam's normalized view of what uv gets. */
export function uvProject(plan: Plan, model: ProjectModel, root: string, knowledge?: Knowledge): UvProject {
  const out: UvProject = {
    dependencies: [],
    groups: {},
    extras: {},
    sources: {},
    constraints: [],
    exclude: [],
    indexes: [],
    indexStrategy: null,
    findLinks: [],
    noBuildIsolation: [],
    cudaBuild: false,
    pythonPath: [],
    warnings: [],
  };
  const bySource = new Map<string, Requirement>();
  for (const m of model.manifests) for (const r of m.requirements) bySource.set(`${r.source.path}:${r.source.line}:${r.source.column}`, r);
  const add = (list: string[], s: string) => {
    if (!list.includes(s)) list.push(s);
  };
  for (const p of plan.packages) {
    if (!isUv(p)) continue;
    for (const s of p.sources) {
      const r = bySource.get(`${s.path}:${s.line}:${s.column}`);
      if (!r) continue;
      const text = requirementFor(p, r, root, out);
      if (!text) continue;
      if (r.scope.kind === 'group') add((out.groups[normalizeName(r.scope.name)] ??= []), text);
      else if (r.scope.kind === 'extra') add((out.extras[normalizeName(r.scope.name)] ??= []), text);
      else if (r.scope.kind === 'main') add(out.dependencies, text);
    }
  }
  for (const p of plan.packages) {
    if (!isNix(p) || !p.nixVersion) continue;
    if (p.versionUncertain)
      out.warnings.push(
        `${p.name}: not pinned for uv: Seam's knowledge of Nix's version (${p.nixVersion}) is uncertain (read the pin with nix, or run seam index refresh)`,
      );
    else if (isValidVersion(p.nixVersion)) out.constraints.push(nixConstraint(p.name, p.nixVersion));
    else out.warnings.push(`${p.name}: Nix's version '${p.nixVersion}' is not a PEP 440 version, so uv.lock cannot be pinned to it`);
  }
  out.constraints.sort();
  out.exclude = excludedFromUv(plan, knowledge);
  // Which packages each index was named for (poetry's `source = "…"`, Pipfile's `index = "…"`), and who owns them.
  const tied = new Map<string, { uv: string[]; nix: string[] }>();
  for (const p of plan.packages)
    for (const s of p.sources) {
      const r = bySource.get(`${s.path}:${s.line}:${s.column}`);
      const index = r?.sourceHint?.source ?? r?.sourceHint?.index;
      if (!index) continue;
      const t = tied.get(index) ?? { uv: [], nix: [] };
      (isUv(p) ? t.uv : t.nix).push(p.name);
      tied.set(index, t);
    }
  const uvNames = new Set(plan.packages.filter(isUv).map((p) => p.name));
  const seen = new Set<string>();
  const names = new Set<string>();
  for (const ix of plan.indexes) {
    const url = withoutCredentials(ix, out);
    if (seen.has(`${ix.kind}:${url}`)) continue;
    seen.add(`${ix.kind}:${url}`);
    if (ix.kind === 'find-links') {
      out.findLinks.push(url);
      continue;
    }
    if (ix.kind !== 'index-url' && ix.kind !== 'extra-index-url' && ix.kind !== 'source') continue;
    const isDefault = ix.kind === 'index-url' || ix.default === true;
    const t = ix.name ? tied.get(ix.name) : undefined;
    const serves = frameworkIndex(url);
    // An index only Nix's packages come from: uv would install nothing from it.
    if (!isDefault && ix.explicit && t && !t.uv.length) {
      out.warnings.push(`${url}: left out: the packages taken from it (${t.nix.join(', ')}) come from Nix`);
      continue;
    }
    if (!isDefault && !ix.explicit && serves && ![...uvNames].some((n) => serves.test(n))) {
      out.warnings.push(
        `${url}: left out: it serves ${serves === TORCH_INDEX_SERVES ? 'PyTorch' : 'framework'} wheels, and Nix provides those here`,
      );
      continue;
    }
    let name = normalizeName(ix.name ?? (hostOf(url) || 'index')).replace(/[^a-z0-9-]/g, '-') || 'index';
    for (let i = 2; names.has(name); i++) name = `${name.replace(/-\d+$/, '')}-${i}`;
    names.add(name);
    out.indexes.push({ name, url, default: isDefault, explicit: !isDefault && ix.explicit === true });
    if (ix.explicit && !isDefault) for (const n of t?.uv ?? []) if (!(n in out.sources)) out.sources[n] = { index: name };
    if (!isDefault && !ix.explicit && ix.kind === 'extra-index-url') out.indexStrategy = 'unsafe-best-match';
  }
  if (out.indexStrategy)
    out.warnings.push(
      '--extra-index-url: uv looks at every index and takes the best version, as pip does (index-strategy = "unsafe-best-match"); uv\'s default would take a package only from the first index that has it',
    );
  return out;
}

/**
 * What uv must never resolve: packages Nix owns in every shell (a package Nix owns only in the cuda
 * shell stays resolvable for the cpu one; the shells keep it out there), the names the team asked
 * for them by, and the Python packages nixpkgs brings with them (torch → numpy, filelock, …). Their
 * own dependencies (torch's nvidia-* wheels) then never enter the lock either.
 */
export function excludedFromUv(plan: Plan, knowledge?: Knowledge): string[] {
  const owned = new Set<string>();
  const valid = (n: string) => /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(n);
  for (const p of plan.packages) {
    if (!TARGETS.every((t) => p.owner[t] === 'nix')) continue;
    owned.add(p.name);
    for (const n of p.requestedAs ?? []) owned.add(normalizeName(n));
  }
  const all = knowledge ? withNixClosure(owned, knowledge) : owned;
  return [...all].filter(valid).sort();
}

/** What a framework's own wheel index serves: an index of these is needed only when uv installs one of them. */
const TORCH_INDEX_SERVES =
  /^(torch|torchvision|torchaudio|torchtext|torchdata|torchrec|torch-tensorrt|triton|pytorch-triton.*|fbgemm-gpu.*|xformers)$/;
const JAX_INDEX_SERVES = /^(jax|jaxlib|jax-cuda\d+-(plugin|pjrt)|libtpu.*)$/;

function frameworkIndex(url: string): RegExp | null {
  if (/^https?:\/\/download\.pytorch\.org\/whl(\/|$)/.test(url)) return TORCH_INDEX_SERVES;
  if (/^https?:\/\/storage\.googleapis\.com\/jax-releases(\/|$)/.test(url)) return JAX_INDEX_SERVES;
  return null;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

/** Index URLs keep no passwords: uv reads them from UV_INDEX_<NAME>_USERNAME/PASSWORD or a keyring. */
function withoutCredentials(ix: PackageIndex, out: UvProject): string {
  try {
    const u = new URL(ix.url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
      out.warnings.push(
        `${u.host}: credentials removed from the index URL; give them to uv with UV_INDEX_<NAME>_USERNAME / _PASSWORD or a keyring`,
      );
      return u.toString();
    }
  } catch {
    /* not a URL (a local folder for find-links): kept as written */
  }
  return ix.url;
}

/** Where `pip install -e .` would put a setup.py project's code on sys.path: ./src for a src layout, else the folder. */
function rootCodeDir(dir: string): string {
  const text = (f: string) => {
    try {
      return fs.readFileSync(nodePath.join(dir, f), 'utf8');
    } catch {
      return '';
    }
  };
  const srcLayout = /package_dir\s*=\s*\{\s*["']{2}\s*:\s*["']src["']/.test(text('setup.py')) || /^\s*=\s*src\s*$/m.test(text('setup.cfg'));
  return srcLayout && fs.existsSync(nodePath.join(dir, 'src')) ? 'src' : '.';
}

function requirementFor(p: PlannedPackage, r: Requirement, root: string, out: UvProject): string | null {
  const name = r.ecosystem === 'pypi' ? r.name : p.name;
  const extras = r.extras.length ? `[${r.extras.join(',')}]` : '';
  let marker = r.marker ? `; ${r.marker}` : '';
  if (CUDA_WHEELS.test(normalizeName(name)) && !/sys_platform|platform_system/.test(r.marker ?? '')) {
    // PyPI has CUDA builds for Linux (and Windows) only: on macOS nothing would resolve.
    marker = r.marker ? `; (${r.marker}) and sys_platform == 'linux'` : "; sys_platform == 'linux'";
    out.warnings.push(`${name}: PyPI has CUDA builds of it for Linux only, so uv installs it on Linux (sys_platform == 'linux')`);
  }
  if (r.url && r.reference?.type === 'path') {
    const abs = nodePath.resolve(nodePath.dirname(r.source.path), r.url.replace(/^file:\/\//, ''));
    const rel = nodePath.relative(root, abs).split(nodePath.sep).join('/') || '.';
    if (rel.startsWith('..'))
      out.warnings.push(`${p.name}: the path ${rel} is outside the project; other machines need it at the same place`);
    if (rel === '.') {
      // The folder Seam's pyproject.toml (or the team's) sits in: that project is the uv project itself, so
      // uv cannot also install it as a dependency. Seam's shells put its code on sys.path, as pip install -e . does.
      const dir = rootCodeDir(abs);
      if (!out.pythonPath.includes(dir)) out.pythonPath.push(dir);
      out.warnings.push(
        `${name || '.'} (${r.editable ? '-e ' : ''}.): the project's own code is importable in .venv through a .pth (${dir === '.' ? 'the project folder' : `./${dir}`}), as pip install -e . makes it; it is not built, so its console scripts and compiled parts are not made (a team pyproject.toml with a [build-system] gets it built by uv sync)`,
      );
      return null;
    }
    const key = normalizeName(name);
    out.sources[key] = { path: rel.startsWith('.') ? rel : `./${rel}`, editable: r.editable };
    if (r.localBuild) {
      if (!out.noBuildIsolation.includes(key)) out.noBuildIsolation.push(key);
      if (r.localBuild === 'torch-cuda') out.cudaBuild = true;
      out.warnings.push(
        `${name} (./${rel}): its build imports torch, so uv builds it without isolation, against Nix's torch and the Nix environment's setuptools${r.localBuild === 'torch-cuda' ? '; the cuda shell provides CUDA_HOME and nvcc from the pinned cudaPackages' : ''}`,
      );
    }
    return `${name}${extras}${marker}`;
  }
  if (r.url) {
    const { url, stripped } = stripCredentials(r.url);
    if (stripped)
      out.warnings.push(
        `${p.name}: a password or token in its URL was left out of pyproject.toml (${maskCredentials(r.url)}); write it as \${VARIABLE} in the manifest, or give it to git or uv (a credential helper, netrc, a keyring)`,
      );
    return `${name}${extras} @ ${url}${marker ? ` ${marker}` : ''}`;
  }
  return `${name}${extras}${r.specifier}${marker}`;
}

/** PyPI projects that are CUDA builds (cupy-cuda12x, nvidia-cudnn-cu12, jax-cuda12-plugin, faiss-gpu, …): Linux-only wheels. */
const CUDA_WHEELS =
  /^(cupy-cuda\d+x|nvidia-.*-cu\d+|jax-cuda\d+-(plugin|pjrt)|jaxlib-cuda.*|faiss-gpu(-cu\d+)?|tensorflow-gpu|onnxruntime-gpu|.*-cu\d{2,3})$/;

/** A project name uv accepts, from the manifests or the folder. */
export function projectName(model: ProjectModel, root: string): string {
  const valid = (s: string | undefined) => !!s && /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(s);
  // A manifest in a subfolder (a local package's setup.py) names that package, not this project.
  const atRoot = model.manifests.filter((m) => m.files.some((f) => nodePath.dirname(nodePath.resolve(root, f)) === nodePath.resolve(root)));
  const named = atRoot.map((m) => m.name).find(valid);
  if (named) return normalizeName(named);
  const folder = nodePath
    .basename(root)
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return valid(folder) ? normalizeName(folder) : 'seam-project';
}

/** Where each Seam shell puts Nix's packages as wheels without code (seam-uv.py prepare), for uv to resolve against. */
export const NIX_WHEELS = '.seam/nix-wheels';
/** The name of that index in the generated pyproject.toml. */
export const NIX_INDEX = 'nix';

/**
 * The `[tool.uv]` lines that carry the contract. In Seam's own pyproject.toml (`generated`), Nix's
 * packages are an index of their own, first: wheels that hold only the metadata of the Nix
 * environment's packages, at Nix's versions and with no dependencies. uv resolves against them
 * (torchmetrics' `torch>=2.0` meets Nix's torch; a requirement Nix's version cannot meet fails at
 * `uv lock`, with uv's explanation), records Nix's versions in uv.lock, and installing one puts
 * only its metadata into .venv — never a second torch or its nvidia-* wheels, whatever uv command
 * runs. A team's own pyproject.toml gets `exclude-dependencies` instead (Seam's block sits inside
 * its [tool.uv] table and adds no index of its own).
 */
export function toolUvLines(uv: UvProject, python: string, mode: 'generated' | 'team' = 'generated'): string[] {
  const out: string[] = ['[tool.uv]'];
  out.push("# Nix provides these: uv.lock records Nix's versions.");
  out.push(`constraint-dependencies = ${array(uv.constraints)}`);
  if (mode === 'team') {
    out.push("# So that no uv command (uv run, uv add, uv sync, uv lock) installs them: Nix's copies are the ones Python imports.");
    out.push(`exclude-dependencies = ${array(uv.exclude)}`);
  }
  out.push('# Old sdists (common in ML pins) import pkg_resources, which setuptools 82 removed: their builds get an older one.');
  out.push(`build-constraint-dependencies = ${array(['setuptools<82'])}`);
  out.push('# The Nix shells run Linux and macOS on one interpreter.');
  out.push(`environments = ${array(["sys_platform == 'linux'", "sys_platform == 'darwin'"])}`);
  out.push(`# requires-python pins the lock to the Nix interpreter (Python ${commentText(python)}).`);
  if (uv.findLinks.length) out.push(`find-links = ${array(uv.findLinks)}`);
  if (uv.noBuildIsolation.length) {
    out.push("# Local projects whose build imports torch: built in .venv, against Nix's torch (uv's isolated build would fetch PyPI's).");
    out.push(`no-build-isolation-package = ${array(uv.noBuildIsolation)}`);
  }
  if (uv.indexStrategy) {
    out.push(
      "# pip's --extra-index-url: the best version over every index, as pip picks (uv's default stops at the first index that has the package).",
    );
    out.push(`index-strategy = ${tomlString(uv.indexStrategy)}`);
  }
  if (mode === 'generated')
    out.push(
      '',
      "# Nix's packages, as wheels without code that each Seam shell writes from its Nix environment (uv needs the shell).",
      '# First, so uv takes them only from here: at the version Nix has, with what Nix brings along.',
      '[[tool.uv.index]]',
      `name = ${tomlString(NIX_INDEX)}`,
      `url = ${tomlString(`./${NIX_WHEELS}`)}`,
      'format = "flat"',
    );
  for (const ix of uv.indexes) {
    out.push('', '[[tool.uv.index]]', `name = ${tomlString(ix.name)}`, `url = ${tomlString(ix.url)}`);
    if (ix.default) out.push('default = true');
    if (ix.explicit) out.push('explicit = true # only for the packages tied to it in [tool.uv.sources]');
  }
  const sources = Object.entries(uv.sources).sort(([a], [b]) => a.localeCompare(b));
  if (sources.length) {
    out.push('', '[tool.uv.sources]');
    for (const [name, s] of sources)
      out.push(
        'index' in s
          ? `${tomlKey(name)} = { index = ${tomlString(s.index)} }`
          : `${tomlKey(name)} = { path = ${tomlString(s.path)}${s.editable ? ', editable = true' : ''} }`,
      );
  }
  return out;
}

function array(xs: string[]): string {
  return xs.length ? `[\n${xs.map((x) => `  ${tomlString(x)},\n`).join('')}]` : '[]';
}

/** The distribution name a requirement string starts with, normalized. */
export function requirementName(requirement: string): string {
  return normalizeName(/^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(requirement)?.[1] ?? requirement);
}

/** A TOML array of strings as Seam writes it (one per line). */
export const tomlArray = array;

export function generatePyproject(
  plan: Plan,
  uv: UvProject,
  name: string,
  sources: string[],
  seamVersion: string,
  uvAdded: string[] = [],
): string {
  // What uv add put into this file before: kept after the manifests' own (unless a manifest asks for it now).
  const own = new Set(uv.dependencies.map(requirementName));
  const carried = uvAdded.filter((d) => !own.has(requirementName(d)));
  const out: string[] = [
    `# Generated by Seam ${commentText(seamVersion)} from ${sources.length ? sources.map(commentText).join(', ') : 'no manifests'}.`,
    '# Do not edit: change the manifests or seam.toml, then run `seam convert` again.',
    '# uv installs these into .venv on the Nix Python; Nix provides the native packages (flake.nix).',
    '[project]',
    `name = ${tomlString(name)}`,
    'version = "0.0.0"',
    `requires-python = ${tomlString(`==${plan.python.version}.*`)}`,
    `dependencies = ${array([...uv.dependencies, ...carried])}`,
  ];
  const extras = Object.entries(uv.extras).sort(([a], [b]) => a.localeCompare(b));
  if (extras.length) {
    out.push('', '[project.optional-dependencies]');
    for (const [k, v] of extras) out.push(`${tomlKey(k)} = ${array(v)}`);
  }
  const groups = Object.entries(uv.groups).sort(([a], [b]) => a.localeCompare(b));
  if (groups.length) {
    out.push('', '[dependency-groups]');
    for (const [k, v] of groups) out.push(`${tomlKey(k)} = ${array(v)}`);
  }
  out.push('');
  out.push(
    ...toolUvLines(uv, plan.python.version).flatMap((l, i) =>
      i === 1 ? ['# The project itself is not a package to build.', 'package = false', l] : [l],
    ),
  );
  out.push('', '[tool.seam]');
  if (uv.pythonPath.length)
    out.push(
      "# `-e .`: the project's own code, importable in .venv through a .pth (as pip install -e . makes it); not built.",
      `python-path = ${array(uv.pythonPath)}`,
    );
  out.push(
    '# What Seam wrote into dependencies from the manifests; what `uv add` adds there is kept by seam convert (uv-added).',
    `dependencies = ${array(uv.dependencies)}`,
  );
  if (carried.length) out.push(`uv-added = ${array(carried)}`);
  return `${out.join('\n')}\n`;
}
