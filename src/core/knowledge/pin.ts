/**
 * Facts from the pin: what the nixpkgs a project pins really has, read with `nix eval` — its
 * default python3 and which Python sets exist and are built (recursed into, so the binary caches
 * build them); for each package the project needs, in each Python set, its version, whether it is
 * CUDA-aware, and on each system and target (cpu; cuda = `cudaSupport` + `allowUnfree`) whether it
 * evaluates, or why not (unfree, broken, not available on the system, disabled for that Python, an
 * input that does not evaluate); the default `cudaPackages` and the sets that exist.
 *
 * They are cached per locked revision (the flake's narHash) in Seam's cache folder, asked for
 * only for what is missing, so the second plan is instant. Where no nixpkgs can be read (no nix,
 * offline), Seam plans with its bundled knowledge and says the versions are approximate.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { nixString } from '../text/escape';

export const PIN_SYSTEMS = ['x86_64-linux', 'aarch64-linux', 'x86_64-darwin', 'aarch64-darwin'] as const;

/** Per system and target: true when the package evaluates, else why not; null where the target does not exist (cuda off Linux). */
export type Availability = Record<string, { cpu: true | string; cuda: true | string | null }>;

export interface PinPackage {
  version: string | null;
  cudaAware: boolean;
  /** Whether nixpkgs builds it with native inputs (C/C++ libraries, a compiler toolchain, Rust, CUDA): then it is not pure Python. */
  native?: boolean;
  /** The Python packages (pnames) nixpkgs brings with it, the whole propagated closure (Python packages only). */
  closure?: string[];
  on: Availability;
}

export interface PinFacts {
  /** The reference as seam.toml wrote it, and the locked form Nix resolved it to. */
  ref: string;
  locked: {
    url: string;
    narHash: string | null;
    rev: string | null;
    lastModified: number | null;
    /** Nix's locked and original attributes of the reference (what flake.lock records for the nixpkgs input). */
    attrs?: Record<string, unknown>;
    original?: Record<string, unknown>;
  };
  python: { default: string; sets: { attr: string; version: string; built: boolean }[] };
  cuda: { default: string | null; sets: string[] };
  /** Python set attr → package attr → facts (only what was asked for; `null`: no such attribute). */
  packages: Record<string, Record<string, PinPackage | null>>;
  /** Top-level attr (system packages: ffmpeg, git, …) → facts (only what was asked for; `null`: no such attribute). */
  system: Record<string, PinPackage | null>;
}

/** The Nix expression that reads the facts of `names` in `pythons` from the nixpkgs at `src` (a store path). */
export function pinExpression(
  src: string,
  names: string[],
  pythons: string[] | null,
  tools: string[] = [],
  systems: readonly string[] = PIN_SYSTEMS,
): string {
  const list = (xs: readonly string[]) => `[ ${xs.map(nixString).join(' ')} ]`;
  return `let
  src = builtins.storePath ${nixString(src)};
  names = ${list(names)};
  tools = ${list(tools)};
  systems = ${list(systems)};
  base = import src { system = builtins.currentSystem; };
  lib = base.lib;
  configs = { cpu = { }; cuda = { cudaSupport = true; allowUnfree = true; }; };
  pkgsFor = system: target: import src { inherit system; config = configs.\${target}; };
  safe = v: d: let r = builtins.tryEval v; in if r.success then r.value else d;
  pythonAttrs = builtins.filter (n: builtins.match "python3[0-9]+" n != null && safe (base.\${n} ? pkgs) false) (builtins.attrNames base);
  sets = map (n: { attr = n; version = base.\${n}.pythonVersion; built = safe (base."\${n}Packages".recurseForDerivations or false) false; }) pythonAttrs;
  evaluates = p: safe (builtins.seq p.drvPath true) false;
  nameOf = d: safe (d.pname or d.name or "?") "?";
  why = pkgs: py: p:
    let
      m = p.meta or { };
      lic = m.license or [ ];
      lics = if builtins.isList lic then lic else [ lic ];
      inputs = safe ((p.propagatedBuildInputs or [ ]) ++ (p.buildInputs or [ ]) ++ (p.nativeBuildInputs or [ ])) [ ];
      failing = builtins.filter (d: builtins.isAttrs d && !(evaluates d)) inputs;
    in
    if !(safe (builtins.all (l: l.free or true) lics) true) && !(pkgs.config.allowUnfree or false) then "unfree"
    else if safe (m.broken or false) false then "broken"
    else if !(safe (lib.meta.availableOn pkgs.stdenv.hostPlatform p) true) then "not available on \${pkgs.stdenv.hostPlatform.system}"
    else if failing != [ ] then
      let first = builtins.head failing; in
      "needs \${builtins.concatStringsSep ", " (map nameOf failing)}, which \${if builtins.length failing == 1 then "does" else "do"} not evaluate here (\${nameOf first}: \${why pkgs py first})"
    else if py == null then "does not evaluate"
    else "not supported for interpreter \${py}";
  # Per system and shell: true, or why not (no cuda shell off Linux). \`pick\` finds the package in a package set.
  availability = py: pick: lib.genAttrs systems (system:
    let get = target: let pkgs = pkgsFor system target; p = pick pkgs; in if evaluates p then true else why pkgs py p; in
    { cpu = get "cpu"; cuda = if !(lib.hasSuffix "-linux" system) then null else get "cuda"; });
  fact = py: name:
    let ps = base.\${py}.pkgs; in
    if !(safe (ps ? \${name} && builtins.isAttrs ps.\${name}) false) then null else {
      version = safe (ps.\${name}.version or null) null;
      cudaAware = safe (let a = ps.\${name}.override.__functionArgs or { }; in a ? cudaSupport || a ? cudaPackages) false;
      # Native inputs: a library it links (buildInputs that are not Python packages), or a compiler toolchain
      # among its build tools (setup hooks such as pythonImportsCheckHook do not count).
      native = safe (let
        p = ps.\${name};
        isPy = d: builtins.isAttrs d && (d ? pythonModule || d ? pythonVersion);
        libs = builtins.filter (d: builtins.isAttrs d && !(isPy d)) (p.buildInputs or [ ]);
        tools = (p.nativeBuildInputs or [ ]) ++ (p.build-system or [ ]);
        toolchain = builtins.filter (d: builtins.isAttrs d && builtins.match "(.*-)?(cmake|ninja|pkg-config|meson|meson-python|cython|pybind11|nanobind|scikit-build-core|scikit-build|setuptools-rust|maturin|cargo|rustc|cuda_nvcc|gfortran|swig)(-[0-9].*)?" (nameOf d) != null) tools;
      in libs != [ ] || toolchain != [ ] || (p.format or "") == "wheel" && builtins.match ".*none-any.*" (p.src.name or "") == null) false;
      # The Python packages nixpkgs brings with it (its propagated closure, interpreter left out).
      closure = safe (builtins.filter (n: n != "?") (map nameOf (builtins.filter (d: builtins.isAttrs d && !(d ? pythonVersion)) (ps.\${name}.requiredPythonModules or [ ])))) [ ];
      on = availability py (pkgs: pkgs.\${py}.pkgs.\${name});
    };
  toolFact = name:
    if !(safe (builtins.hasAttr name base && builtins.isAttrs (builtins.getAttr name base)) false) then null else {
      version = safe ((builtins.getAttr name base).version or null) null;
      cudaAware = false;
      on = availability null (builtins.getAttr name);
    };
  wanted = ${pythons === null ? 'map (s: s.attr) sets' : list(pythons)};
in {
  python = { default = safe base.python3.pythonAttr "python\${builtins.replaceStrings [ "." ] [ "" ] base.python3.pythonVersion}"; inherit sets; };
  cuda = {
    default = safe (base.cudaPackages.cudaMajorMinorVersion or base.cudaPackages.cudaVersion) null;
    sets = builtins.filter (n: builtins.match "cudaPackages_[0-9]+_[0-9]+" n != null) (builtins.attrNames base);
  };
  packages = lib.genAttrs wanted (py: builtins.listToAttrs (map (n: { name = n; value = fact py n; }) names));
  system = builtins.listToAttrs (map (n: { name = n; value = toolFact n; }) tools);
}`;
}

/** Bumped when the expression's answers change shape or meaning: older cached facts are then read again. */
const FACTS_VERSION = 7;

/** Where the facts of one locked nixpkgs are kept. */
function cacheFile(cacheDir: string, lockedUrl: string): string {
  return nodePath.join(
    cacheDir,
    'facts',
    `${crypto.createHash('sha256').update(`${FACTS_VERSION}\n${lockedUrl}`).digest('hex').slice(0, 24)}.json`,
  );
}

/** How pin.ts runs nix (core/env/process.ts's runProcess fits; it sits above this layer). */
export type Run = (
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal; timeoutMs?: number },
) => Promise<{ code: number | null; stdout: string; stderr: string }>;

export interface PinOptions {
  ref: string;
  nix: string;
  cacheDir: string;
  runner: Run;
  /** The folder a relative `path:` reference is relative to (the project). */
  cwd: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export class PinUnreadable extends Error {
  constructor(
    readonly ref: string,
    why: string,
  ) {
    super(`could not read nixpkgs ${ref}: ${why}`);
    this.name = 'PinUnreadable';
  }
}

/** Flakes on for Seam's own calls, whatever nix.conf says (reading facts needs them; the user's shells are told how to enable them). */
export const NIX_FLAGS = ['--extra-experimental-features', 'nix-command flakes'];

/** The line of nix's stderr that says what failed (not its retry warnings). */
function nixError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines.find((l) => /^error:/.test(l)) ?? lines.at(-1) ?? '').replace(/^error:\s*/, '');
}

type LockOptions = Pick<PinOptions, 'ref' | 'nix' | 'runner' | 'cwd' | 'env' | 'signal'>;

/** Locks `ref` with nix (the narHash of a path, the revision of a git/GitHub reference); `refresh`: the newest it resolves to now. */
async function lock(o: LockOptions, refresh = false): Promise<PinFacts['locked'] & { storePath: string }> {
  // One download attempt, not nix's default five: offline, Seam says so at once rather than after half a minute of retries.
  const r = await o.runner(
    o.nix,
    [
      ...NIX_FLAGS,
      'flake',
      'metadata',
      '--json',
      '--option',
      'download-attempts',
      '1',
      ...(refresh ? ['--refresh'] : []),
      refKey(o.ref, o.cwd),
    ],
    {
      cwd: o.cwd,
      env: o.env,
      signal: o.signal,
      timeoutMs: 120_000,
    },
  );
  if (r.code !== 0) throw new PinUnreadable(o.ref, nixError(r.stderr) || `nix exited with ${r.code}`);
  const meta = JSON.parse(r.stdout) as {
    url: string;
    path: string;
    locked?: { narHash?: string; rev?: string; lastModified?: number };
    original?: Record<string, unknown>;
  };
  return {
    attrs: meta.locked,
    original: meta.original,
    url: meta.url,
    narHash: meta.locked?.narHash ?? null,
    rev: meta.locked?.rev ?? null,
    lastModified: meta.locked?.lastModified ?? null,
    storePath: meta.path,
  };
}

/**
 * The facts of `names` from the nixpkgs `ref` pins: from the cache when it has them, else read with
 * nix (only what is missing) and added to the cache. Throws PinUnreadable when nix cannot lock or
 * evaluate it (offline, no such path): the caller plans with bundled knowledge then.
 */
export async function readPinFacts(o: PinOptions, names: string[], tools: string[] = []): Promise<PinFacts> {
  const locked = await lock(o);
  const file = cacheFile(o.cacheDir, locked.url);
  let facts: PinFacts | null = null;
  try {
    facts = JSON.parse(fs.readFileSync(file, 'utf8')) as PinFacts;
  } catch {
    /* not read yet */
  }
  const known = (py: string, n: string) => facts !== null && Object.hasOwn(facts.packages[py] ?? {}, n);
  const pythons = facts ? facts.python.sets.map((s) => s.attr) : null;
  const missing = [...new Set(names)].filter((n) => !pythons || pythons.some((py) => !known(py, n))).sort();
  // Top-level attributes are asked for by plain name only (a dotted path is the CUDA set's business).
  const missingTools = [...new Set(tools)]
    .filter((n) => /^[A-Za-z_][A-Za-z0-9_'-]*$/.test(n) && !(facts && Object.hasOwn(facts.system ?? {}, n)))
    .sort();
  if (!facts || missing.length || missingTools.length) {
    o.log?.(
      `reading ${missing.length + missingTools.length} package fact(s) from ${o.ref} (${locked.narHash ?? locked.rev ?? locked.url}) with nix eval`,
    );
    const r = await o.runner(
      o.nix,
      [...NIX_FLAGS, 'eval', '--json', '--impure', '--expr', pinExpression(locked.storePath, missing, pythons, missingTools)],
      {
        cwd: o.cwd,
        env: o.env,
        signal: o.signal,
        timeoutMs: 30 * 60_000,
      },
    );
    if (r.code !== 0) throw new PinUnreadable(o.ref, nixError(r.stderr));
    const got = JSON.parse(r.stdout) as Omit<PinFacts, 'ref' | 'locked'>;
    if (!facts) {
      const { storePath: _, ...pinned } = locked;
      facts = { ref: o.ref, locked: pinned, ...got };
    } else {
      for (const [py, pkgs] of Object.entries(got.packages)) facts.packages[py] = { ...facts.packages[py], ...pkgs };
      facts.system = { ...facts.system, ...got.system };
    }
    writeJson(file, facts);
  }
  rememberRef(o.cacheDir, refKey(o.ref, o.cwd), locked.url);
  return { ...facts, ref: o.ref };
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(nodePath.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value));
  fs.renameSync(tmp, file);
}

/** A reference as written, made absolute where it is a relative path (`path:../nixpkgs`). */
function refKey(ref: string, cwd: string): string {
  const m = /^(path:)?(\.{1,2}\/.*)$/.exec(ref);
  return m ? `path:${nodePath.resolve(cwd, m[2])}` : ref;
}

/** Remembers which locked nixpkgs a reference resolved to last, for the faces that run no nix (the language server). */
function rememberRef(cacheDir: string, key: string, lockedUrl: string): void {
  const file = nodePath.join(cacheDir, 'facts', 'refs.json');
  let refs: Record<string, string> = {};
  try {
    refs = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    /* first one */
  }
  if (refs[key] === lockedUrl) return;
  refs[key] = lockedUrl;
  writeJson(file, refs);
}

/** The facts last read for `ref` (from the project at `cwd`), without running anything; null when there are none. */
export function rememberedPinFacts(cacheDir: string, ref: string, cwd: string): PinFacts | null {
  try {
    const refs = JSON.parse(fs.readFileSync(nodePath.join(cacheDir, 'facts', 'refs.json'), 'utf8')) as Record<string, string>;
    const url = refs[refKey(ref, cwd)];
    const facts = url ? cachedPinFacts(cacheDir, url) : null;
    return facts ? { ...facts, ref } : null;
  } catch {
    return null;
  }
}

/** The cached facts of a nixpkgs locked as `lockedUrl` (flake.lock knows it), without running anything; null when none. */
export function cachedPinFacts(cacheDir: string, lockedUrl: string): PinFacts | null {
  try {
    return JSON.parse(fs.readFileSync(cacheFile(cacheDir, lockedUrl), 'utf8')) as PinFacts;
  } catch {
    return null;
  }
}

/**
 * flake.lock with this nixpkgs as its `nixpkgs` input, as Nix writes it (version 7): a new one, or
 * `existing` (a parsed flake.lock) with only that node replaced. null when Nix gave no attributes.
 */
export function flakeLockText(locked: PinFacts['locked'], existing: { nodes?: Record<string, unknown> } = {}): string | null {
  if (!locked.attrs || !locked.original) return null;
  const sorted = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
  const nodes = {
    root: { inputs: { nixpkgs: 'nixpkgs' } },
    ...existing.nodes,
    nixpkgs: { locked: sorted(locked.attrs), original: sorted(locked.original) },
  };
  const lock = {
    ...existing,
    nodes: Object.fromEntries(Object.entries(nodes).sort(([a], [b]) => a.localeCompare(b))),
    root: 'root',
    version: 7,
  };
  return `${JSON.stringify(lock, null, 2)}\n`;
}

/**
 * The newest revision `ref` resolves to now (`nix flake metadata --refresh`: a branch moves, a
 * path's content changes), locked. Throws PinUnreadable when it cannot be fetched.
 */
export async function lockNewest(o: LockOptions): Promise<PinFacts['locked'] & { storePath: string }> {
  return lock(o, true);
}

/**
 * The store path nixpkgs at `storePath` gives a package of its default Python set under the cuda
 * shell's configuration on x86_64-linux (the build the CUDA caches publish), computed without
 * building anything; null when it does not evaluate.
 */
export async function cudaOutPath(
  o: Pick<PinOptions, 'nix' | 'runner' | 'cwd' | 'env' | 'signal'>,
  storePath: string,
  attr: string,
): Promise<string | null> {
  const expr = `let pkgs = import (builtins.storePath ${nixString(storePath)}) { system = "x86_64-linux"; config = { cudaSupport = true; allowUnfree = true; }; }; in pkgs.python3Packages.\${${nixString(attr)}}.outPath`;
  const r = await o.runner(o.nix, [...NIX_FLAGS, 'eval', '--raw', '--impure', '--expr', expr], {
    cwd: o.cwd,
    env: o.env,
    signal: o.signal,
    timeoutMs: 10 * 60_000,
  });
  return r.code === 0 && r.stdout.startsWith('/nix/store/') ? r.stdout.trim() : null;
}
