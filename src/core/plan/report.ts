/** Views of a plan: the JSON `seam plan --json` prints and the table a person reads in seconds. */
import type { Problem } from '../errors';
import { plainStyle, type Style } from '../manifests/report';
import { type Plan, type PlannedPackage, TARGETS, type Target } from './types';

export interface PlanJson {
  targets: Target[];
  python: string;
  pythonAttr: string;
  pythonReason: string;
  cuda: { requested: string | null; version: string; set: string; reason: string };
  nixpkgs: Plan['nixpkgs'];
  packages: {
    name: string;
    owner: Record<Target, string>;
    nixAttr: string | null;
    nixVersion: string | null;
    requested: string;
    status: string;
    reason: string;
    explanation: string;
    warnings: string[];
    neededBy?: string[];
    url?: string;
    editable?: boolean;
    sources: { path: string; line: number }[];
  }[];
  problems: Problem[];
}

export function toPlanJson(plan: Plan, rel: (p: string) => string = (p) => p): PlanJson {
  return {
    targets: plan.targets,
    python: plan.python.version,
    pythonAttr: plan.python.attr,
    pythonReason: plan.python.reason,
    cuda: plan.cuda,
    nixpkgs: plan.nixpkgs,
    packages: plan.packages.map((p) => ({
      name: p.name,
      owner: p.owner,
      nixAttr: p.nixAttr.cuda ?? p.nixAttr.cpu ?? null,
      nixVersion: p.nixVersion,
      requested: p.requested,
      status: p.status,
      reason: p.reason,
      explanation: p.explanation,
      warnings: p.warnings,
      ...(p.neededBy ? { neededBy: p.neededBy } : {}),
      ...(p.url ? { url: p.url } : {}),
      ...(p.editable ? { editable: true } : {}),
      sources: p.sources.map((s) => ({ path: rel(s.path), line: s.line })),
    })),
    problems: plan.problems.map((p) => ({ ...p, path: rel(p.path) })),
  };
}

const OWNER_LABEL: Record<string, string> = { nix: 'Nix', uv: 'uv', system: 'system', skip: '—' };

/** The plan as a table: package, owner on each target, Nix's attribute and version, the pin, the status. */
export function formatPlan(plan: Plan, rel: (p: string) => string, style: Style = plainStyle, target?: Target): string {
  const targets = target ? [target] : TARGETS;
  const shown = plan.packages.filter((p) => targets.some((t) => p.owner[t] !== 'skip'));
  const hidden = plan.packages.length - shown.length;
  const header = ['package', ...targets, 'nixpkgs', 'requested', 'status'];
  const rows = shown.map((p) => [
    p.name,
    ...targets.map((t) => OWNER_LABEL[p.owner[t]]),
    (p.nixAttr.cuda ?? p.nixAttr.cpu) ? `${p.nixAttr.cuda ?? p.nixAttr.cpu}${p.nixVersion ? ` ${p.nixVersion}` : ''}` : '',
    p.requested || 'any',
    statusLabel(p),
  ]);
  // A cell longer than a column may be (a package pinned a hundred ways) is cut, so one row cannot widen them all.
  const MAX_CELL = 60;
  for (const r of rows) for (const [i, c] of r.entries()) if (c.length > MAX_CELL) r[i] = `${c.slice(0, MAX_CELL - 1)}…`;
  const widths = header.map((h, i) => rows.reduce((w, r) => Math.max(w, r[i].length), h.length));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  out.push(plan.nixpkgs.approximate ? style.yellow(versionsLine(plan)) : style.dim(versionsLine(plan)));
  out.push(style.bold(`Python ${plan.python.version} (${plan.python.attr}): ${plan.python.reason}`));
  out.push(style.bold(`CUDA ${plan.cuda.version} (${plan.cuda.set}) for the cuda target: ${plan.cuda.reason}`));
  out.push('');
  out.push(style.dim(line(header)));
  for (const [i, r] of rows.entries()) {
    const p = shown[i];
    const text = line(r);
    out.push(p.status === 'conflict' ? style.yellow(text) : text);
  }
  if (hidden)
    out.push(
      style.dim(
        `(${hidden} not installed by anyone: ${plan.packages
          .filter((p) => !shown.includes(p))
          .map((p) => p.name)
          .join(', ')})`,
      ),
    );
  out.push('', style.bold('Why'));
  for (const p of plan.packages) out.push(`  ${p.explanation}`);
  const warnings = plan.packages.flatMap((p) => p.warnings.map((w) => `${p.name}: ${w}`));
  if (warnings.length) {
    out.push('', style.bold('Warnings'));
    for (const w of warnings) out.push(`  ${style.yellow(w)}`);
  }
  if (plan.problems.length) {
    out.push('', style.bold('Problems'));
    for (const p of plan.problems)
      out.push(`  ${rel(p.path)}:${p.line}:${p.column}  ${p.severity === 'error' ? style.red(p.severity) : p.severity}  ${p.message}`);
  }
  const count = (o: string) => plan.packages.filter((p) => TARGETS.some((t) => p.owner[t] === o)).length;
  out.push('', `${count('nix')} from Nix, ${count('system')} system, ${count('uv')} from uv, ${hidden} not installed`);
  return `${out.join('\n')}\n`;
}

function statusLabel(p: PlannedPackage): string {
  switch (p.status) {
    case 'satisfied':
      return 'ok';
    case 'conflict':
      return `conflict: ${p.conflict?.applied ?? ''}`;
    case 'resolved-by-uv':
      return 'uv resolves';
    case 'unknown':
      return 'version unknown';
    default:
      return '';
  }
}

/** Where the plan's versions come from: the pinned nixpkgs (read with nix), the index, or Seam's bundle (approximate). */
export function versionsLine(plan: Plan): string {
  const { nixpkgs } = plan;
  if (nixpkgs.approximate)
    return `Versions: Seam's bundled knowledge of nixpkgs — approximate, not read from the pinned nixpkgs (${nixpkgs.describes})`;
  const rev = nixpkgs.revision && !nixpkgs.describes.includes(nixpkgs.revision.slice(0, 12)) ? ` at ${nixpkgs.revision.slice(0, 20)}` : '';
  return `Versions: ${nixpkgs.describes}${rev}`;
}
