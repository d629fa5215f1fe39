/**
 * The plan review a person reads in ten seconds: conflicts first with their choices, then every
 * package with its owner on each target, version and reason, then the files Convert would write.
 * View model and HTML are pure (no `vscode`), so plain mocha tests them; every text from a
 * manifest is HTML-escaped.
 */
import * as nodePath from 'node:path';
import type { PlannedWrite } from '../../core/generate/write';
import { diffWrite } from '../../core/generate/write';
import { versionsLine } from '../../core/plan/report';
import type { Target } from '../../core/plan/types';
import { TARGETS } from '../../core/plan/types';
import type { ProjectSnapshot } from '../../core/project';
import { maskCredentials } from '../../core/text/secrets';

export type Choice = 'accept-nix' | 'move-to-uv' | 'keep-pin';

export interface PlanViewModel {
  folder: string;
  summary: string;
  python: string;
  cuda: string;
  /** Where the versions come from (the pinned nixpkgs, or approximate). */
  versions: string;
  approximate: boolean;
  conflicts: { name: string; requested: string; nix: string; applied: string; choices: { id: Choice; label: string }[] }[];
  rows: { name: string; owners: Record<Target, string>; version: string; requested: string; reason: string; warn: boolean }[];
  hidden: string[];
  files: { path: string; action: string; note?: string; diff: string }[];
  /** Every finding of the project (the same list `seam plan` and the language server report), paths relative to it. */
  problems: { path: string; line: number; column: number; severity: string; code: string; message: string }[];
  blocked: boolean;
  trusted: boolean;
  /** What each shell would download and build here (after "Ask the binary caches"); null until asked. */
  cache: string[] | null;
}

const OWNER: Record<string, string> = { nix: 'Nix', uv: 'uv', system: 'system', skip: '—' };

export function planViewModel(
  project: ProjectSnapshot,
  writes: PlannedWrite[],
  folder: string,
  trusted: boolean,
  cache: string[] | null = null,
): PlanViewModel {
  const plan = project.plan;
  const shown = plan.packages.filter((p) => TARGETS.some((t) => p.owner[t] !== 'skip'));
  const count = (o: string) => plan.packages.filter((p) => TARGETS.some((t) => p.owner[t] === o)).length;
  return {
    folder,
    summary: `${count('nix')} from Nix · ${count('system')} system · ${count('uv')} from uv`,
    python: `Python ${plan.python.version} (${plan.python.attr}): ${plan.python.reason}`,
    cuda: `CUDA ${plan.cuda.version} for the cuda target: ${plan.cuda.reason}`,
    versions: versionsLine(plan),
    approximate: plan.nixpkgs.approximate,
    conflicts: plan.packages
      .filter((p) => p.status === 'conflict')
      .map((p) => ({
        name: p.name,
        requested: p.requested,
        nix: p.nixVersion ?? '?',
        applied: p.conflict?.applied ?? '',
        choices: [
          { id: 'accept-nix' as const, label: `Accept Nix's ${p.nixVersion ?? 'version'}` },
          { id: 'move-to-uv' as const, label: 'Move to uv' },
          { id: 'keep-pin' as const, label: 'Keep the pin (pin another nixpkgs)' },
        ],
      })),
    rows: shown.map((p) => ({
      name: p.name,
      owners: { cpu: OWNER[p.owner.cpu], cuda: OWNER[p.owner.cuda] },
      version: p.nixVersion ?? '',
      requested: p.requested || 'any',
      reason: p.explanation.replace(/^[^→]*→\s*/, ''),
      warn: p.status === 'conflict' || p.warnings.length > 0,
    })),
    hidden: plan.packages.filter((p) => !shown.includes(p)).map((p) => p.name),
    files: writes.map((w) => ({ path: w.path, action: w.action, ...(w.note ? { note: w.note } : {}), diff: diffWrite(w) })),
    problems: project.findings.map((f) => ({
      path: nodePath.relative(project.root, f.path) || f.path,
      line: f.line,
      column: f.column,
      severity: f.severity,
      code: f.code,
      message: maskCredentials(f.message),
    })),
    blocked: writes.some((w) => w.action === 'blocked'),
    trusted,
    cache,
  };
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The webview page. Scripts run only with the nonce; no remote content. */
export function renderPlanHtml(m: PlanViewModel, opts: { nonce: string; cspSource: string }): string {
  const e = escapeHtml;
  const conflicts = m.conflicts.length
    ? `<section class="conflicts"><h2>${m.conflicts.length} version conflict${m.conflicts.length === 1 ? '' : 's'}</h2>${m.conflicts
        .map(
          (c) =>
            `<div class="conflict"><div><b>${e(c.name)}</b>: the manifests ask for <code>${e(c.requested)}</code>, nixpkgs has <code>${e(c.nix)}</code>. Now: ${e(c.applied)}.</div><div class="choices">${c.choices
              .map(
                (ch) =>
                  `<button data-choice="${e(ch.id)}" data-package="${e(c.name)}"${m.trusted ? '' : ' disabled'}>${e(ch.label)}</button>`,
              )
              .join('')}</div></div>`,
        )
        .join('')}</section>`
    : '';
  const rows = m.rows
    .map(
      (r) =>
        `<tr${r.warn ? ' class="warn"' : ''}><td>${e(r.name)}</td><td class="o-${e(r.owners.cpu)}">${e(r.owners.cpu)}</td><td class="o-${e(r.owners.cuda)}">${e(r.owners.cuda)}</td><td>${e(r.version)}</td><td>${e(r.requested)}</td><td>${e(r.reason)}</td></tr>`,
    )
    .join('');
  // Version conflicts have their own section above; everything else the manifests and the plan say.
  const problems = m.problems.filter((p) => p.code !== 'plan/version-conflict');
  const problemList = problems.length
    ? `<details${problems.some((p) => p.severity !== 'info') ? ' open' : ''} class="problems"><summary>${problems.length} thing${problems.length === 1 ? '' : 's'} to know (the same list as <code>seam plan</code> and the editor's squiggles)</summary><ul>${problems
        .map((p) => `<li class="sev-${e(p.severity)}">${e(p.severity)} · ${e(p.path)}:${p.line} · ${e(p.message)}</li>`)
        .join('')}</ul></details>`
    : '';
  const files = m.files
    .map(
      (f) =>
        `<details${f.action === 'blocked' ? ' open' : ''}><summary><span class="act act-${e(f.action)}">${e(f.action)}</span> ${e(f.path)}${f.note ? ` <span class="note">${e(f.note)}</span>` : ''}</summary>${f.diff ? `<pre>${e(f.diff)}</pre>` : ''}</details>`,
    )
    .join('');
  const cacheSection = m.cache
    ? `<ul class="cache">${m.cache.map((l) => `<li>${e(l)}</li>`).join('')}</ul>`
    : m.trusted
      ? '<p class="note">Nix can say, before anything builds, what each shell downloads from the binary caches and what it compiles here.</p><button id="cache">Ask the binary caches</button>'
      : '<p class="note">Asking the binary caches runs nix: trust the workspace first.</p>';
  const convert = !m.trusted
    ? '<p class="note">This workspace is not trusted: Seam shows the plan but writes nothing. Trust the workspace to convert.</p>'
    : m.blocked
      ? '<button id="convert" data-force="1">Convert, replacing the files above (a copy goes to .seam/backup/)</button>'
      : '<button id="convert">Convert to reproducible env</button>';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${opts.cspSource} 'nonce-${opts.nonce}'; script-src 'nonce-${opts.nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Seam plan</title>
<style nonce="${opts.nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 16px 24px; }
h1 { font-size: 1.3em; margin-bottom: 2px; } h2 { font-size: 1.05em; margin: 18px 0 6px; }
.sub { color: var(--vscode-descriptionForeground); margin: 2px 0; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--vscode-widget-border, #8884); vertical-align: top; }
th { color: var(--vscode-descriptionForeground); font-weight: 600; }
td.o-Nix { color: var(--vscode-charts-blue); font-weight: 600; } td.o-uv { color: var(--vscode-charts-green); font-weight: 600; } td.o-system { color: var(--vscode-charts-purple); }
tr.warn td:first-child::before { content: "⚠ "; color: var(--vscode-editorWarning-foreground); }
.conflict { border-left: 3px solid var(--vscode-editorWarning-foreground); padding: 6px 10px; margin: 6px 0; background: var(--vscode-editorWidget-background); }
.choices { margin-top: 6px; display: flex; gap: 6px; flex-wrap: wrap; }
button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 5px 12px; cursor: pointer; }
button:disabled { opacity: 0.5; cursor: default; }
.choices button { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); }
#convert { margin-top: 16px; font-size: 1.05em; padding: 8px 18px; }
pre { background: var(--vscode-textCodeBlock-background); padding: 8px; overflow-x: auto; max-height: 320px; }
.act { display: inline-block; min-width: 72px; font-weight: 600; } .act-blocked { color: var(--vscode-errorForeground); } .act-unchanged, .act-keep { color: var(--vscode-descriptionForeground); }
.note { color: var(--vscode-descriptionForeground); }
.problems li { margin: 2px 0; } .sev-error { color: var(--vscode-errorForeground); } .sev-warning { color: var(--vscode-editorWarning-foreground); }
</style></head>
<body>
<h1>Seam plan for ${e(m.folder)}</h1>
<p class="sub">${e(m.summary)}</p>
<p class="sub">${e(m.python)}</p>
<p class="sub">${e(m.cuda)}</p>
<p class="sub${m.approximate ? ' sev-warning' : ''}">${e(m.versions)}</p>
${conflicts}
${problemList}
<h2>Packages</h2>
<table><thead><tr><th>package</th><th>cpu</th><th>cuda</th><th>nixpkgs</th><th>requested</th><th>why</th></tr></thead><tbody>${rows}</tbody></table>
${m.hidden.length ? `<p class="note">Not installed by anyone: ${e(m.hidden.join(', '))}</p>` : ''}
<h2>Will it download or compile?</h2>
${cacheSection}
<h2>Files Convert writes</h2>
${files}
${convert}
<script nonce="${opts.nonce}">
const vscode = acquireVsCodeApi();
for (const b of document.querySelectorAll('button[data-choice]')) b.addEventListener('click', () => vscode.postMessage({ type: 'choose', package: b.dataset.package, choice: b.dataset.choice }));
const c = document.getElementById('convert');
if (c) c.addEventListener('click', () => vscode.postMessage({ type: 'convert', force: c.dataset.force === '1' }));
const k = document.getElementById('cache');
if (k) k.addEventListener('click', () => { k.disabled = true; k.textContent = 'Asking the binary caches…'; vscode.postMessage({ type: 'cache' }); });
</script>
</body></html>`;
}
