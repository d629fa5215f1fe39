/** The `seam` command line. Exit codes: 0 all read, 1 a file has errors, 2 bad usage. */

import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { nixSystem } from '../core/env/cache';
import { describeCache } from '../core/env/caches';
import { seamCacheDir } from '../core/env/driver';
import { errorMessage } from '../core/errors';
import { discoverManifests, type ProjectModel } from '../core/manifests/index';
import { formatSummary, plainStyle, type Style, toInspectJson } from '../core/manifests/report';
import { emptyManifest } from '../core/model/manifest';
import { normalizeName } from '../core/model/names';
import { planProject } from '../core/plan/planner';
import { formatPlan, toPlanJson } from '../core/plan/report';
import { TARGETS } from '../core/plan/types';
import { openProject, type ProjectSnapshot, shellCaches } from '../core/project';
import { maskCredentials } from '../core/text/secrets';
import { forTerminal, STYLE } from '../core/text/terminal';
import { VERSION } from '../core/version';
import { type Flags, parseFlags } from './args';
import { doctor, env, shell } from './env';
import { pin } from './pin';
import { check, convert, index, nixOf, recoverIfInterrupted, withPinnedFacts } from './project';

const USAGE = `Usage: seam <command> [options]

Commands:
  inspect [PATH...] [--json]   Read the Python manifests in PATHs (files or folders; default: the
                               current folder) and print what Seam found, or one JSON object.
  plan [PATH...] [--target cpu|cuda] [--nixpkgs REF] [--cache] [--json]
                               Decide, for every package and target, whether Nix or uv installs
                               it, and why; the interpreter and the CUDA version. Versions and
                               what evaluates where are read from the pinned nixpkgs (seam.toml's
                               nixpkgs, or REF: any flake reference, path: included) with nix.
                               --cache: ask the binary caches what each shell would download and
                               what it would build here (heavy builds named); nothing is built.
  explain PKG [PATH...]        Why PKG goes to Nix or uv (also for a package no manifest names).
  convert [DIR] [--dry-run] [--force] [--update-pyproject] [--no-stage] [--nixpkgs REF]
                               Write flake.nix (cpu and cuda shells), seam.toml (once), the uv
                               project, .gitignore lines and seam-plan.txt, all or nothing.
                               --dry-run prints the diff; --force replaces files Seam did not
                               write (a copy goes to .seam/backup/). Manifests are never touched,
                               except with --update-pyproject: Seam's constraint block in your
                               pyproject.toml's [tool.uv] (with a backup). In a git repository
                               the files Seam generated are staged (git add, no commit: a flake
                               sees only tracked files); --no-stage leaves that to you.
  pin [DIR] [--nixpkgs REF] [--dry-run] [--force]
                               Move flake.lock's nixpkgs to the newest revision of its reference,
                               unless the CUDA caches lack torch's CUDA build there while they have
                               it for the current one (then it says so and stays; --force moves).
  check [DIR] [--json] [--offline]
                               Check uv.lock (and .venv) against the flake: uv installs nothing
                               Nix provides, uv.lock has Nix's versions, and the uv packages
                               resolve together with Nix's versions (asks uv; not with --offline).
                               Exit 1 on a violation.
  index refresh [DIR] [--nixpkgs REF]
                               Read versions, native/CUDA facts and attribute names from a real
                               nixpkgs (default: seam.toml's) with nix eval, into .seam/index.json;
                               convert and check then use it instead of the bundled knowledge.
  doctor [DIR] [--json]        Nix, flakes, GPU, driver, the CUDA it runs, the recommended target.
  env [DIR] [--target T] [--json]
                               The target's resolved environment (cached), as shell exports.
  shell [DIR] [--target T]     A shell inside the target's environment (nix develop).
  lsp --stdio                  The language server (diagnostics, hover, quick fixes) for any editor.

Options:
  -h, --help      Show this help
  -V, --version   Show the version

Exit status: 0 when every file was read cleanly (check: the contract holds), 1 when a file has
errors (convert: nothing written; check: a violation), 2 on bad usage.
`;

export interface Io {
  out(s: string): void;
  err(s: string): void;
  cwd: string;
  color: boolean;
  env: Record<string, string | undefined>;
}

export function run(argv: string[], io: Io): number | Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  if (command === '-V' || command === '--version') {
    io.out(`seam ${VERSION}\n`);
    return 0;
  }
  if (command === 'inspect') return inspect(rest, io);
  if (command === 'plan') return plan(rest, io);
  if (command === 'explain') return explainCommand(rest, io);
  if (command === 'convert') return convert(rest, { ...io, version: VERSION });
  if (command === 'pin') return pin(rest, { ...io, version: VERSION });
  if (command === 'check') return check(rest, { ...io, version: VERSION });
  if (command === 'index') return index(rest, { ...io, version: VERSION });
  if (command === 'doctor') return doctor(rest, { ...io, version: VERSION });
  if (command === 'env') return env(rest, { ...io, version: VERSION });
  if (command === 'shell') return shell(rest, { ...io, version: VERSION });
  if (command === 'lsp') {
    if (rest.some((a) => a !== '--stdio')) {
      io.err('seam lsp: the language server speaks LSP over stdio: seam lsp --stdio\n');
      return 2;
    }
    // Runs until the client sends exit.
    return import('../server/server').then((m) => {
      m.startServer(m.stdioConnection());
      return new Promise<number>(() => undefined);
    });
  }
  io.err(`seam: unknown command '${command}'\n\n${USAGE}`);
  return 2;
}

function parseArgs(command: string, args: string[], io: Io, allowTarget: boolean): Flags | number {
  return parseFlags(command, args, io, { json: true, target: allowTarget, help: USAGE, values: allowTarget ? ['--nixpkgs'] : [] });
}

/**
 * The snapshot a reading command works on: the current folder, the one folder given, or the files
 * and folders given (their manifests, with the settings of the one folder given or of the current
 * folder). A number is an exit code.
 */
async function snapshotFor(
  command: string,
  paths: string[],
  io: Io,
  options: { facts?: boolean; nixpkgs?: string } = {},
): Promise<ProjectSnapshot | number> {
  const given: { abs: string; dir: boolean }[] = [];
  for (const p of paths) {
    const abs = nodePath.resolve(io.cwd, p);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      io.err(`seam ${command}: ${p}: no such file or folder\n`);
      return 2;
    }
    given.push({ abs, dir: stat.isDirectory() });
  }
  const folder = !given.length ? io.cwd : given.length === 1 && given[0].dir ? given[0].abs : null;
  if (folder !== null) {
    await recoverIfInterrupted(folder, io); // an interrupted convert is undone before anything is read
    return options.facts
      ? withPinnedFacts(folder, io as Io & { version: string }, { nixpkgs: options.nixpkgs })
      : openProject(folder, { env: io.env, factsCache: seamCacheDir(io.env) });
  }
  const manifests = given.flatMap((g) => (g.dir ? discoverManifests(g.abs).manifests : [g.abs]));
  const root = given.length === 1 ? nodePath.dirname(given[0].abs) : io.cwd;
  return options.facts
    ? withPinnedFacts(root, io as Io & { version: string }, { manifests, nixpkgs: options.nixpkgs })
    : openProject(root, { env: io.env, manifests, factsCache: seamCacheDir(io.env) });
}

function relativeTo(io: Io): (p: string) => string {
  return (p) => {
    const r = nodePath.relative(io.cwd, p);
    return r && !r.startsWith('..') && !nodePath.isAbsolute(r) ? r : p;
  };
}

const hasErrors = (model: ProjectModel) => model.manifests.some((m) => m.problems.some((p) => p.severity === 'error'));

async function inspect(args: string[], io: Io): Promise<number> {
  const parsed = parseArgs('inspect', args, io, false);
  if (typeof parsed === 'number') return parsed;
  const project = await snapshotFor('inspect', parsed.positional, io);
  if (typeof project === 'number') return project;
  const rel = relativeTo(io);
  if (parsed.json) io.out(`${JSON.stringify(toInspectJson(project.model, rel), null, 2)}\n`);
  else io.out(formatSummary(project.model, rel, io.color ? ansi : plainStyle));
  return hasErrors(project.model) ? 1 : 0;
}

async function plan(args: string[], io: Io): Promise<number> {
  const parsed = parseFlags('plan', args, io, {
    json: true,
    target: true,
    help: USAGE,
    values: ['--nixpkgs'],
    switches: { '--cache': 'cache' },
  });
  if (typeof parsed === 'number') return parsed;
  const project = await snapshotFor('plan', parsed.positional, io, { facts: true, nixpkgs: parsed.values['--nixpkgs'] });
  if (typeof project === 'number') return project;
  const rel = relativeTo(io);
  const findings = project.findings;
  const cache =
    parsed.switches.has('cache') && project.model.manifests.length
      ? await shellCaches(project, { nix: nixOf(io), env: io.env as NodeJS.ProcessEnv, seamVersion: VERSION })
      : null;
  if (parsed.json)
    io.out(`${JSON.stringify({ ...toPlanJson({ ...project.plan, problems: findings }, rel), ...(cache ? { cache } : {}) }, null, 2)}\n`);
  else if (!project.model.manifests.length) io.out(formatSummary(project.model, rel));
  else {
    // Native packages nixpkgs lacks are listed under Warnings already.
    const problems = findings.filter((f) => f.code !== 'seam/native-not-in-nixpkgs');
    io.out(formatPlan({ ...project.plan, problems }, rel, io.color ? ansi : plainStyle, parsed.target));
    if (cache) {
      io.out(`\nBinary caches (${nixSystem()}): what nix develop would download and build\n`);
      for (const [t, c] of Object.entries(cache)) io.out(`  ${describeCache(t, c)}\n`);
    }
  }
  return findings.some((p) => p.severity === 'error') ? 1 : 0;
}

async function explainCommand(args: string[], io: Io): Promise<number> {
  const parsed = parseArgs('explain', args, io, false);
  if (typeof parsed === 'number') return parsed;
  const [pkg, ...paths] = parsed.positional;
  if (!pkg) {
    io.err('seam explain: name a package, e.g. seam explain torch\n');
    return 2;
  }
  const project = await snapshotFor('explain', paths, io, { facts: true });
  if (typeof project === 'number') return project;
  const name = normalizeName(pkg);
  let found = project.plan.packages.find(
    (p) => p.name === name || p.name === pkg.toLowerCase() || p.requestedAs?.some((n) => normalizeName(n) === name),
  );
  let note = '';
  if (!found) {
    // Not in any manifest: say what Seam would decide if it were added.
    const m = emptyManifest('(command line)', 'requirements');
    m.requirements.push({
      name: pkg,
      normalizedName: name,
      specifier: '',
      extras: [],
      marker: null,
      url: null,
      editable: false,
      hashes: [],
      source: { path: '(command line)', line: 1, column: 1 },
      text: pkg,
      ecosystem: 'pypi',
      scope: { kind: 'main' },
    });
    found = planProject({ manifests: [m], overlaps: [] }, project.config, project.knowledge).packages.find((p) => p.name === name);
    note = `${pkg} is in none of the manifests; if it were added:\n`;
  }
  if (!found) {
    io.err(`seam explain: '${pkg}' is not a package name\n`);
    return 2;
  }
  const rel = relativeTo(io);
  const lines = [note + found.explanation];
  for (const t of TARGETS) lines.push(`  ${t}: ${found.owner[t]}${found.nixAttr[t] ? ` (${found.nixAttr[t]})` : ''}`);
  for (const w of found.warnings) lines.push(`  warning: ${w}`);
  if (found.conflict) lines.push(`  choices: ${found.conflict.choices.join('; ')}`);
  for (const s of found.sources) if (s.path !== '(command line)') lines.push(`  declared at ${rel(s.path)}:${s.line}`);
  io.out(`${lines.join('\n')}\n`);
  return 0;
}

const wrap = (code: string) => (s: string) => (s ? `${STYLE}[${code}m${s}${STYLE}[0m` : s);
const ansi: Style = { bold: wrap('1'), dim: wrap('2'), red: wrap('31'), yellow: wrap('33'), cyan: wrap('36') };

/** Runs the command line of this process (dist/cli.js calls it; so does running this file directly). */
export function main(): void {
  // `seam plan | head` closes the pipe early: that is not an error.
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      else throw e;
    });
  const argv = process.argv.slice(2);
  // What Seam prints shows credentials masked and manifest control characters escaped; `seam env`
  // prints an environment to eval, and `seam lsp` speaks a protocol: those go out as they are.
  const raw = argv[0] === 'env' || argv[0] === 'lsp' || argv[0] === 'shell';
  const shown = (s: string) => (raw ? s : forTerminal(maskCredentials(s)));
  const code = run(argv, {
    out: (s) => process.stdout.write(shown(s)),
    err: (s) => process.stderr.write(shown(s)),
    cwd: process.cwd(),
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
    env: process.env,
  });
  void Promise.resolve(code).then(
    (c) => {
      process.exitCode = c;
    },
    (e) => {
      process.stderr.write(`seam: ${errorMessage(e)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) main();
