/**
 * Staging what Seam generated: a flake inside a git repository sees only the files git tracks, so
 * a flake.nix that was just written is invisible to nix until `git add`. Seam stages exactly the
 * paths it generated (never anything else, never a commit); outside a git repository it does nothing.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { type Runner, runProcess } from './process';

export type StageResult = { staged: string[] } | { skipped: string };

/** `git add -- <paths>` in `root` for the paths (relative to root) that exist; why not when it cannot. */
export async function stageGenerated(
  root: string,
  paths: string[],
  options: { runner?: Runner; env?: NodeJS.ProcessEnv; git?: string; signal?: AbortSignal } = {},
): Promise<StageResult> {
  const run = options.runner ?? runProcess;
  const git = options.git ?? 'git';
  const opts = { cwd: root, env: options.env ?? process.env, signal: options.signal, timeoutMs: 60_000 };
  let inside: Awaited<ReturnType<Runner>>;
  try {
    inside = await run(git, ['rev-parse', '--is-inside-work-tree'], opts);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { skipped: 'git is not installed' };
    throw e;
  }
  if (inside.code !== 0 || inside.stdout.trim() !== 'true') return { skipped: 'not a git repository' };
  const existing = [...new Set(paths)].filter((p) => !nodePath.isAbsolute(p) && fs.existsSync(nodePath.join(root, p))).sort();
  if (!existing.length) return { staged: [] };
  const r = await run(git, ['add', '--', ...existing], opts);
  if (r.code !== 0) return { skipped: `git add failed: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`}` };
  return { staged: existing };
}

/** Whether `root` is inside a git work tree (a `.git` entry here or above): read, not run. */
export function inGitRepository(root: string): boolean {
  for (let dir = nodePath.resolve(root); ; dir = nodePath.dirname(dir)) {
    if (fs.existsSync(nodePath.join(dir, '.git'))) return true;
    if (nodePath.dirname(dir) === dir) return false;
  }
}
