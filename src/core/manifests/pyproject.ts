/**
 * pyproject.toml: PEP 621 [project], PEP 735 [dependency-groups], [build-system], and the
 * tool tables ML projects use: poetry, pdm, uv, hatch, setuptools' dynamic dependencies.
 */
import * as nodePath from 'node:path';
import { errorMessage, SeamError } from '../errors';
import { emptyManifest, type Manifest, type Requirement, type Scope, type SourceLocation } from '../model/manifest';
import { normalizeName } from '../model/names';
import { addPep508, problem, readForManifest } from './common';
import { poetryToPep440, pythonConstraintToMarker } from './poetry';
import { readRequirementsFile } from './requirements';
import { isTable, type LocatedToml, parseLocatedToml } from './toml';

type Path = (string | number)[];

export function readPyproject(path: string): Manifest {
  const m = emptyManifest(path, 'pyproject');
  const text = readForManifest(m);
  if (text !== null) parsePyprojectText(m, text);
  return m;
}

export function parsePyprojectText(m: Manifest, text: string): void {
  let toml: LocatedToml;
  try {
    toml = parseLocatedToml(text);
  } catch (e) {
    if (!(e instanceof SeamError)) throw e;
    problem(m, { line: e.line ?? 1, column: e.column ?? 1 }, 'error', 'toml/syntax', e.message);
    return;
  }
  const r = new Reader(m, toml);
  r.project();
  r.dependencyGroups();
  r.buildSystem();
  const tool = toml.value.tool;
  if (isTable(tool)) {
    if (isTable(tool.poetry)) r.poetry(tool.poetry);
    if (isTable(tool.pdm)) r.pdm(tool.pdm);
    if (isTable(tool.uv)) r.uv(tool.uv);
    if (isTable(tool.hatch)) r.hatch(tool.hatch);
    if (isTable(tool.setuptools)) r.setuptoolsDynamic(tool.setuptools);
  }
  r.applySources();
}

class Reader {
  private readonly uvSources = new Map<string, Record<string, string>>();
  constructor(
    readonly m: Manifest,
    readonly toml: LocatedToml,
  ) {}

  loc(path: Path, quoted = true): SourceLocation {
    const p = this.toml.locate(path);
    return {
      path: this.m.path,
      line: p.line,
      column: p.column + (quoted ? 1 : 0),
      endLine: p.endLine,
      endColumn: p.endColumn - (quoted ? 1 : 0),
    };
  }

  warn(path: Path, code: string, message: string, severity: 'error' | 'warning' | 'info' = 'warning'): void {
    problem(this.m, this.loc(path, false), severity, code, message);
  }

  /** An array of PEP 508 strings at `path`. */
  strings(value: unknown, path: Path, scope: Scope, allowTables = false): void {
    if (value === undefined) return;
    if (!Array.isArray(value)) {
      this.warn(path, 'pyproject/not-a-list', `${path.join('.')} must be a list of requirement strings`, 'error');
      return;
    }
    value.forEach((item, i) => {
      if (typeof item === 'string') addPep508(this.m, item, scope, this.loc([...path, i]));
      else if (!(allowTables && isTable(item)))
        this.warn([...path, i], 'pyproject/not-a-string', 'each requirement must be a string such as "numpy>=1.26"', 'error');
    });
  }

  project(): void {
    const project = this.toml.value.project;
    if (project === undefined) return;
    if (!isTable(project)) return this.warn(['project'], 'pyproject/project', '[project] must be a table', 'error');
    if (typeof project.name === 'string') this.m.name = project.name;
    const rp = project['requires-python'];
    if (typeof rp === 'string') this.python(rp, ['project', 'requires-python']);
    if (Array.isArray(project.dynamic)) this.m.extra.dynamic = project.dynamic;
    if (project.version === undefined && !(Array.isArray(project.dynamic) && project.dynamic.includes('version')))
      this.warn(
        ['project'],
        'pyproject/no-version',
        '[project] has no version and \'version\' is not in dynamic: uv (and pip) refuse such a project; add version = "0.1.0"',
      );
    this.strings(project.dependencies, ['project', 'dependencies'], { kind: 'main' });
    const optional = project['optional-dependencies'];
    if (optional !== undefined && !isTable(optional))
      this.warn(['project', 'optional-dependencies'], 'pyproject/optional', 'optional-dependencies must be a table of lists', 'error');
    if (isTable(optional)) {
      for (const [extra, reqs] of Object.entries(optional))
        this.strings(reqs, ['project', 'optional-dependencies', extra], { kind: 'extra', name: normalizeName(extra) });
      this.selfExtras(Object.keys(optional));
    }
  }

  private python(spec: string, path: Path): void {
    try {
      addPep508(
        { ...this.m, requirements: [], problems: this.m.problems },
        `python${spec}`,
        { kind: 'main' },
        { ...this.loc(path), column: this.loc(path).column - 6 },
      );
    } catch {
      // Reported by addPep508.
    }
    this.m.python = { specifier: spec.replace(/\s+/g, ''), source: this.loc(path) };
  }

  /** Extras that name the project itself (`proj[gpu]` inside `all`) are includes, not packages. */
  private selfExtras(declared: string[]): void {
    if (!this.m.name) return;
    const self = normalizeName(this.m.name);
    const known = new Set(declared.map(normalizeName));
    const includes: Record<string, string[]> = {};
    this.m.requirements = this.m.requirements.filter((r) => {
      if (r.normalizedName !== self || r.scope.kind !== 'extra') return true;
      (includes[r.scope.name] ??= []).push(...r.extras.map(normalizeName));
      for (const x of r.extras)
        if (!known.has(normalizeName(x)))
          problem(this.m, r.source, 'error', 'pyproject/unknown-extra', `extra '${x}' is not defined in [project.optional-dependencies]`);
      return false;
    });
    if (Object.keys(includes).length) this.m.extra.extraIncludes = includes;
  }

  dependencyGroups(): void {
    const groups = this.toml.value['dependency-groups'];
    if (groups === undefined) return;
    if (!isTable(groups))
      return this.warn(['dependency-groups'], 'pyproject/groups', '[dependency-groups] must be a table of lists', 'error');
    const names = new Map(Object.keys(groups).map((g) => [normalizeName(g), g]));
    const includes: Record<string, string[]> = {};
    for (const [group, items] of Object.entries(groups)) {
      const path = ['dependency-groups', group];
      this.strings(items, path, { kind: 'group', name: normalizeName(group) }, true);
      if (!Array.isArray(items)) continue;
      for (const [i, item] of items.entries()) {
        if (!isTable(item)) continue;
        const inc = item['include-group'];
        if (typeof inc !== 'string' || Object.keys(item).length !== 1) {
          this.warn(
            [...path, i],
            'pyproject/group-entry',
            'a table in a dependency group must be exactly { include-group = "name" }',
            'error',
          );
          continue;
        }
        if (!names.has(normalizeName(inc))) {
          this.warn([...path, i], 'pyproject/unknown-group', `include-group '${inc}' names no group in [dependency-groups]`, 'error');
          continue;
        }
        (includes[normalizeName(group)] ??= []).push(normalizeName(inc));
      }
    }
    // PEP 735: cycles are an error.
    const visiting = new Set<string>();
    const done = new Set<string>();
    const walk = (g: string, trail: string[]): void => {
      if (done.has(g)) return;
      if (visiting.has(g)) {
        const original = names.get(trail[0]) ?? trail[0];
        this.warn(['dependency-groups', original], 'pyproject/group-cycle', `include-group cycle: ${[...trail, g].join(' → ')}`, 'error');
        return;
      }
      visiting.add(g);
      for (const next of includes[g] ?? []) walk(next, [...trail, g]);
      visiting.delete(g);
      done.add(g);
    };
    for (const g of Object.keys(includes)) walk(g, []);
    if (Object.keys(includes).length) this.m.extra.groupIncludes = includes;
  }

  buildSystem(): void {
    const bs = this.toml.value['build-system'];
    if (isTable(bs)) this.strings(bs.requires, ['build-system', 'requires'], { kind: 'build' });
  }

  poetry(poetry: Record<string, unknown>): void {
    if (!this.m.name && typeof poetry.name === 'string') this.m.name = poetry.name;
    const extrasOf = new Map<string, string[]>();
    if (isTable(poetry.extras)) {
      for (const [extra, pkgs] of Object.entries(poetry.extras)) {
        if (Array.isArray(pkgs))
          for (const p of pkgs)
            if (typeof p === 'string') extrasOf.set(normalizeName(p), [...(extrasOf.get(normalizeName(p)) ?? []), normalizeName(extra)]);
      }
    }
    this.poetryDeps(poetry.dependencies, ['tool', 'poetry', 'dependencies'], { kind: 'main' }, extrasOf);
    this.poetryDeps(poetry['dev-dependencies'], ['tool', 'poetry', 'dev-dependencies'], { kind: 'group', name: 'dev' }, extrasOf);
    if (isTable(poetry.group)) {
      for (const [group, body] of Object.entries(poetry.group)) {
        if (isTable(body))
          this.poetryDeps(
            body.dependencies,
            ['tool', 'poetry', 'group', group, 'dependencies'],
            { kind: 'group', name: normalizeName(group) },
            extrasOf,
          );
      }
    }
    this.sourceTables(poetry.source, ['tool', 'poetry', 'source']);
  }

  private poetryDeps(deps: unknown, path: Path, scope: Scope, extrasOf: Map<string, string[]>): void {
    if (deps === undefined) return;
    if (!isTable(deps)) return this.warn(path, 'poetry/not-a-table', `${path.join('.')} must be a table`, 'error');
    for (const [name, spec] of Object.entries(deps)) {
      const p = [...path, name];
      if (normalizeName(name) === 'python') {
        if (typeof spec === 'string') {
          try {
            const converted = poetryToPep440(spec);
            if (converted !== null) this.m.python ??= { specifier: converted, source: this.loc(p) };
          } catch (e) {
            this.warn(p, 'poetry/bad-python', `python: ${errorMessage(e)}`, 'error');
          }
        }
        continue;
      }
      const entries: [unknown, Path][] = Array.isArray(spec) ? spec.map((s, i) => [s, [...p, i]]) : [[spec, p]];
      for (const [one, where] of entries) this.poetryDep(name, one, where, scope, extrasOf);
    }
  }

  private poetryDep(name: string, spec: unknown, path: Path, scope: Scope, extrasOf: Map<string, string[]>): void {
    const table: Record<string, unknown> = typeof spec === 'string' ? { version: spec } : isTable(spec) ? spec : {};
    if (!isTable(spec) && typeof spec !== 'string')
      return this.warn(path, 'poetry/bad-dependency', `'${name}' must be a version string or a table`, 'error');
    let specifier = '';
    if (typeof table.version === 'string') {
      try {
        const converted = poetryToPep440(table.version);
        if (converted === null)
          this.warn(
            path,
            'poetry/or-constraint',
            `'${table.version}' uses '||', which PEP 440 cannot express; Seam keeps no version bound for ${name}`,
            'info',
          );
        specifier = converted ?? '';
      } catch (e) {
        return this.warn(path, 'poetry/bad-version', errorMessage(e), 'error');
      }
    }
    const markers: string[] = [];
    if (typeof table.markers === 'string') markers.push(table.markers);
    if (typeof table.python === 'string') {
      try {
        const pm = pythonConstraintToMarker(table.python);
        if (pm) markers.push(pm);
      } catch (e) {
        return this.warn([...path, 'python'], 'poetry/bad-python', `python: ${errorMessage(e)}`, 'error');
      }
    }
    const extras = Array.isArray(table.extras) ? table.extras.filter((x): x is string => typeof x === 'string') : [];
    let url: string | null = null;
    let reference: Requirement['reference'];
    const hint: Record<string, string> = {};
    for (const k of ['git', 'branch', 'tag', 'rev', 'url', 'path', 'source', 'subdirectory'])
      if (typeof table[k] === 'string') hint[k] = table[k] as string;
    if (typeof table.git === 'string') {
      const rev = (table.rev ?? table.tag ?? table.branch) as string | undefined;
      url = `git+${table.git}${rev ? `@${rev}` : ''}`;
      reference = {
        type: 'vcs',
        vcs: 'git',
        ...(rev ? { revision: rev } : {}),
        ...(typeof table.subdirectory === 'string' ? { subdirectory: table.subdirectory } : {}),
      };
    } else if (typeof table.url === 'string') {
      url = table.url;
      reference = { type: 'url' };
    } else if (typeof table.path === 'string') {
      url = table.path;
      reference = { type: 'path' };
    }
    const extraScopes = table.optional === true ? (extrasOf.get(normalizeName(name)) ?? []) : [];
    if (table.optional === true && extraScopes.length === 0)
      this.warn(
        path,
        'poetry/optional-unused',
        `'${name}' is optional but no [tool.poetry.extras] entry lists it, so nothing installs it`,
        'info',
      );
    const marker = markers.length ? markers.map((x) => (markers.length > 1 ? `(${x})` : x)).join(' and ') : '';
    const text = `${name}${extras.length ? `[${extras.join(',')}]` : ''}${url ? ` @ ${url}` : specifier}${marker ? ` ; ${marker}` : ''}`;
    const scopes: Scope[] = extraScopes.length ? extraScopes.map((e) => ({ kind: 'extra', name: e })) : [scope];
    for (const s of scopes) {
      const req = addPep508(
        this.m,
        url && reference?.type === 'path' ? `${name}${marker ? ` ; ${marker}` : ''}` : text,
        s,
        this.loc(path, typeof spec === 'string'),
        {
          ...(Object.keys(hint).length ? { sourceHint: hint } : {}),
          ...(reference ? { reference } : {}),
          editable: table.develop === true,
        },
      );
      if (req && url) req.url = url;
    }
  }

  private sourceTables(sources: unknown, path: Path): void {
    if (sources === undefined) return;
    if (!Array.isArray(sources)) return this.warn(path, 'pyproject/sources', `${path.join('.')} must be an array of tables`, 'error');
    for (const [i, s] of sources.entries()) {
      if (!isTable(s) || typeof s.url !== 'string') {
        if (!(isTable(s) && s.priority === 'pypi')) this.warn([...path, i], 'pyproject/source-url', 'each source needs a url', 'warning');
        continue;
      }
      this.m.indexes.push({
        url: s.url,
        kind: 'source',
        ...(typeof s.name === 'string' ? { name: s.name } : {}),
        ...(s.default === true || s.priority === 'primary' || s.priority === 'default' ? { default: true } : {}),
        ...(s.explicit === true || s.priority === 'explicit' ? { explicit: true } : {}),
        source: this.loc([...path, i], false),
      });
    }
  }

  pdm(pdm: Record<string, unknown>): void {
    const dev = pdm['dev-dependencies'];
    if (isTable(dev))
      for (const [g, reqs] of Object.entries(dev))
        this.strings(reqs, ['tool', 'pdm', 'dev-dependencies', g], { kind: 'group', name: normalizeName(g) });
    this.sourceTables(pdm.source, ['tool', 'pdm', 'source']);
  }

  uv(uv: Record<string, unknown>): void {
    this.strings(uv['dev-dependencies'], ['tool', 'uv', 'dev-dependencies'], { kind: 'group', name: 'dev' });
    this.strings(uv['constraint-dependencies'], ['tool', 'uv', 'constraint-dependencies'], { kind: 'constraint' });
    if (Array.isArray(uv['override-dependencies'])) this.m.extra.uvOverrides = uv['override-dependencies'];
    if (Array.isArray(uv.environments) || typeof uv.environments === 'string') this.m.extra.uvEnvironments = uv.environments;
    if (Array.isArray(uv['required-environments'])) this.m.extra.uvRequiredEnvironments = uv['required-environments'];
    this.sourceTables(uv.index, ['tool', 'uv', 'index']);
    if (isTable(uv.sources)) {
      for (const [name, src] of Object.entries(uv.sources)) {
        const first = Array.isArray(src) ? src[0] : src;
        if (!isTable(first)) {
          this.warn(['tool', 'uv', 'sources', name], 'uv/source', `the source of '${name}' must be a table such as { git = "…" }`, 'error');
          continue;
        }
        this.uvSources.set(
          normalizeName(name),
          Object.fromEntries(
            Object.entries(first)
              .filter(([, v]) => typeof v === 'string' || typeof v === 'boolean')
              .map(([k, v]) => [k, String(v)]),
          ),
        );
      }
    }
  }

  hatch(hatch: Record<string, unknown>): void {
    if (!isTable(hatch.envs)) return;
    for (const [env, body] of Object.entries(hatch.envs)) {
      if (!isTable(body)) continue;
      for (const key of ['dependencies', 'extra-dependencies'])
        this.strings(body[key], ['tool', 'hatch', 'envs', env, key], { kind: 'group', name: `hatch-${normalizeName(env)}` });
    }
  }

  /** setuptools `dynamic = { dependencies = { file = [...] } }`: those files are requirements files. */
  setuptoolsDynamic(st: Record<string, unknown>): void {
    const dyn = st.dynamic;
    if (!isTable(dyn)) return;
    const dynamic = new Set(Array.isArray(this.m.extra.dynamic) ? (this.m.extra.dynamic as string[]) : []);
    const follow = (spec: unknown, path: Path, scope: Scope) => {
      if (!isTable(spec)) return;
      const files = typeof spec.file === 'string' ? [spec.file] : Array.isArray(spec.file) ? spec.file : [];
      for (const f of files) {
        if (typeof f !== 'string') continue;
        const sub = readRequirementsFile(nodePath.resolve(nodePath.dirname(this.m.path), f));
        for (const r of sub.requirements) this.m.requirements.push({ ...r, scope: r.scope.kind === 'constraint' ? r.scope : scope });
        this.m.problems.push(...sub.problems);
        this.m.indexes.push(...sub.indexes);
        this.m.files.push(...sub.files);
        if (sub.files.length === 0)
          this.warn(path, 'setuptools/dynamic-file', `dynamic dependencies file '${f}' could not be read`, 'error');
      }
    };
    if (dynamic.has('dependencies')) follow(dyn.dependencies, ['tool', 'setuptools', 'dynamic', 'dependencies'], { kind: 'main' });
    if (dynamic.has('optional-dependencies') && isTable(dyn['optional-dependencies'])) {
      for (const [extra, spec] of Object.entries(dyn['optional-dependencies']))
        follow(spec, ['tool', 'setuptools', 'dynamic', 'optional-dependencies', extra], { kind: 'extra', name: normalizeName(extra) });
    }
  }

  applySources(): void {
    const dynamic = Array.isArray(this.m.extra.dynamic) ? (this.m.extra.dynamic as string[]) : [];
    const st =
      isTable(this.toml.value.tool) && isTable((this.toml.value.tool as Record<string, unknown>).setuptools)
        ? ((this.toml.value.tool as Record<string, unknown>).setuptools as Record<string, unknown>).dynamic
        : undefined;
    if (dynamic.includes('dependencies') && !(isTable(st) && isTable(st.dependencies))) {
      this.warn(
        ['project', 'dynamic'],
        'pyproject/dynamic-dependencies',
        'dependencies are dynamic: the build backend computes them, and Seam does not run it; list them in [project] or in a file named by [tool.setuptools.dynamic]',
        'warning',
      );
    }
    for (const r of this.m.requirements) {
      const src = this.uvSources.get(r.normalizedName);
      if (!src) continue;
      r.sourceHint = { ...(r.sourceHint ?? {}), ...src };
      if (src.git) {
        r.url = `git+${src.git}${(src.rev ?? src.tag ?? src.branch) ? `@${src.rev ?? src.tag ?? src.branch}` : ''}`;
        r.reference = { type: 'vcs', vcs: 'git' };
      } else if (src.url) {
        r.url = src.url;
        r.reference = { type: 'url' };
      } else if (src.path) {
        r.url = src.path;
        r.reference = { type: 'path' };
        r.editable = src.editable === 'true';
      }
    }
  }
}
