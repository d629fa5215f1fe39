/**
 * `seam pin`: moves flake.lock's nixpkgs to the newest revision its reference resolves to (a
 * branch moves; a path's content changes) — unless the CUDA caches do not have torch's CUDA build
 * for that revision while they have it for the current one: then the pin stays, and Seam says
 * why (a CUDA torch that is not in the cache compiles for hours). `--force` moves it anyway.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { cacheHas, HEAVY } from '../core/env/caches';
import { seamCacheDir } from '../core/env/driver';
import { runProcess } from '../core/env/process';
import { errorMessage } from '../core/errors';
import { CUDA_CACHES } from '../core/generate/flake';
import { land, withProjectLock } from '../core/generate/transaction';
import { cudaOutPath, flakeLockText, lockNewest, type PinFacts } from '../core/knowledge/pin';
import { TARGETS } from '../core/plan/types';
import { openProject } from '../core/project';
import { parseFlags, rootFrom } from './args';
import { nixOf, type ProjectIo } from './project';

type Locked = PinFacts['locked'] & { storePath: string };

interface CacheAnswer {
  /** The package asked about and its CUDA build's store path (null: it does not evaluate there). */
  attr: string;
  outPath: string | null;
  has: string[];
  lacks: string[];
  unreachable: string[];
}

export async function pin(args: string[], io: ProjectIo): Promise<number> {
  const flags = parseFlags('pin', args, io, {
    switches: { '--dry-run': 'dry-run', '-n': 'dry-run', '--force': 'force' },
    values: ['--nixpkgs'],
  });
  if (typeof flags === 'number') return flags;
  const root = rootFrom('pin', flags.positional, io);
  if (typeof root === 'number') return root;
  const project = openProject(root, { env: io.env, factsCache: seamCacheDir(io.env) });
  if (!fs.existsSync(nodePath.join(root, 'flake.nix'))) {
    io.err('seam pin: no flake.nix here: run `seam convert` first\n');
    return 1;
  }
  const ref = flags.values['--nixpkgs'] ?? project.config.nixpkgs;
  const nixOpts = { nix: nixOf(io), runner: runProcess, cwd: root, env: io.env as NodeJS.ProcessEnv };
  let newest: Locked;
  try {
    newest = await lockNewest({ ...nixOpts, ref });
  } catch (e) {
    io.err(`seam pin: ${errorMessage(e)}\n`);
    return 1;
  }
  const lockPath = nodePath.join(root, 'flake.lock');
  const before = fs.existsSync(lockPath) ? fs.readFileSync(lockPath, 'utf8') : null;
  let lockJson: { nodes?: Record<string, { locked?: Record<string, unknown>; original?: Record<string, unknown> }> } = {};
  try {
    lockJson = before ? JSON.parse(before) : {};
  } catch {
    io.err('seam pin: flake.lock is not JSON; move it away and run seam pin again\n');
    return 1;
  }
  const current = lockJson.nodes?.nixpkgs?.locked ?? null;
  const id = (l: Record<string, unknown> | null | undefined) => (l ? String(l.rev ?? l.narHash ?? '') : '');
  const label = (l: Record<string, unknown>) => {
    const when = typeof l.lastModified === 'number' ? ` (${new Date(l.lastModified * 1000).toISOString().slice(0, 10)})` : '';
    return `${String(l.rev ?? l.narHash ?? '?').slice(0, 20)}${when}`;
  };
  if (current && id(current) === id(newest.attrs)) {
    io.out(`flake.lock: nixpkgs is at the newest revision of ${ref}: ${label(current)}\n`);
    return 0;
  }

  // The package whose CUDA build decides: torch when the project has it on Nix, else its first CUDA-aware Nix package.
  const cudaNix = project.plan.packages.filter((p) => p.cudaAware && TARGETS.some((t) => p.owner[t] === 'nix') && p.nixAttr.cuda);
  const sentinel = cudaNix.find((p) => p.name === 'torch') ?? cudaNix[0];
  const caches = [
    ...project.knowledge.cuda.caches.filter((c) => CUDA_CACHES.includes(c.name)).map((c) => c.url),
    ...project.config.substituters.map((s) => s.url),
  ];
  const ask = async (storePath: string): Promise<CacheAnswer | null> => {
    if (!sentinel) return null;
    const attr = sentinel.nixAttr.cuda as string;
    const outPath = await cudaOutPath(nixOpts, storePath, attr);
    const answer: CacheAnswer = { attr, outPath, has: [], lacks: [], unreachable: [] };
    if (!outPath) return answer;
    for (const url of caches) {
      const has = await cacheHas(url, outPath, nixOpts);
      (has === true ? answer.has : has === false ? answer.lacks : answer.unreachable).push(url);
    }
    return answer;
  };
  const say = (a: CacheAnswer | null) => {
    if (!a) return 'no CUDA-aware Nix package to ask the CUDA caches about';
    if (!a.outPath) return `${a.attr}'s CUDA build does not evaluate at this revision`;
    if (a.has.length) return `${a.attr}'s CUDA build is in ${a.has.join(', ')}`;
    const time = HEAVY.find((h) => h.pattern.test(a.attr))?.time;
    const unasked = a.unreachable.length ? ` (${a.unreachable.join(', ')} could not be asked)` : '';
    if (a.lacks.length)
      return `no CUDA cache${a.unreachable.length ? ' that answered' : ''} has ${a.attr}'s CUDA build: it compiles locally${time ? ` (${time})` : ''}${unasked}`;
    return `could not ask ${a.unreachable.join(', ')} for ${a.attr}'s CUDA build`;
  };
  const atNewest = await ask(newest.storePath);
  io.out(`newest revision of ${ref}: ${label(newest.attrs ?? {})}: ${say(atNewest)}\n`);
  const notCached = atNewest?.outPath && !atNewest.has.length && atNewest.lacks.length;
  if (notCached && current && !flags.switches.has('force')) {
    let atCurrent: CacheAnswer | null = null;
    try {
      const cur = await lockNewest({ ...nixOpts, ref: lockedUrl(current) });
      atCurrent = await ask(cur.storePath);
    } catch {
      /* the current revision cannot be fetched: nothing to compare with */
    }
    if (atCurrent?.has.length) {
      io.out(
        `flake.lock stays at ${label(current)}: ${say(atCurrent)}, and moving would compile it locally. seam pin --force moves anyway; try again when the cache has caught up.\n`,
      );
      return 0;
    }
  }
  const after = flakeLockText(newest, lockJson);
  if (!after) {
    io.err(`seam pin: nix gave no locked attributes for ${ref}\n`);
    return 1;
  }
  if (flags.switches.has('dry-run')) {
    io.out(
      `seam pin --dry-run: flake.lock would move nixpkgs ${current ? `from ${label(current)} ` : ''}to ${label(newest.attrs ?? {})} (nothing written)\n`,
    );
    return 0;
  }
  await withProjectLock(root, 'seam pin', () => land(root, [{ path: 'flake.lock', after, before, backup: false }]));
  io.out(
    `flake.lock: nixpkgs ${current ? `moved from ${label(current)} ` : ''}to ${label(newest.attrs ?? {})}. Run seam convert to plan with its facts.\n`,
  );
  return 0;
}

/** A flake reference for locked attributes (path, github, git, tarball), as nix flake metadata takes it. */
function lockedUrl(l: Record<string, unknown>): string {
  const q = (keys: string[]) => {
    const parts = keys.filter((k) => l[k] !== undefined).map((k) => `${k}=${encodeURIComponent(String(l[k]))}`);
    return parts.length ? `?${parts.join('&')}` : '';
  };
  switch (l.type) {
    case 'path':
      return `path:${l.path}${q(['narHash', 'lastModified'])}`;
    case 'github':
      return `github:${l.owner}/${l.repo}/${l.rev}`;
    case 'gitlab':
      return `gitlab:${l.owner}/${l.repo}/${l.rev}`;
    case 'git':
      return `git+${l.url}${q(['rev', 'ref'])}`;
    case 'tarball':
    case 'file':
      return `${l.type === 'file' ? 'file+' : ''}${l.url}`;
    default:
      return String(l.url ?? '');
  }
}
