/** The `seam` command line. Exit codes: 0 all read, 1 a file has errors, 2 bad usage. */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { findManifests, readProject } from '../core/manifests/index';
import { formatSummary, plainStyle, type Style, toInspectJson } from '../core/report';

declare const SEAM_VERSION: string | undefined;
const VERSION = typeof SEAM_VERSION === 'string' ? SEAM_VERSION : 'dev';

const USAGE = `Usage: seam <command> [options]

Commands:
  inspect [PATH...] [--json]   Read the Python manifests in PATHs (files or folders; default: the
                               current folder) and print what Seam found, or one JSON object.

Options:
  -h, --help      Show this help
  -V, --version   Show the version

Exit status: 0 when every file was read cleanly, 1 when a file has errors, 2 on bad usage.
`;

export interface Io {
  out(s: string): void;
  err(s: string): void;
  cwd: string;
  color: boolean;
  env: Record<string, string | undefined>;
}

export function run(argv: string[], io: Io): number {
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
  io.err(`seam: unknown command '${command}'\n\n${USAGE}`);
  return 2;
}

function inspect(args: string[], io: Io): number {
  let json = false;
  const paths: string[] = [];
  for (const a of args) {
    if (a === '--json') json = true;
    else if (a === '-h' || a === '--help') {
      io.out(USAGE);
      return 0;
    } else if (a.startsWith('-') && a !== '-') {
      io.err(`seam inspect: unknown option '${a}'\n`);
      return 2;
    } else paths.push(a);
  }
  const files: string[] = [];
  for (const p of paths.length ? paths : ['.']) {
    const abs = nodePath.resolve(io.cwd, p);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      io.err(`seam inspect: ${p}: no such file or folder\n`);
      return 2;
    }
    if (stat.isDirectory()) files.push(...findManifests(abs));
    else files.push(abs);
  }
  const model = readProject([...new Set(files)], { env: io.env });
  const rel = (p: string) => {
    const r = nodePath.relative(io.cwd, p);
    return r && !r.startsWith('..') && !nodePath.isAbsolute(r) ? r : p;
  };
  if (json) io.out(`${JSON.stringify(toInspectJson(model, rel), null, 2)}\n`);
  else io.out(formatSummary(model, rel, io.color ? ansi : plainStyle));
  return model.manifests.some((m) => m.problems.some((p) => p.severity === 'error')) ? 1 : 0;
}

const wrap = (code: string) => (s: string) => (s ? `\u001b[${code}m${s}\u001b[0m` : s);
const ansi: Style = { bold: wrap('1'), dim: wrap('2'), red: wrap('31'), yellow: wrap('33'), cyan: wrap('36') };

if (require.main === module) {
  const code = run(process.argv.slice(2), {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    cwd: process.cwd(),
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
    env: process.env,
  });
  process.exitCode = code;
}
