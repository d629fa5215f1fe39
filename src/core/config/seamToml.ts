/**
 * seam.toml: the project's Seam settings. Seam writes it once (when it is missing) and from then
 * on only reads it, so users' edits and comments survive every re-run.
 */
import type { Problem } from '../errors';
import { SeamError } from '../errors';
import { parseLocatedToml } from '../manifests/toml';
import { normalizeName } from '../model/names';
import { DEFAULT_CONFIG, type Owner, type PlanConfig, TARGETS, type Target, type VersionPolicy } from '../plan/types';
import { commentText, tomlKey, tomlString } from '../text/escape';

export const SEAM_TOML = 'seam.toml';

/** Where nixpkgs comes from unless seam.toml says otherwise; flake.lock pins the exact revision. */
export const DEFAULT_NIXPKGS = 'github:NixOS/nixpkgs/nixos-unstable';
export const DEFAULT_SYSTEMS = ['x86_64-linux', 'aarch64-linux', 'x86_64-darwin', 'aarch64-darwin'];
export const DEFAULT_CUDA_SYSTEMS = ['x86_64-linux'];

export interface SeamConfig extends PlanConfig {
  targets: Target[];
  nixpkgs: string;
  /** Systems that get a cpu shell, and those that also get a cuda shell. */
  systems: string[];
  cudaSystems: string[];
  /** Empty: nixpkgs' default list, which is what the binary caches build. */
  cudaCapabilities: string[];
  /** Extra binary caches on top of the CUDA cache Seam adds. */
  substituters: { url: string; publicKey: string }[];
  /** Folders outside the project Seam may read includes and local projects from (`[paths] allow`), as written. */
  allowPaths: string[];
}

export const DEFAULT_SEAM_CONFIG: SeamConfig = {
  ...DEFAULT_CONFIG,
  targets: [...TARGETS],
  nixpkgs: DEFAULT_NIXPKGS,
  systems: DEFAULT_SYSTEMS,
  cudaSystems: DEFAULT_CUDA_SYSTEMS,
  cudaCapabilities: [],
  substituters: [],
  allowPaths: [],
};

const POLICIES: VersionPolicy[] = ['nix', 'uv', 'strict'];
const OWNERS: Exclude<Owner, 'system'>[] = ['nix', 'uv', 'skip'];
const TOP_KEYS = new Set(['targets', 'nixpkgs', 'policy', 'python', 'systems', 'cuda', 'overrides', 'cache', 'paths']);

export interface ReadConfig {
  config: SeamConfig;
  problems: Problem[];
}

/** Reads seam.toml text. Errors (bad TOML, wrong types) come back as problems with file and line; the defaults fill in. */
export function readSeamToml(text: string, path: string): ReadConfig {
  const problems: Problem[] = [];
  const config: SeamConfig = structuredClone(DEFAULT_SEAM_CONFIG);
  let doc: ReturnType<typeof parseLocatedToml>;
  try {
    doc = parseLocatedToml(text);
  } catch (e) {
    const err = e instanceof SeamError ? e : new SeamError(String(e));
    problems.push({
      path,
      line: err.line ?? 1,
      column: err.column ?? 1,
      severity: 'error',
      code: 'config/syntax',
      message: `${err.message}; Seam uses its defaults until this is fixed`,
    });
    return { config, problems };
  }
  const v = doc.value;
  const report = (at: (string | number)[], severity: Problem['severity'], code: string, message: string) => {
    const loc = doc.locate(at);
    problems.push({ path, line: loc.line, column: loc.column, severity, code, message });
  };
  const strings = (at: string[], value: unknown): string[] | undefined => {
    if (Array.isArray(value) && value.every((x) => typeof x === 'string')) return value as string[];
    report(at, 'error', 'config/type', `${at.join('.')} must be a list of strings`);
    return undefined;
  };
  for (const key of Object.keys(v))
    if (!TOP_KEYS.has(key))
      report([key], 'warning', 'config/unknown-key', `unknown setting '${key}' (Seam reads ${[...TOP_KEYS].join(', ')})`);

  if ('targets' in v) {
    const t = strings(['targets'], v.targets);
    if (t) {
      const bad = t.filter((x) => !TARGETS.includes(x as Target));
      if (bad.length)
        report(
          ['targets'],
          'error',
          'config/target',
          `unknown target ${bad.map((b) => `'${b}'`).join(', ')}: targets are ${TARGETS.join(' and ')}`,
        );
      const good = TARGETS.filter((x) => t.includes(x));
      if (!good.includes('cpu'))
        report(['targets'], 'warning', 'config/no-cpu', 'teams serve on CPUs: Seam keeps the cpu target (it is the default shell)');
      config.targets = TARGETS.filter((x) => x === 'cpu' || good.includes(x));
    }
  }
  if ('nixpkgs' in v) {
    if (typeof v.nixpkgs === 'string' && v.nixpkgs.trim()) config.nixpkgs = v.nixpkgs.trim();
    else report(['nixpkgs'], 'error', 'config/type', 'nixpkgs must be a flake reference such as "github:NixOS/nixpkgs/nixos-unstable"');
  }
  if ('policy' in v) {
    if (POLICIES.includes(v.policy as VersionPolicy)) config.policy = v.policy as VersionPolicy;
    else report(['policy'], 'error', 'config/policy', `policy must be one of ${POLICIES.map((p) => `"${p}"`).join(', ')}`);
  }
  if ('python' in v) {
    if (typeof v.python === 'string' && /^3\.\d+$/.test(v.python)) config.python = v.python;
    else report(['python'], 'error', 'config/python', 'python must be a minor version such as "3.12"');
  }
  if ('systems' in v) config.systems = strings(['systems'], v.systems) ?? config.systems;
  if ('cuda' in v) {
    const c = v.cuda as Record<string, unknown>;
    if (typeof c !== 'object' || !c || Array.isArray(c)) report(['cuda'], 'error', 'config/type', '[cuda] must be a table');
    else {
      for (const key of Object.keys(c))
        if (!['version', 'capabilities', 'systems'].includes(key))
          report(
            ['cuda', key],
            'warning',
            'config/unknown-key',
            `unknown setting 'cuda.${key}' (Seam reads version, capabilities, systems)`,
          );
      if ('version' in c) {
        if (typeof c.version === 'string' && /^\d+\.\d+$/.test(c.version)) config.cuda = c.version;
        else report(['cuda', 'version'], 'error', 'config/cuda', 'cuda.version must be major.minor, such as "12.8"');
      }
      if ('capabilities' in c) {
        const caps = strings(['cuda', 'capabilities'], c.capabilities);
        if (caps) {
          const bad = caps.filter((x) => !/^\d+\.\d+[af]?$/.test(x));
          if (bad.length)
            report(['cuda', 'capabilities'], 'error', 'config/cuda', `not a CUDA capability: ${bad.join(', ')} (write them like "8.9")`);
          else config.cudaCapabilities = caps;
        }
      }
      if ('systems' in c) config.cudaSystems = strings(['cuda', 'systems'], c.systems) ?? config.cudaSystems;
    }
  }
  if ('overrides' in v) {
    const o = v.overrides as Record<string, unknown>;
    if (typeof o !== 'object' || !o || Array.isArray(o))
      report(['overrides'], 'error', 'config/type', '[overrides] must be a table of package = { owner = "uv" }');
    else {
      for (const [name, entry] of Object.entries(o)) {
        const owner = (entry as Record<string, unknown>)?.owner;
        if (typeof entry !== 'object' || !OWNERS.includes(owner as (typeof OWNERS)[number])) {
          report(
            ['overrides', name],
            'error',
            'config/override',
            `overrides.${name}: write { owner = "nix" }, { owner = "uv" } or { owner = "skip" }`,
          );
          continue;
        }
        config.overrides[normalizeName(name)] = { owner: owner as (typeof OWNERS)[number] };
      }
    }
  }
  if ('cache' in v) {
    const list = (v.cache as Record<string, unknown>)?.substituters;
    if (!Array.isArray(list))
      report(['cache'], 'error', 'config/type', '[cache] takes substituters = [{ url = "https://…", public-key = "name:key" }]');
    else {
      list.forEach((s, i) => {
        const e = s as Record<string, unknown>;
        if (
          typeof e?.url === 'string' &&
          /^(https?|file|s3):\/\//.test(e.url) &&
          typeof e['public-key'] === 'string' &&
          /^[^\s:]+:[A-Za-z0-9+/=]+$/.test(e['public-key'])
        ) {
          config.substituters.push({ url: e.url, publicKey: e['public-key'] });
        } else
          report(
            ['cache', 'substituters', i],
            'error',
            'config/cache',
            'each substituter needs url = "https://…" (or file://, s3://) and public-key = "name-1:base64…"',
          );
      });
    }
  }
  if ('paths' in v) {
    const paths = v.paths as Record<string, unknown>;
    if (typeof paths !== 'object' || !paths || Array.isArray(paths))
      report(['paths'], 'error', 'config/type', '[paths] must be a table: allow = ["../shared"]');
    else {
      for (const key of Object.keys(paths))
        if (key !== 'allow') report(['paths', key], 'warning', 'config/unknown-key', `unknown setting 'paths.${key}' (Seam reads allow)`);
      if ('allow' in paths) config.allowPaths = strings(['paths', 'allow'], paths.allow) ?? [];
    }
  }
  return { config, problems };
}

/** What the plan chose, for the commented hints in a new seam.toml. */
export interface ConfigHints {
  /** `record`: the manifests could not decide (no Python in this nixpkgs fits them): the choice is written, not hinted. */
  python: { version: string; reason: string; record?: boolean };
  /** The revision flake.lock pins, and its date: said beside nixpkgs. */
  pin?: { revision: string; date: string | null };
  cuda: { version: string; reason: string };
}

/** A new seam.toml: the settings in force, every choice explained, the optional ones as comments. */
export function writeSeamToml(config: SeamConfig, hints: ConfigHints): string {
  const list = (xs: string[]) => `[${xs.map(tomlString).join(', ')}]`;
  const out: string[] = [
    '# Seam settings for this project. Seam wrote this file once; it is yours now and Seam only',
    '# reads it. After a change run `seam convert` to regenerate flake.nix and the uv project.',
    '',
    '# Every plan covers both: teams train on GPUs and serve on CPUs. cpu is the default shell.',
    `targets = ${list(config.targets)}`,
    '',
    '# The nixpkgs flake.nix pins. flake.lock records the exact revision on first use: commit it.',
    ...(hints.pin
      ? [
          `# flake.lock pins it at ${commentText(hints.pin.revision)}${hints.pin.date ? ` (${hints.pin.date})` : ''}; nix flake update moves it.`,
        ]
      : []),
    `nixpkgs = ${tomlString(config.nixpkgs)}`,
    '',
    '# When a pin in the manifests disagrees with the version nixpkgs has:',
    '#   "nix"    use Nix\'s version (uv.lock is constrained to it)',
    '#   "uv"     move pure-Python packages to uv; native ones stay on Nix',
    '#   "strict" stop with an error',
    `policy = ${tomlString(config.policy)}`,
    '',
  ];
  if (config.python) out.push(`python = ${tomlString(config.python)}`);
  else if (hints.python.record) {
    // Recorded as a comment: the next convert decides the same way from the same pin (byte-identical),
    // and a newer pin may decide better; uncomment it to hold the choice.
    out.push('# The manifests ask for a Python this nixpkgs does not have. Seam chose the nearest that works;');
    out.push('# uncomment the line to keep it, or pin an older nixpkgs above to get closer to what they ask.');
    out.push(`# python = ${tomlString(hints.python.version)}   # ${commentText(hints.python.reason)}`);
  } else
    out.push(
      `# python = ${tomlString(hints.python.version)}   # Seam chose ${commentText(hints.python.version)}: ${commentText(hints.python.reason)}`,
    );
  out.push(
    '',
    '# Systems with a cpu shell.',
    `systems = ${list(config.systems)}`,
    '',
    '[cuda]',
    '# Systems that also get a cuda shell.',
    `systems = ${list(config.cudaSystems)}`,
  );
  if (config.cuda) out.push(`version = ${tomlString(config.cuda)}`);
  else
    out.push(
      `# version = ${tomlString(hints.cuda.version)}   # Seam chose ${commentText(hints.cuda.version)}: ${commentText(hints.cuda.reason)}`,
    );
  out.push("# The CUDA caches (cache.nixos-cuda.org, cache.flox.dev) build nixpkgs' default CUDA set and GPU");
  out.push('# architectures: another version or a narrower list of capabilities compiles torch and friends on');
  out.push('# your machine (hours).');
  if (config.cudaCapabilities.length) out.push(`capabilities = ${list(config.cudaCapabilities)}`);
  else out.push('# capabilities = ["8.9"]');
  out.push('', '# Per-package owner: "nix", "uv" or "skip" (nobody installs it).', '[overrides]');
  const overrides = Object.entries(config.overrides).sort(([a], [b]) => a.localeCompare(b));
  if (overrides.length) for (const [name, o] of overrides) out.push(`${tomlKey(name)} = { owner = ${tomlString(o.owner ?? 'uv')} }`);
  else out.push('# some-package = { owner = "uv" }');
  out.push('', '# Your own binary caches (a team cache, remote builders), on top of the CUDA caches Seam adds.', '[cache]');
  if (config.substituters.length) {
    out.push('substituters = [');
    for (const s of config.substituters) out.push(`  { url = ${tomlString(s.url)}, public-key = ${tomlString(s.publicKey)} },`);
    out.push(']');
  } else out.push('substituters = []');
  return `${out.join('\n')}\n`;
}
