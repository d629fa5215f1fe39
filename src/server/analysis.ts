/**
 * What the language server says about one file, from the project's snapshot (no editor, no LSP
 * transport): the snapshot's findings at exact ranges, hover text for a requirement, and the
 * seam.toml edits behind the fixes. The snapshot is opened with the editor's unsaved texts laid
 * over the files, so a change in requirements-base.txt shows up in the environment.yml that
 * includes it — and the server says what `seam plan` and the extension say.
 */

import * as nodePath from 'node:path';
import { setOwnerOverride } from '../core/config/edit';
import { DEFAULT_SEAM_CONFIG, SEAM_TOML, writeSeamToml } from '../core/config/seamToml';
import { seamCacheDir } from '../core/env/driver';
import { peekText } from '../core/manifests/text';
import type { Requirement } from '../core/model/manifest';
import { type Plan, type PlannedPackage, TARGETS } from '../core/plan/types';
import { type Finding, type FindingFix, openProject, type ProjectSnapshot, projectRootOf } from '../core/project';
import { maskCredentials } from '../core/text/secrets';

/** 0-based, as LSP counts. */
export interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export interface SeamDiagnostic {
  range: Range;
  severity: 1 | 2 | 3 | 4;
  code: string;
  message: string;
  source: 'seam';
  /** For code actions: what the fix needs. */
  data?: FindingFix;
}

export interface Analysis {
  project: ProjectSnapshot;
  diagnostics: SeamDiagnostic[];
}

export type Texts = (path: string) => string | undefined;

const SEVERITY: Record<Finding['severity'], 1 | 2 | 3> = { error: 1, warning: 2, info: 3 };

const same = (a: string, b: string) => nodePath.resolve(a) === nodePath.resolve(b);

/** Line `n` (1-based) of the file as the editor has it, from lines split once. */
function linesOf(texts: Texts, path: string): (n: number) => string {
  const lines = (texts(path) ?? peekText(path) ?? '').split('\n');
  return (n) => (lines[n - 1] ?? '').replace(/\r$/, '');
}

function rangeOf(p: { line: number; column: number; endLine?: number; endColumn?: number }, line: string): Range {
  const start = { line: p.line - 1, character: Math.max(0, p.column - 1) };
  if (p.endLine && p.endColumn && (p.endLine > p.line || p.endColumn > p.column))
    return { start, end: { line: p.endLine - 1, character: p.endColumn - 1 } };
  // No end: to the end of the word at the start, or of the line.
  const rest = line.slice(start.character);
  const word = /^\S+/.exec(rest)?.[0].length ?? 0;
  return { start, end: { line: start.line, character: start.character + (word || Math.max(1, rest.length)) } };
}

/**
 * The snapshot's findings for `path` as diagnostics; the project-wide one (out of date) on each
 * requirement of this manifest the environment lacks, else on its first requirement.
 */
export function diagnosticsFor(project: ProjectSnapshot, path: string, texts: Texts): SeamDiagnostic[] {
  const out: SeamDiagnostic[] = [];
  const manifestFile = project.model.manifests.flatMap((m) => m.files).find((f) => same(f, path));
  const line = linesOf(texts, path);
  const wholeLine = (at: number): SeamDiagnostic['range'] => ({
    start: { line: at - 1, character: 0 },
    end: { line: at - 1, character: line(at).length || 1 },
  });
  const staleAt = manifestFile ? project.staleLines(manifestFile) : [];
  for (const f of project.findings) {
    const projectWide = f.code === 'seam/out-of-date' && manifestFile !== undefined;
    if (!same(f.path, path) && !projectWide) continue;
    const r = rangeOf(f, line(f.line));
    const fix = f.fix;
    const ranges = projectWide
      ? (staleAt.length ? staleAt : [1]).map(wholeLine)
      : fix?.kind === 'operator'
        ? [{ start: r.start, end: { line: r.start.line, character: r.start.character + fix.replace.length } }] // just the operator
        : [r];
    for (const range of ranges)
      out.push({
        range,
        severity: SEVERITY[f.severity],
        code: f.code,
        message: maskCredentials(f.message),
        source: 'seam',
        ...(f.fix ? { data: f.fix } : {}),
      });
  }
  return out;
}

/** Everything the server says about `path`, in the project it belongs to. Never throws for bad input: a broken file is diagnostics. */
export function analyze(path: string, texts: Texts, roots: string[], project?: ProjectSnapshot): Analysis {
  const p = project ?? openProject(projectRootOf(path, roots), { texts, factsCache: seamCacheDir(process.env) });
  return { project: p, diagnostics: diagnosticsFor(p, path, texts) };
}

/** The requirement under the cursor and Seam's decision for it. */
export function hover(a: Analysis, path: string, line: number, character: number): string | null {
  const reqs = a.project.model.manifests
    .flatMap((m) => m.requirements)
    .filter((r) => same(r.source.path, path) && r.source.line - 1 === line);
  const r =
    reqs.find(
      (x) =>
        character >= x.source.column - 1 &&
        (x.source.endLine !== x.source.line || !x.source.endColumn || character <= x.source.endColumn - 1),
    ) ?? reqs[0];
  if (!r) return null;
  const p = a.project.plan.packages.find((x) =>
    x.sources.some((s) => s.path === r.source.path && s.line === r.source.line && s.column === r.source.column),
  );
  if (!p) return null;
  return maskCredentials(hoverText(p, a.project.root, r, a.project.plan.nixpkgs));
}

const OWNER: Record<string, string> = { nix: 'Nix', uv: 'uv', system: 'Nix (system package)', skip: 'nobody' };

export function hoverText(p: PlannedPackage, root: string, r: Requirement, nixpkgs?: Plan['nixpkgs']): string {
  const owners =
    p.owner.cpu === p.owner.cuda
      ? `**${OWNER[p.owner.cpu]}** on cpu and cuda`
      : TARGETS.map((t) => `**${OWNER[p.owner[t]]}** on ${t}`).join(', ');
  const lines = [`**${p.name}** → ${owners}`, '', p.explanation.replace(/^[^→]*→\s*/, ''), ''];
  const attr = p.nixAttr.cuda ?? p.nixAttr.cpu;
  if (attr)
    lines.push(
      `- nixpkgs: \`${attr}\`${p.nixVersion ? ` ${p.nixVersion}` : ''}${nixpkgs ? (nixpkgs.approximate ? " (approximate: Seam's bundled knowledge, not the pinned nixpkgs)" : ` (${nixpkgs.describes})`) : ''}`,
    );
  lines.push(`- requested: \`${p.requested || 'any version'}\``);
  const status = {
    satisfied: 'satisfied by Nix',
    conflict: `conflict — ${p.conflict?.applied ?? ''}`,
    unpinned: 'no pin',
    unknown: "Nix's version is not known",
    'resolved-by-uv': 'uv resolves it',
  }[p.status];
  lines.push(`- status: ${status}`);
  const others = p.sources.filter((s) => !(s.path === r.source.path && s.line === r.source.line));
  if (others.length)
    lines.push(`- also declared in: ${others.map((s) => `${nodePath.relative(root, s.path) || s.path}:${s.line}`).join(', ')}`);
  for (const w of p.warnings) lines.push(`- ⚠ ${w}`);
  return lines.join('\n');
}

/** seam.toml's new text with `package`'s owner set (creating seam.toml when there is none). */
export function ownerEdit(project: ProjectSnapshot, pkg: string, owner: 'nix' | 'uv'): { path: string; create: boolean; text: string } {
  const { path, text } = project.settings;
  if (text === null)
    return {
      path,
      create: true,
      text: writeSeamToml(
        { ...DEFAULT_SEAM_CONFIG, overrides: { [pkg]: { owner } } },
        { python: project.plan.python, cuda: project.plan.cuda },
      ),
    };
  return { path: nodePath.join(project.root, SEAM_TOML), create: false, text: setOwnerOverride(text, pkg, owner) };
}
