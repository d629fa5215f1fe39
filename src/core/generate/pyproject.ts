/**
 * The uv project for a team without a pyproject.toml: the uv-owned requirements (indexes, VCS,
 * URL and path sources kept), `requires-python` fixed to the Nix interpreter, and
 * `[tool.uv] constraint-dependencies` pinning every Nix-owned package to Nix's version, so the
 * versions uv.lock records for them are Nix's. (uv reads constraint-dependencies only from the
 * workspace root's pyproject.toml, not from uv.toml.) Teams that have a pyproject.toml get the
 * same constraints as a proposal instead: see docs/uv-contract.md.
 */
import * as nodePath from 'node:path';
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
  sources: Record<string, { path: string; editable: boolean }>;
  constraints: string[];
  indexes: { name: string; url: string; default: boolean }[];
  findLinks: string[];
  /** Things Seam changed on the way (credentials removed, a path outside the project). */
  warnings: string[];
}

const isUv = (p: PlannedPackage) => TARGETS.some((t) => p.owner[t] === 'uv');
const isNix = (p: PlannedPackage) => TARGETS.some((t) => p.owner[t] === 'nix');

/** Seam's normalized view of what uv gets. */
export function uvProject(plan: Plan, model: ProjectModel, root: string): UvProject {
  const out: UvProject = {
    dependencies: [],
    groups: {},
    extras: {},
    sources: {},
    constraints: [],
    indexes: [],
    findLinks: [],
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
  const seen = new Set<string>();
  const names = new Set<string>();
  for (const ix of plan.indexes) {
    const url = withoutCredentials(ix, out);
    if (seen.has(`${ix.kind}:${url}`)) continue;
    seen.add(`${ix.kind}:${url}`);
    if (ix.kind === 'find-links') out.findLinks.push(url);
    else if (ix.kind === 'index-url' || ix.kind === 'extra-index-url' || ix.kind === 'source') {
      let name = normalizeName(ix.name ?? (hostOf(url) || 'index')).replace(/[^a-z0-9-]/g, '-') || 'index';
      for (let i = 2; names.has(name); i++) name = `${name.replace(/-\d+$/, '')}-${i}`;
      names.add(name);
      out.indexes.push({ name, url, default: ix.kind === 'index-url' || ix.default === true });
    }
  }
  return out;
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
    out.sources[normalizeName(name)] = { path: rel.startsWith('.') ? rel : `./${rel}`, editable: r.editable };
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
  const named = model.manifests.map((m) => m.name).find(valid);
  if (named) return normalizeName(named);
  const folder = nodePath
    .basename(root)
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return valid(folder) ? normalizeName(folder) : 'seam-project';
}

/** The `[tool.uv]` lines that carry the contract: constraints, environments, indexes. */
export function toolUvLines(uv: UvProject, python: string): string[] {
  const out: string[] = ['[tool.uv]'];
  out.push("# Nix provides these; uv.lock records Nix's versions and the Seam shells never let uv install them.");
  out.push(`constraint-dependencies = ${array(uv.constraints)}`);
  out.push('# Old sdists (common in ML pins) import pkg_resources, which setuptools 82 removed: their builds get an older one.');
  out.push(`build-constraint-dependencies = ${array(['setuptools<82'])}`);
  out.push('# The Nix shells run Linux and macOS on one interpreter.');
  out.push(`environments = ${array(["sys_platform == 'linux'", "sys_platform == 'darwin'"])}`);
  out.push(`# requires-python pins the lock to the Nix interpreter (Python ${commentText(python)}).`);
  if (uv.findLinks.length) out.push(`find-links = ${array(uv.findLinks)}`);
  for (const ix of uv.indexes) {
    out.push('', '[[tool.uv.index]]', `name = ${tomlString(ix.name)}`, `url = ${tomlString(ix.url)}`);
    if (ix.default) out.push('default = true');
  }
  const sources = Object.entries(uv.sources).sort(([a], [b]) => a.localeCompare(b));
  if (sources.length) {
    out.push('', '[tool.uv.sources]');
    for (const [name, s] of sources)
      out.push(`${tomlKey(name)} = { path = ${tomlString(s.path)}${s.editable ? ', editable = true' : ''} }`);
  }
  return out;
}

function array(xs: string[]): string {
  return xs.length ? `[\n${xs.map((x) => `  ${tomlString(x)},\n`).join('')}]` : '[]';
}

export function generatePyproject(plan: Plan, uv: UvProject, name: string, sources: string[], seamVersion: string): string {
  const out: string[] = [
    `# Generated by Seam ${commentText(seamVersion)} from ${sources.length ? sources.map(commentText).join(', ') : 'no manifests'}.`,
    '# Do not edit: change the manifests or seam.toml, then run `seam convert` again.',
    '# uv installs these into .venv on the Nix Python; Nix provides the native packages (flake.nix).',
    '[project]',
    `name = ${tomlString(name)}`,
    'version = "0.0.0"',
    `requires-python = ${tomlString(`==${plan.python.version}.*`)}`,
    `dependencies = ${array(uv.dependencies)}`,
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
  return `${out.join('\n')}\n`;
}
