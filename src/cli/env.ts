/** `seam doctor`, `seam env` and `seam shell`: the machine, and a target's environment outside VS Code. */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { hostDriverFolder, seamCacheDir } from '../core/env/driver';
import { detectMachine, recommendTarget } from '../core/env/gpu';
import { ldconfigOutput, probeSetup } from '../core/env/probe';
import { runInteractive } from '../core/env/process';
import { ResolveError, resolveEnv } from '../core/env/resolve';
import { evaluateSetup } from '../core/env/setup';
import { terminalEnvironment } from '../core/env/terminal';
import type { Target } from '../core/plan/types';
import { parseFlags, rootFrom } from './args';
import { formatEnv } from './envCached';
import { nixOf, type ProjectIo, withPinnedFacts } from './project';

interface Args {
  json: boolean;
  target?: Target;
  root: string;
}

function parse(command: string, args: string[], io: ProjectIo, needTarget: boolean): Args | number {
  const flags = parseFlags(command, args, io, { json: true, target: true });
  if (typeof flags === 'number') return flags;
  const root = rootFrom(command, flags.positional, io);
  if (typeof root === 'number') return root;
  return { json: flags.json, target: flags.target ?? (needTarget ? 'cpu' : undefined), root };
}

export async function doctor(args: string[], io: ProjectIo): Promise<number> {
  const parsed = parse('doctor', args, io, false);
  if (typeof parsed === 'number') return parsed;
  const probes = await probeSetup(nixOf(io), undefined, undefined, io.env as NodeJS.ProcessEnv);
  const flakeCuda = (await withPinnedFacts(parsed.root, io)).plan.cuda.version;
  const checks = evaluateSetup(probes, flakeCuda);
  const machine = detectMachine({
    platform: probes.platform,
    query: probes.query ?? null,
    table: probes.table ?? null,
    procNvidia: probes.procNvidia,
    wsl: probes.wsl ?? false,
    nixos: probes.nixos ?? false,
    ldconfig: probes.ldconfig ?? null,
  });
  const recommendation = recommendTarget(machine, flakeCuda);
  if (parsed.json) {
    io.out(`${JSON.stringify({ checks, machine, cuda: { flake: flakeCuda, ceiling: machine.cudaCeiling }, recommendation }, null, 2)}\n`);
  } else {
    const word: Record<string, string> = { ok: 'ready', warning: 'caveat', missing: 'MISSING', info: 'note' };
    for (const c of checks) {
      io.out(`${c.title.padEnd(8)} ${word[c.status].padEnd(8)} ${c.detail}\n`);
      if (c.fix) io.out(`${''.padEnd(17)}fix: ${c.fix}\n`);
    }
    io.out(
      `${'CUDA'.padEnd(8)} ${''.padEnd(8)} the flake uses CUDA ${flakeCuda}; ${machine.cudaCeiling ? `this driver runs up to ${machine.cudaCeiling}` : 'no driver here'}\n`,
    );
    if (machine.driverLibDir) io.out(`${'libcuda'.padEnd(8)} ${''.padEnd(8)} ${machine.driverLibDir}\n`);
    io.out(`${'Target'.padEnd(8)} ${recommendation.target.padEnd(8)} recommended: ${recommendation.reason}\n`);
    if (recommendation.warning) io.out(`${''.padEnd(17)}warning: ${recommendation.warning}\n`);
  }
  return checks.some((c) => c.status === 'missing' && (c.id === 'nix' || c.id === 'flakes')) ? 1 : 0;
}

/** `seam env`: the target's terminal environment as shell code (eval "$(seam env)") or JSON; from the cache when nothing changed. */
export async function env(args: string[], io: ProjectIo): Promise<number> {
  const parsed = parse('env', args, io, true);
  if (typeof parsed === 'number') return parsed;
  const cacheDir = seamCacheDir(io.env);
  try {
    const { env: resolved, fromCache } = await resolveEnv({
      root: parsed.root,
      target: parsed.target!,
      nix: nixOf(io),
      cacheDir,
      env: io.env as NodeJS.ProcessEnv,
      log: (l) => io.err(`${l}\n`),
    });
    const driver = parsed.target === 'cuda' ? await hostDriverFolder(cacheDir, () => ldconfigOutput()) : null;
    io.out(formatEnv(terminalEnvironment(resolved, driver), resolved, fromCache, parsed.json));
    return 0;
  } catch (e) {
    if (e instanceof ResolveError) {
      io.err(`seam env: ${e.message}\n  fix: ${e.fix}\n`);
      return 1;
    }
    throw e;
  }
}

/** A shell inside the target's environment: `nix develop`, which also runs the shellHook that sets up .venv and the driver. */
export async function shell(args: string[], io: ProjectIo): Promise<number> {
  const parsed = parse('shell', args, io, true);
  if (typeof parsed === 'number') return parsed;
  if (!fs.existsSync(nodePath.join(parsed.root, 'flake.nix'))) {
    io.err(`seam shell: no flake.nix in ${parsed.root}; run \`seam convert\` first\n`);
    return 1;
  }
  try {
    return await runInteractive(nixOf(io), ['develop', `${parsed.root}#${parsed.target}`], {
      cwd: parsed.root,
      env: io.env as NodeJS.ProcessEnv,
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    io.err('seam shell: nix is not installed (https://nixos.org/download)\n');
    return 1;
  }
}
