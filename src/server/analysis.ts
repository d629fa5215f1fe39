/**
 * What the language server knows about one manifest, computed from the core (no editor, no LSP
 * transport): diagnostics with exact ranges, hover text for a requirement, and the fixes. The
 * whole project is read with the editor's unsaved texts standing in for the files, so a change in
 * requirements-base.txt shows up in the environment.yml that includes it.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { setOwnerOverride } from '../core/config/edit';
import { DEFAULT_SEAM_CONFIG, readSeamToml, SEAM_TOML, type SeamConfig, writeSeamToml } from '../core/config/seamToml';
import type { Problem } from '../core/errors';
import { convertProject, projectManifests } from '../core/generate/convert';
import { ownership } from '../core/generate/write';
import { defaultKnowledge } from '../core/knowledge/index';
import { kindOf, type ProjectModel, readProject } from '../core/manifests/index';
import { withOverlay } from '../core/manifests/text';
import type { Requirement } from '../core/model/manifest';
import { planProject } from '../core/plan/planner';
import { type Plan, type PlannedPackage, TARGETS } from '../core/plan/types';

declare const SEAM_VERSION: string | undefined;
const VERSION = typeof SEAM_VERSION === 'string' ? SEAM_VERSION : 'dev';

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
  data?: { kind: 'operator'; replace: string; with: string } | { kind: 'owner'; package: string } | { kind: 'out-of-date' };
}

export interface Analysis {
  root: string;
  model: ProjectModel;
  plan: Plan;
  config: SeamConfig;
  configText: string | null;
  diagnostics: SeamDiagnostic[];
}

export type Texts = (path: string) => string | undefined;

/** The project a manifest belongs to: the nearest folder up with seam.toml or flake.nix, else a workspace root, else its own folder. */
export function projectRoot(path: string, roots: string[]): string {
  const dir = nodePath.dirname(path);
  const top = roots.filter((r) => dir === r || dir.startsWith(`${r}${nodePath.sep}`)).sort((a, b) => b.length - a.length)[0];
  for (let d = dir; ; d = nodePath.dirname(d)) {
    if (fs.existsSync(nodePath.join(d, SEAM_TOML)) || fs.existsSync(nodePath.join(d, 'flake.nix'))) return d;
    if (d === top || nodePath.dirname(d) === d) break;
  }
  return top ?? dir;
}

const SEVERITY: Record<Problem['severity'], 1 | 2 | 3> = { error: 1, warning: 2, info: 3 };

function lineText(texts: Texts, path: string, line: number): string {
  const text =
    texts(path) ??
    (() => {
      try {
        return fs.readFileSync(path, 'utf8');
      } catch {
        return '';
      }
    })();
  return text.split(/\r?\n/)[line - 1] ?? '';
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

/** The operator fix a pip/pep508 operator message names: `>==` → `>=`, `=` → `==`. */
export function operatorFix(message: string): { replace: string; with: string } | null {
  const m = /invalid operator '([^']+)' \(did you mean '([^']+)'\?\)/.exec(message);
  if (m) return { replace: m[1], with: m[2] };
  if (/^'=' is not a pip operator: use '=='/.test(message)) return { replace: '=', with: '==' };
  return null;
}

function readConfig(root: string): { config: SeamConfig; text: string | null } {
  try {
    const text = fs.readFileSync(nodePath.join(root, SEAM_TOML), 'utf8');
    return { config: readSeamToml(text, nodePath.join(root, SEAM_TOML)).config, text };
  } catch {
    return { config: DEFAULT_SEAM_CONFIG, text: null };
  }
}

/** Everything the server says about `path`. Never throws for bad input: a broken file is diagnostics. */
export function analyze(path: string, texts: Texts, roots: string[]): Analysis {
  const root = projectRoot(path, roots);
  const { config, text: configText } = readConfig(root);
  return withOverlay(texts, () => {
    const found = projectManifests(root);
    const files = found.files.includes(path) || !kindOf(path) ? found.files : [...found.files, path];
    const model = readProject(files.includes(path) ? files : [...files, path]);
    const plan = planProject(model, config, defaultKnowledge());
    const diagnostics: SeamDiagnostic[] = [];
    const here = (p: { path: string }) => nodePath.resolve(p.path) === nodePath.resolve(path);
    for (const m of model.manifests) {
      for (const p of m.problems) {
        if (!here(p)) continue;
        const d: SeamDiagnostic = {
          range: rangeOf(p, lineText(texts, path, p.line)),
          severity: SEVERITY[p.severity],
          code: p.code,
          message: p.message,
          source: 'seam',
        };
        const fix = /invalid-operator$/.test(p.code) ? operatorFix(p.message) : null;
        if (fix) {
          d.data = { kind: 'operator', ...fix };
          d.range = { start: d.range.start, end: { line: d.range.start.line, character: d.range.start.character + fix.replace.length } }; // just the operator
        }
        diagnostics.push(d);
      }
    }
    for (const o of model.overlaps) {
      for (const r of o.requirements.filter((x) => here(x.source))) {
        diagnostics.push({
          range: reqRange(r, texts),
          severity: o.kind === 'conflict' ? 2 : 3,
          code: o.kind === 'conflict' ? 'seam/contradicting-pins' : 'seam/duplicate',
          message: o.message,
          source: 'seam',
        });
      }
    }
    for (const p of plan.problems) {
      if (!here(p)) continue;
      const pkg = /^([A-Za-z0-9._-]+):/.exec(p.message)?.[1];
      diagnostics.push({
        range: rangeOf(p, lineText(texts, path, p.line)),
        severity: SEVERITY[p.severity],
        code: p.code,
        message: p.message,
        source: 'seam',
        ...(p.code === 'plan/version-conflict' && pkg ? { data: { kind: 'owner' as const, package: pkg } } : {}),
      });
    }
    for (const pkg of plan.packages) {
      for (const w of pkg.warnings) {
        const src = pkg.sources.find(here);
        if (!src || pkg.reason !== 'native-not-in-nixpkgs') continue;
        diagnostics.push({
          range: rangeOf(src, lineText(texts, path, src.line)),
          severity: 2,
          code: 'seam/native-not-in-nixpkgs',
          message: w,
          source: 'seam',
          data: { kind: 'owner', package: pkg.name },
        });
      }
    }
    const stale = outOfDate(root, model, config);
    if (stale)
      diagnostics.push({
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: lineText(texts, path, 1).length || 1 } },
        severity: 2,
        code: 'seam/out-of-date',
        message: stale,
        source: 'seam',
        data: { kind: 'out-of-date' },
      });
    return { root, model, plan, config, configText, diagnostics };
  });
}

function reqRange(r: Requirement, texts: Texts): Range {
  return rangeOf(
    { line: r.source.line, column: r.source.column, endLine: r.source.endLine, endColumn: r.source.endColumn },
    lineText(texts, r.source.path, r.source.line),
  );
}

/** "The environment is out of date" when flake.nix, generated by Seam, is not what the manifests make now. */
function outOfDate(root: string, model: ProjectModel, config: SeamConfig): string | null {
  let flake: string;
  try {
    flake = fs.readFileSync(nodePath.join(root, 'flake.nix'), 'utf8');
  } catch {
    return null;
  }
  if (ownership(flake) !== 'seam') return null;
  const { userPyproject } = projectManifests(root);
  const now = convertProject({
    root,
    model,
    config,
    userPyproject,
    seamVersion: /^# Generated by Seam (\S+)/.exec(flake)?.[1] ?? VERSION,
  }).files.find((f) => f.path === 'flake.nix')!.content;
  // Compare without the signature line the writer adds.
  const body = flake
    .split('\n')
    .filter((l, i) => !(i === 1 && l.startsWith('# seam-hash: ')))
    .join('\n');
  return body === now
    ? null
    : 'the environment is out of date: the manifests changed after flake.nix was generated — run "Seam: Convert to reproducible env" to regenerate it';
}

/** The requirement under the cursor and Seam's decision for it. */
export function hover(a: Analysis, path: string, line: number, character: number): string | null {
  const reqs = a.model.manifests
    .flatMap((m) => m.requirements)
    .filter((r) => nodePath.resolve(r.source.path) === nodePath.resolve(path) && r.source.line - 1 === line);
  const r =
    reqs.find(
      (x) =>
        character >= x.source.column - 1 &&
        (x.source.endLine !== x.source.line || !x.source.endColumn || character <= x.source.endColumn - 1),
    ) ?? reqs[0];
  if (!r) return null;
  const p = a.plan.packages.find((x) =>
    x.sources.some((s) => s.path === r.source.path && s.line === r.source.line && s.column === r.source.column),
  );
  if (!p) return null;
  return hoverText(p, a.root, r);
}

const OWNER: Record<string, string> = { nix: 'Nix', uv: 'uv', system: 'Nix (system package)', skip: 'nobody' };

export function hoverText(p: PlannedPackage, root: string, r: Requirement): string {
  const owners =
    p.owner.cpu === p.owner.cuda
      ? `**${OWNER[p.owner.cpu]}** on cpu and cuda`
      : TARGETS.map((t) => `**${OWNER[p.owner[t]]}** on ${t}`).join(', ');
  const lines = [`**${p.name}** → ${owners}`, '', p.explanation.replace(/^[^→]*→\s*/, ''), ''];
  const attr = p.nixAttr.cuda ?? p.nixAttr.cpu;
  if (attr) lines.push(`- nixpkgs: \`${attr}\`${p.nixVersion ? ` ${p.nixVersion}` : ''}`);
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
export function ownerEdit(a: Analysis, pkg: string, owner: 'nix' | 'uv'): { path: string; create: boolean; text: string } {
  const path = nodePath.join(a.root, SEAM_TOML);
  if (a.configText === null)
    return {
      path,
      create: true,
      text: writeSeamToml({ ...DEFAULT_SEAM_CONFIG, overrides: { [pkg]: { owner } } }, { python: a.plan.python, cuda: a.plan.cuda }),
    };
  return { path, create: false, text: setOwnerOverride(a.configText, pkg, owner) };
}
