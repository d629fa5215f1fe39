/**
 * One project folder as Seam sees it, and the only way in: `openProject(root)` gives a snapshot
 * of the folder — its settings (seam.toml with its problems), the knowledge it plans with (bundled,
 * or the facts `seam index refresh` read from a nixpkgs), its manifests (never a file Seam
 * generated: the signature line says so), the flake and lock state, the plan, the conversion and
 * every finding a face reports — each computed once, when first asked for. The CLI opens one per
 * command, the language server one per project with the editor's unsaved texts laid over the
 * files, and the extension one per workspace folder, cached until its watcher sees a change.
 * So every face gives the same answer.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { type ContractResult, checkContract, ownedFromFlake, withNixClosure } from './check/contract';
import { parseUvLock } from './check/uvlock';
import { readSeamToml, SEAM_TOML, type SeamConfig } from './config/seamToml';
import { nixSystem } from './env/cache';
import { type CacheReport, cacheReport } from './env/caches';
import type { CompatInput } from './env/compat';
import { readVenv } from './env/venv';
import { errorMessage, type Problem, SeamError } from './errors';
import { type Conversion, convertProject } from './generate/convert';
import { STAGE_PREFIX } from './generate/transaction';
import { defaultKnowledge, type Knowledge, knowledgeFrom, knowledgeWithPin } from './knowledge/index';
import { flakeLockText, type PinFacts, rememberedPinFacts } from './knowledge/pin';
import { type Discovered, discoverManifests, type ProjectModel, readProject } from './manifests/index';
import { peekText, withBoundary, withOverlay } from './manifests/text';
import { GPU_VARIANTS, planProject } from './plan/planner';
import { type Plan, TARGETS, type Target } from './plan/types';
import { type Ownership, ownership, unsigned } from './text/signature';
import { VERSION } from './version';

export const INDEX_PATH = nodePath.join('.seam', 'index.json');

export interface OpenOptions {
  /** The environment `${VAR}` in requirements files expands from (default: none). */
  env?: Record<string, string | undefined>;
  /** Unsaved editor texts by absolute path (the language server's open documents). */
  texts?: (path: string) => string | undefined;
  /** The manifests to read instead of discovering them under the root (`seam inspect FILE…`). */
  manifests?: string[];
  /** Facts read from the pinned nixpkgs (core/knowledge/pin.ts): they replace the bundled knowledge. */
  facts?: PinFacts;
  /**
   * Seam's cache folder (~/.cache/seam): without `facts`, the facts last read for this project's
   * pin are taken from there — read from files only, never by running nix (the language server,
   * the extension before its background read finishes, untrusted folders).
   */
  factsCache?: string;
  /** The nixpkgs to pin instead of seam.toml's (`--nixpkgs REF`). */
  nixpkgs?: string;
}

export interface Settings {
  config: SeamConfig;
  /** seam.toml's text, or null when the project has none yet. */
  text: string | null;
  path: string;
  /** seam.toml's problems, then .seam/index.json's. */
  problems: Problem[];
}

export interface KnowledgeState {
  knowledge: Knowledge;
  /** Where the facts come from: Seam's bundle, `seam index refresh` (.seam/index.json), or the pinned nixpkgs itself. */
  source: 'bundled' | 'index' | 'pin';
}

export interface FlakeState {
  /** flake.nix's text, or null. */
  text: string | null;
  owner: Ownership;
  /** The nixpkgs revision flake.lock pins, or null (no lock yet). */
  lockedRev: string | null;
}

/** What a fix for a finding needs (the language server's quick fixes, the plan view's buttons). */
export type FindingFix =
  | { kind: 'operator'; replace: string; with: string }
  | { kind: 'split'; requirement: string }
  | { kind: 'owner'; package: string }
  | { kind: 'out-of-date' };

/** A problem any face reports, with the fix it offers. */
export interface Finding extends Problem {
  fix?: FindingFix;
}

/** The operator fix a pip/PEP 508 operator message names: `>==` → `>=`, `=` → `==`. */
export function operatorFix(message: string): { replace: string; with: string } | null {
  const m = /invalid operator '([^']+)' \(did you mean '([^']+)'\?\)/.exec(message);
  if (m) return { replace: m[1], with: m[2] };
  if (/^'=' is not a pip operator: use '=='/.test(message)) return { replace: '=', with: '==' };
  return null;
}

export const OUT_OF_DATE =
  'the environment is out of date: the manifests changed after flake.nix was generated — run "Seam: Convert to reproducible env" (or `seam convert`) to regenerate it';

export class ProjectSnapshot {
  private readonly memo = new Map<string, unknown>();

  constructor(
    readonly root: string,
    private readonly options: OpenOptions = {},
  ) {}

  /** Computes `fn` once, with the unsaved editor texts standing in for the files, reading nothing outside the project. */
  private once<T>(key: string, fn: () => T): T {
    if (!this.memo.has(key)) {
      const read = () => (this.options.texts ? withOverlay(this.options.texts, fn) : fn());
      // seam.toml itself is read inside the project; the folders it allows widen the boundary for the rest.
      const own = key === 'settings' || key === 'knowledge' || key === 'remembered' || key.startsWith('file:'); // Seam's own files, in the project
      this.memo.set(key, own ? withBoundary([this.root], read) : withBoundary(this.readable, read));
    }
    return this.memo.get(key) as T;
  }

  /** The folders this snapshot reads under: the project, the manifests named explicitly, and seam.toml's `[paths] allow`. */
  private get readable(): string[] {
    const allowed = this.settings.config.allowPaths.map((p) => nodePath.resolve(this.root, p));
    return [this.root, ...allowed, ...(this.options.manifests ?? [])];
  }

  private file(rel: string): string | null {
    return this.once(`file:${rel}`, () => peekText(nodePath.join(this.root, rel)));
  }

  get settings(): Settings {
    return this.once('settings', () => {
      const path = nodePath.join(this.root, SEAM_TOML);
      const text = this.file(SEAM_TOML);
      const read = readSeamToml(text ?? '', path);
      const odd: Problem[] = [];
      if (text === null && fs.existsSync(path))
        odd.push({
          path,
          line: 1,
          column: 1,
          severity: 'error',
          code: 'config/not-a-file',
          message: `${SEAM_TOML} is ${fs.statSync(path).isDirectory() ? 'a folder' : 'not a file Seam can read (or a link out of the project)'}: Seam uses its defaults; move it away`,
        });
      return { config: read.config, text, path, problems: [...odd, ...read.problems, ...this.knowledgeState.problems] };
    });
  }

  get config(): SeamConfig {
    return this.options.nixpkgs ? { ...this.settings.config, nixpkgs: this.options.nixpkgs } : this.settings.config;
  }

  private get knowledgeState(): KnowledgeState & { problems: Problem[] } {
    return this.once('knowledge', () => {
      const base = this.indexKnowledge();
      // The facts read from the pinned nixpkgs (when the caller could read them) win over both.
      const facts = this.pinFacts();
      return facts ? { knowledge: knowledgeWithPin(base.knowledge, facts), source: 'pin' as const, problems: base.problems } : base;
    });
  }

  /** The pinned nixpkgs as Nix locked it, when its facts were read: what convert writes flake.lock with. */
  get pin(): { lock: string; revision: string; date: string | null } | null {
    return this.once('pin', () => {
      const facts = this.pinFacts();
      const lock = facts ? flakeLockText(facts.locked) : null;
      if (!facts || !lock) return null;
      const { rev, narHash, lastModified } = facts.locked;
      return {
        lock,
        revision: rev ?? narHash ?? facts.locked.url,
        date: lastModified ? new Date(lastModified * 1000).toISOString().slice(0, 10) : null,
      };
    });
  }

  /** The pinned nixpkgs' facts: those the caller read, else those last read for this pin (files only), else none. */
  private pinFacts(): PinFacts | undefined {
    const cache = this.options.factsCache;
    if (this.options.facts || !cache) return this.options.facts;
    return this.once('remembered', () => {
      // seam.toml read for its nixpkgs only: its problems come with the settings, which need the knowledge.
      const ref = this.options.nixpkgs ?? readSeamToml(this.file(SEAM_TOML) ?? '', nodePath.join(this.root, SEAM_TOML)).config.nixpkgs;
      return rememberedPinFacts(cache, ref, this.root) ?? undefined;
    });
  }

  private indexKnowledge(): KnowledgeState & { problems: Problem[] } {
    {
      const path = nodePath.join(this.root, INDEX_PATH);
      const text = this.file(INDEX_PATH);
      if (text === null) return { knowledge: defaultKnowledge(), source: 'bundled' as const, problems: [] };
      try {
        return { knowledge: knowledgeFrom(JSON.parse(text)), source: 'index' as const, problems: [] };
      } catch (e) {
        const message = `${errorMessage(e)}; using Seam's bundled knowledge (run \`seam index refresh\` again)`;
        return {
          knowledge: defaultKnowledge(),
          source: 'bundled' as const,
          problems: [{ path, line: 1, column: 1, severity: 'warning' as const, code: 'index/unreadable', message }],
        };
      }
    }
  }

  /**
   * The python3Packages attributes the facts of this project's plan depend on: each package the
   * manifests name (as Seam's knowledge maps it, or spelled as nixpkgs would), what those need,
   * and tomli. What `readPinFacts` is asked about.
   */
  get pinNames(): string[] {
    return this.once('pinNames', () => {
      const k = this.indexKnowledge().knowledge;
      const names = new Set<string>(['tomli']);
      const add = (n: string, depth = 0) => {
        const fact = k.python(n);
        if (fact) names.add(fact.attr);
        const attr = k.hasAttr(n);
        if (attr) names.add(attr);
        if (!fact && !attr) for (const c of [n, n.replace(/-/g, '_')]) if (/^[A-Za-z0-9_-]+$/.test(c)) names.add(c);
        if (depth < 4) for (const d of k.deps(n)?.deps ?? []) add(d, depth + 1);
      };
      for (const m of this.model.manifests)
        for (const r of m.requirements) {
          if (!r.normalizedName) continue;
          const conda = r.ecosystem === 'conda' ? k.conda(r.name) : undefined;
          if (conda?.nixPython) names.add(conda.nixPython);
          const name = conda?.pypi ?? r.normalizedName;
          add(GPU_VARIANTS[name] ?? name);
        }
      return [...names].sort();
    });
  }

  /** The top-level attributes of the conda packages that are system packages (ffmpeg, git, …): what `readPinFacts` is asked about as tools. */
  get pinTools(): string[] {
    return this.once('pinTools', () => {
      const k = this.indexKnowledge().knowledge;
      const tools = new Set<string>();
      for (const m of this.model.manifests)
        for (const r of m.requirements) {
          const attr = r.ecosystem === 'conda' ? k.conda(r.name)?.nixTopLevel : undefined;
          if (attr && !attr.includes('.')) tools.add(attr);
        }
      return [...tools].sort();
    });
  }

  get knowledge(): Knowledge {
    return this.knowledgeState.knowledge;
  }

  /** What the snapshot plans with, in words, for when the pinned nixpkgs could not be read ("…; planning with X"). */
  get knowledgeFallback(): string {
    switch (this.knowledgeSource) {
      case 'pin':
        return `the facts last read from it (${nodePath.join(this.options.factsCache ?? '', 'facts')})`;
      case 'index':
        return `the index seam index refresh wrote (${INDEX_PATH})`;
      default:
        return "Seam's bundled knowledge of nixpkgs (versions approximate)";
    }
  }

  get knowledgeSource(): KnowledgeState['source'] {
    return this.knowledgeState.source;
  }

  /** The manifests this snapshot reads, and the files Seam generated that it leaves out. */
  get discovered(): Discovered {
    return this.once('discovered', () =>
      this.options.manifests
        ? { manifests: [...new Set(this.options.manifests)], generated: [], limits: [] }
        : discoverManifests(this.root),
    );
  }

  get model(): ProjectModel {
    return this.once('model', () => readProject(this.discovered.manifests, { env: this.options.env ?? {} }));
  }

  /** The project's pyproject.toml is the team's own (Seam proposes its [tool.uv] lines instead of writing one). */
  get userPyproject(): boolean {
    return ownership(this.file('pyproject.toml')) === 'user';
  }

  get flake(): FlakeState {
    return this.once('flake', () => {
      const text = this.file('flake.nix');
      let lockedRev: string | null = null;
      try {
        const lock = JSON.parse(this.file('flake.lock') ?? 'null') as { nodes?: Record<string, { locked?: { rev?: string } }> } | null;
        lockedRev = lock?.nodes?.nixpkgs?.locked?.rev ?? null;
      } catch {
        /* an unreadable lock pins nothing Seam can show */
      }
      return { text, owner: ownership(text), lockedRev };
    });
  }

  /** flake.nix is Seam's (as written, or edited by hand since). */
  get converted(): boolean {
    const owner = this.flake.owner;
    return owner === 'seam' || owner === 'edited';
  }

  get plan(): Plan {
    return this.once('plan', () =>
      planProject(
        this.model,
        this.userPyproject ? { ...this.config, uvPyproject: nodePath.join(this.root, 'pyproject.toml') } : this.config,
        this.knowledge,
      ),
    );
  }

  /** What `seam convert` would write (with the team's pyproject.toml edited only when asked). */
  conversion(options: { updatePyproject?: boolean; seamVersion?: string } = {}): Conversion {
    const version = options.seamVersion ?? VERSION;
    return this.once(`conversion:${options.updatePyproject === true}:${version}`, () =>
      convertProject({
        root: this.root,
        model: this.model,
        config: this.config,
        userPyproject: this.userPyproject,
        knowledge: this.knowledge,
        seamVersion: version,
        plan: this.plan,
        pin: this.pin ?? undefined,
        generatedPyproject: this.userPyproject ? null : this.file('pyproject.toml'),
        updatePyproject: options.updatePyproject && this.userPyproject ? (this.file('pyproject.toml') ?? undefined) : undefined,
      }),
    );
  }

  /**
   * Why the environment is out of date — flake.nix or Seam's pyproject.toml, as Seam wrote them,
   * are not what the manifests make now — or null. Files edited by hand are not compared.
   */
  get outOfDate(): string | null {
    return this.once('outOfDate', () => {
      const { text, owner } = this.flake;
      if (text === null || owner !== 'seam' || !this.model.manifests.length) return null;
      const version = /^# Generated by Seam (\S+)/.exec(text)?.[1] ?? VERSION;
      let files: Conversion['files'];
      try {
        files = this.conversion({ seamVersion: version }).files;
      } catch {
        return null; // the manifests have errors; those are reported
      }
      for (const f of files.filter((x) => x.mode === 'generated' && (x.path === 'flake.nix' || x.path === 'pyproject.toml'))) {
        const now = this.file(f.path);
        if (now !== null && ownership(now) === 'seam' && unsigned(now) !== f.content) return OUT_OF_DATE;
      }
      return null;
    });
  }

  /**
   * What convert does with lines it could not read: it leaves them out and says so. It refuses
   * (`blocked`) only when nothing at all was read, or when seam.toml — Seam's own settings, whose
   * choices would be silently replaced by defaults — has an error.
   */
  get unreadable(): { errors: Problem[]; blocked: boolean } {
    return this.once('unreadable', () => {
      const settings = this.settings.problems.filter((p) => p.severity === 'error');
      const errors = [...settings, ...this.model.manifests.flatMap((m) => m.problems)].filter((p) => p.severity === 'error');
      const read = this.model.manifests.some((m) => m.requirements.length > 0 || m.python !== undefined);
      return { errors, blocked: settings.length > 0 || (errors.length > 0 && !read) };
    });
  }

  /** seam.toml's and the index's problems, then each manifest's, then the plan's. */
  get problems(): Problem[] {
    return this.once('problems', () => [
      ...this.settings.problems,
      ...this.discovered.limits.map((message) => ({
        path: this.root,
        line: 1,
        column: 1,
        severity: 'warning' as const,
        code: 'project/search-limit',
        message,
      })),
      ...this.model.manifests.flatMap((m) => m.problems),
      ...this.plan.problems,
    ]);
  }

  /**
   * Everything a face reports, in one order: the problems, then the same package declared in
   * several places, then native packages nixpkgs lacks, then an out-of-date environment (on
   * flake.nix). Each with the fix the editor offers.
   */
  get findings(): Finding[] {
    return this.once('findings', () => {
      const out: Finding[] = [];
      for (const p of this.problems) {
        const fix = /invalid-operator$/.test(p.code) ? operatorFix(p.message) : null;
        const split = p.code === 'pip/several-requirements' ? /\(found '([^']+)' after/.exec(p.message) : null;
        if (fix) out.push({ ...p, fix: { kind: 'operator', ...fix } });
        else if (split) out.push({ ...p, fix: { kind: 'split', requirement: split[1] } });
        else if (p.code === 'plan/version-conflict' && p.package) out.push({ ...p, fix: { kind: 'owner', package: p.package } });
        else out.push(p);
      }
      for (const o of this.model.overlaps) {
        for (const r of o.requirements) {
          const { path, line, column, endLine, endColumn } = r.source;
          const conflict = o.kind === 'conflict';
          out.push({
            path,
            line,
            column,
            endLine,
            endColumn,
            severity: conflict ? 'warning' : 'info',
            code: conflict ? 'seam/contradicting-pins' : 'seam/duplicate',
            message: o.message,
          });
        }
      }
      for (const pkg of this.plan.packages) {
        if (pkg.reason !== 'native-not-in-nixpkgs') continue;
        for (const w of pkg.warnings) {
          for (const s of pkg.sources) {
            out.push({
              ...s,
              severity: 'warning',
              code: 'seam/native-not-in-nixpkgs',
              message: w,
              package: pkg.name,
              fix: { kind: 'owner', package: pkg.name },
            });
          }
        }
      }
      const stale = this.outOfDate;
      if (stale)
        out.push({
          path: nodePath.join(this.root, 'flake.nix'),
          line: 1,
          column: 1,
          severity: 'warning',
          code: 'seam/out-of-date',
          message: stale,
          fix: { kind: 'out-of-date' },
        });
      return out;
    });
  }

  /**
   * Where an out-of-date environment shows in a manifest: the lines of requirements that the
   * environment on disk does not have yet (named in what Seam would write, not in flake.nix or
   * Seam's pyproject.toml as they are); else the manifest's first requirement, not a comment line.
   */
  staleLines(path: string): number[] {
    if (!this.outOfDate) return [];
    const manifest = this.model.manifests.find((m) => m.files.includes(path));
    if (!manifest) return [];
    const onDisk = `${this.file('flake.nix') ?? ''}\n${this.file('pyproject.toml') ?? ''}`.toLowerCase();
    const fresh = this.conversion()
      .files.filter((f) => f.path === 'flake.nix' || f.path === 'pyproject.toml')
      .map((f) => f.content.toLowerCase())
      .join('\n');
    const mentions = (text: string, name: string) =>
      new RegExp(`(^|[^a-z0-9_-])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^a-z0-9_-]|$)`, 'm').test(text);
    const own = manifest.requirements.filter((r) => r.source.path === path && r.normalizedName);
    const added = own.filter((r) => {
      const p = this.plan.packages.find((x) => x.name === r.normalizedName);
      const names = [r.normalizedName, ...(p ? Object.values(p.nixAttr).filter((a): a is string => !!a) : [])].map((n) => n.toLowerCase());
      return names.some((n) => mentions(fresh, n)) && !names.some((n) => mentions(onDisk, n));
    });
    const lines = (added.length ? added : own.slice(0, 1)).map((r) => r.source.line);
    return [...new Set(lines)].sort((a, b) => a - b);
  }

  /** `seam check`: uv.lock (and .venv) against the flake's Nix-owned packages and Nix's versions. */
  check(): CheckOutcome {
    const { text: flake } = this.flake;
    if (flake === null || !this.converted)
      return { kind: 'no-flake', message: flake === null ? 'no flake.nix' : 'flake.nix was not generated by Seam' };
    const lockText = this.file('uv.lock');
    if (lockText === null)
      return { kind: 'no-lock', message: 'no uv.lock yet: uv writes it when you first enter the shell (nix develop); nothing to check' };
    const nixVersions = new Map<string, string>();
    for (const p of this.plan.packages)
      if (p.nixVersion && TARGETS.some((t) => p.owner[t] === 'nix')) nixVersions.set(p.name, p.nixVersion);
    const venv = readVenv(this.root);
    if (venv?.nix) for (const [k, v] of venv.nix) nixVersions.set(k, v); // The real Nix environment beats Seam's knowledge.
    const owned = withNixClosure(ownedFromFlake(flake), this.knowledge);
    if (venv?.nix) for (const k of venv.nix.keys()) owned.add(k);
    let lock: ReturnType<typeof parseUvLock>;
    try {
      lock = parseUvLock(lockText);
    } catch (e) {
      const err = e instanceof SeamError ? e : new SeamError(String(e));
      return { kind: 'bad-lock', message: err.message, line: err.line ?? 1, column: err.column ?? 1 };
    }
    const result = checkContract({ lock, owned, nixVersions, venv: venv?.installed, generatedPyproject: !this.userPyproject });
    return {
      kind: 'checked',
      result,
      // For the resolution that compares the uv packages with Nix's versions (core/env/compat.ts).
      compat: { lock, kept: new Set([...owned, ...result.keptOut]), nixVersions, python: this.plan.python.version },
    };
  }
}

export type CheckOutcome =
  | { kind: 'checked'; result: ContractResult; compat: CompatInput }
  | { kind: 'no-flake'; message: string }
  | { kind: 'no-lock'; message: string }
  | { kind: 'bad-lock'; message: string; line: number; column: number };

/** The snapshot of the project at `root`: nothing is read until asked for. */
export function openProject(root: string, options: OpenOptions = {}): ProjectSnapshot {
  return new ProjectSnapshot(nodePath.resolve(root), options);
}

/** The project a file belongs to: the nearest folder up with seam.toml or flake.nix, else the workspace root it is in, else its own folder. */
export function projectRootOf(path: string, roots: string[] = []): string {
  const dir = nodePath.dirname(path);
  const top = roots.filter((r) => dir === r || dir.startsWith(`${r}${nodePath.sep}`)).sort((a, b) => b.length - a.length)[0];
  for (let d = dir; ; d = nodePath.dirname(d)) {
    if (fs.existsSync(nodePath.join(d, SEAM_TOML)) || fs.existsSync(nodePath.join(d, 'flake.nix'))) return d;
    if (d === top || nodePath.dirname(d) === d) break;
  }
  return top ?? dir;
}

/**
 * What each shell of this project would download and build on this machine's system (Nix's dry
 * run against the binary caches it is configured with, and the flake's), for the flake Seam would
 * write: the flake (and flake.lock, when there is one) in a stage folder, asked as `path:`.
 * Nothing is built. Runs nix: only where the caller may run processes (a trusted workspace).
 */
export async function shellCaches(
  project: ProjectSnapshot,
  options: { nix?: string; env?: NodeJS.ProcessEnv; seamVersion?: string; signal?: AbortSignal } = {},
): Promise<Partial<Record<Target, CacheReport>>> {
  const system = nixSystem();
  // The shells the flake declares: seam.toml's targets (a cpu-only project has no cuda shell to ask about).
  const targets = project.plan.targets.filter((t) => project.config.targets.includes(t) && (t === 'cpu' || system.endsWith('-linux')));
  const dir = fs.mkdtempSync(nodePath.join(project.root, `${STAGE_PREFIX}cache-`));
  try {
    const flake = project.conversion({ seamVersion: options.seamVersion }).files.find((f) => f.path === 'flake.nix')?.content ?? '';
    fs.writeFileSync(nodePath.join(dir, 'flake.nix'), flake);
    const lock = nodePath.join(project.root, 'flake.lock');
    if (fs.existsSync(lock)) fs.copyFileSync(lock, nodePath.join(dir, 'flake.lock'));
    else if (project.pin) fs.writeFileSync(nodePath.join(dir, 'flake.lock'), project.pin.lock);
    const out: Partial<Record<Target, CacheReport>> = {};
    for (const t of targets)
      out[t] = await cacheReport(`path:${dir}#devShells.${system}.${t}`, {
        nix: options.nix,
        env: options.env,
        cwd: dir,
        signal: options.signal,
      });
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
