/**
 * Do the uv packages agree with Nix's versions? A team's own pyproject.toml with Seam's block
 * excludes what Nix owns (`exclude-dependencies`), so its uv.lock never compared torchmetrics'
 * `torch>=…` with Nix's torch; a lock made elsewhere may not have either (Seam's own pyproject
 * resolves against the shells' stand-in wheels). `seam check` asks uv: every package uv.lock installs,
 * pinned to its locked version, resolved together with Nix's version of every Nix-owned package
 * (`uv pip compile`, metadata only, in a temporary folder; nothing is installed). A resolution uv
 * cannot find is a violation, with uv's own explanation.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import type { UvLock } from '../check/uvlock';
import { isValidVersion, nixConstraint } from '../model/versions';
import type { Runner } from './process';

export interface CompatInput {
  lock: UvLock;
  /** Names uv must not install (the Nix-owned ones and what only they need): not pinned from the lock. */
  kept: Set<string>;
  /** Nix's version of each Nix-owned package. */
  nixVersions: Map<string, string>;
  /** The interpreter's minor version ("3.13"). */
  python: string;
}

export type CompatResult =
  | { kind: 'agrees'; pinned: number; nix: number; dropped: string[] }
  | { kind: 'conflict'; explanation: string; dropped: string[] }
  | { kind: 'unchecked'; why: string };

/** The requirements uv resolves: the lock's registry packages at their versions, and Nix's versions. */
export function compatRequirements(
  input: CompatInput,
  drop: Set<string> = new Set(),
): { locked: string[]; nix: string[]; indexes: string[] } {
  const locked: string[] = [];
  const indexes = new Set<string>();
  for (const p of input.lock.packages) {
    const registry = p.source.registry;
    if (typeof registry !== 'string' || !p.version || input.kept.has(p.name) || input.nixVersions.has(p.name)) continue;
    if ((input.lock.versions.get(p.name)?.size ?? 0) > 1) continue; // split by markers: no single pin holds
    locked.push(`${p.name}==${p.version}`);
    if (/^https?:\/\//.test(registry)) indexes.add(registry);
  }
  const nix = [...input.nixVersions]
    .filter(([name, v]) => isValidVersion(v) && !drop.has(name))
    .map(([name, v]) => nixConstraint(name, v))
    .sort();
  return { locked: [...new Set(locked)].sort(), nix, indexes: [...indexes].sort() };
}

/** Nix-owned packages uv says no index has at Nix's version: a build PyPI never had says nothing about agreement. */
function notOnIndex(stderr: string, names: string[]): string[] {
  const esc = (n: string) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return names.filter((n) =>
    new RegExp(`there is no version of ${esc(n)}\\b|\\b${esc(n)} was not found in the package registry`, 'i').test(stderr),
  );
}

export async function nixCompatibility(input: CompatInput, uv: string, run: Runner, env: NodeJS.ProcessEnv): Promise<CompatResult> {
  const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'seam-compat-'));
  const dropped = new Set<string>();
  try {
    for (let attempt = 0; attempt < 4; attempt++) {
      const req = compatRequirements(input, dropped);
      if (!req.locked.length) return { kind: 'agrees', pinned: 0, nix: req.nix.length, dropped: [...dropped] };
      fs.writeFileSync(nodePath.join(dir, 'requirements.in'), `${[...req.locked, ...req.nix].join('\n')}\n`);
      // As the generated pyproject.toml does: old sdists import pkg_resources, which setuptools 82 removed.
      fs.writeFileSync(nodePath.join(dir, 'build-constraints.txt'), 'setuptools<82\n');
      const args = [
        'pip',
        'compile',
        'requirements.in',
        '--python-version',
        input.python,
        '--python-platform',
        'x86_64-unknown-linux-gnu',
        '--build-constraints',
        'build-constraints.txt',
        '--no-header',
        '--quiet',
        '--output-file',
        nodePath.join(dir, 'resolved.txt'),
      ];
      if (req.indexes.length > 1 || (req.indexes.length === 1 && !/^https:\/\/pypi\.org\/simple\/?$/.test(req.indexes[0])))
        args.push('--index-strategy', 'unsafe-best-match', ...req.indexes.flatMap((u) => ['--index', u]));
      let r: Awaited<ReturnType<Runner>>;
      try {
        r = await run(uv, args, { cwd: dir, env: { ...env, UV_EXCLUDE: '', UV_NO_CONFIG: '1' }, timeoutMs: 300_000 });
      } catch (e) {
        return { kind: 'unchecked', why: `uv could not run (${(e as Error).message})` };
      }
      if (r.code === 0) return { kind: 'agrees', pinned: req.locked.length, nix: req.nix.length, dropped: [...dropped] };
      const text = r.stderr.trim();
      if (/Failed to fetch|error sending request|dns error|Could not connect|offline/i.test(text) && !/No solution found/.test(text))
        return { kind: 'unchecked', why: `uv could not reach the index (${text.split('\n').pop()})` };
      const missing = notOnIndex(
        text,
        [...input.nixVersions.keys()].filter((n) => !dropped.has(n)),
      );
      if (missing.length) {
        for (const n of missing) dropped.add(n);
        continue;
      }
      if (!/No solution found|unsatisfiable/.test(text))
        return { kind: 'unchecked', why: `uv could not resolve for another reason: ${explanation(text).slice(0, 300)}` };
      return { kind: 'conflict', explanation: explanation(text), dropped: [...dropped] };
    }
    return { kind: 'unchecked', why: 'uv kept failing on packages no index has' };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** uv's "No solution found" paragraph, without its hints. */
function explanation(stderr: string): string {
  const lines = stderr.split('\n');
  const start = lines.findIndex((l) => /No solution found/.test(l));
  const body = (start >= 0 ? lines.slice(start + 1) : lines).filter((l) => !/^\s*hint:/.test(l));
  return body
    .map((l) => l.replace(/^\s*[╰─│]+▶?\s*/, '').trim())
    .filter(Boolean)
    .join(' ')
    .slice(0, 1200);
}
