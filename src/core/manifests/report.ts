/** Plain-data views of the model: the JSON `seam inspect --json` prints, and a text summary. */
import * as nodePath from 'node:path';
import type { Problem } from '../errors';
import type { Manifest, Requirement, SourceLocation } from '../model/manifest';
import type { ProjectModel } from './index';

export interface InspectJson {
  manifests: {
    path: string;
    kind: string;
    name: string | null;
    python: string | null;
    channels: string[];
    indexes: { url: string; kind: string; name?: string }[];
    /** A requirement as the model has it, its scope as one label (`main`, `extra:gpu`, `group:dev`). */
    requirements: (Pick<
      Requirement,
      'name' | 'normalizedName' | 'specifier' | 'extras' | 'marker' | 'url' | 'editable' | 'hashes' | 'conda' | 'source'
    > & { ecosystem: string; scope: string })[];
    problems: Problem[];
    files: string[];
  }[];
  overlaps: { name: string; kind: string; message: string; locations: SourceLocation[] }[];
}

export function scopeLabel(r: Requirement): string {
  const s = r.scope;
  return s.kind === 'extra' || s.kind === 'group' ? `${s.kind}:${s.name}` : s.kind;
}

export function toInspectJson(model: ProjectModel, rel: (p: string) => string = (p) => p): InspectJson {
  const src = (l: SourceLocation): SourceLocation => ({ ...l, path: rel(l.path) });
  return {
    manifests: model.manifests.map((m) => ({
      path: rel(m.path),
      kind: m.kind,
      name: m.name ?? null,
      python: m.python?.specifier ?? null,
      channels: m.channels,
      indexes: m.indexes.map((i) => ({ url: i.url, kind: i.kind, ...(i.name ? { name: i.name } : {}) })),
      requirements: m.requirements.map((r) => ({
        name: r.name,
        normalizedName: r.normalizedName,
        specifier: r.specifier,
        extras: r.extras,
        marker: r.marker,
        url: r.url,
        editable: r.editable,
        hashes: r.hashes,
        ecosystem: r.ecosystem,
        scope: scopeLabel(r),
        ...(r.conda ? { conda: r.conda } : {}),
        source: src(r.source),
      })),
      problems: m.problems.map((p) => ({ ...p, path: rel(p.path) })),
      files: m.files.map(rel),
    })),
    overlaps: model.overlaps.map((o) => ({
      name: o.normalizedName,
      kind: o.kind,
      message: o.message,
      locations: o.requirements.map((r) => src(r.source)),
    })),
  };
}

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

export const plainStyle: Style = { bold: (s) => s, dim: (s) => s, red: (s) => s, yellow: (s) => s, cyan: (s) => s };

/** A summary a person reads in seconds: per manifest, its requirements, then every problem. */
export function formatSummary(model: ProjectModel, rel: (p: string) => string, style: Style = plainStyle): string {
  const out: string[] = [];
  if (!model.manifests.length)
    return 'No manifests found (Seam reads requirements*.txt, environment*.yml, pyproject.toml, Pipfile, setup.cfg and setup.py).\n';
  for (const m of model.manifests) {
    out.push(`${style.bold(rel(m.path))}  ${style.dim(describe(m))}`);
    const rows = m.requirements.map((r) => [
      r.ecosystem === 'conda' ? 'conda' : 'pip',
      r.name ? `${r.name}${r.extras.length ? `[${r.extras.join(',')}]` : ''}` : style.dim('(unnamed)'),
      [r.specifier || r.conda?.version || '', r.url ? `@ ${r.url}` : '', r.conda?.build ? `build ${r.conda.build}` : '']
        .filter(Boolean)
        .join(' ') || style.dim('any'),
      [
        scopeLabel(r) === 'main' ? '' : scopeLabel(r),
        r.marker ? `; ${r.marker}` : '',
        r.editable ? 'editable' : '',
        r.hashes.length ? `${r.hashes.length} hash${r.hashes.length > 1 ? 'es' : ''}` : '',
        r.source.path !== m.path ? `from ${rel(r.source.path)}:${r.source.line}` : '',
      ]
        .filter(Boolean)
        .join('  '),
    ]);
    const widths = [0, 1, 2].map((c) => Math.min(40, Math.max(0, ...rows.map((r) => visible(r[c]).length))));
    for (const r of rows)
      out.push(`  ${pad(r[0], widths[0])}  ${pad(r[1], widths[1])}  ${pad(r[2], widths[2])}  ${style.dim(r[3])}`.trimEnd());
    out.push('');
  }
  const problems = model.manifests.flatMap((m) => m.problems);
  if (model.overlaps.length) {
    out.push(style.bold('Declared in several places'));
    for (const o of model.overlaps) out.push(`  ${o.kind === 'conflict' ? style.red('conflict ') : style.dim('duplicate')}  ${o.message}`);
    out.push('');
  }
  if (problems.length) {
    out.push(style.bold('Problems'));
    for (const p of problems) {
      const sev = p.severity === 'error' ? style.red('error') : p.severity === 'warning' ? style.yellow('warning') : style.cyan('info');
      out.push(`  ${rel(p.path)}:${p.line}:${p.column}  ${sev}  ${p.message}`);
    }
    out.push('');
  }
  const reqs = model.manifests.reduce((n, m) => n + m.requirements.length, 0);
  const errors = problems.filter((p) => p.severity === 'error').length;
  out.push(
    `${model.manifests.length} manifest${model.manifests.length === 1 ? '' : 's'}, ${reqs} requirement${reqs === 1 ? '' : 's'}, ${errors} error${errors === 1 ? '' : 's'}, ${problems.length - errors} other problem${problems.length - errors === 1 ? '' : 's'}`,
  );
  return `${out.join('\n')}\n`;
}

function describe(m: Manifest): string {
  const parts: string[] = [m.kind];
  if (m.name) parts.push(m.name);
  if (m.python) parts.push(`python ${m.python.specifier || 'any'}`);
  const conda = m.requirements.filter((r) => r.ecosystem === 'conda').length;
  const pip = m.requirements.length - conda;
  parts.push(conda ? `${conda} conda + ${pip} pip` : `${pip} requirement${pip === 1 ? '' : 's'}`);
  if (m.channels.length) parts.push(`channels ${m.channels.join(', ')}`);
  const idx = m.indexes.filter((i) => i.kind !== 'conda-channel');
  if (idx.length) parts.push(`${idx.length} index${idx.length > 1 ? 'es' : ''}`);
  if (m.files.length > 1)
    parts.push(
      `includes ${m.files
        .slice(1)
        .map((f) => nodePath.basename(f))
        .join(', ')}`,
    );
  return parts.join(' · ');
}

function visible(s: string): string {
  // biome-ignore lint: ANSI escapes are stripped to measure width.
  return s.replace(/\u001b\[[0-9;]*m/g, '');
}

function pad(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - visible(s).length));
}
