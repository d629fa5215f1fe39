/** Command-line flags and the project-folder argument, the same way for every `seam` command. */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { TARGETS, type Target } from '../core/plan/types';

interface Out {
  out(s: string): void;
  err(s: string): void;
  cwd: string;
}

export interface FlagSpec {
  json?: boolean;
  target?: boolean;
  /** Flag → the name it sets (aliases map to the same name). */
  switches?: Record<string, string>;
  /** Options that take a value (`--nixpkgs REF` or `--nixpkgs=REF`). */
  values?: string[];
  /** Usage text printed for -h/--help (exit 0); without it, -h is an unknown option. */
  help?: string;
}

export interface Flags {
  json: boolean;
  target?: Target;
  switches: Set<string>;
  values: Record<string, string | undefined>;
  positional: string[];
}

/** Parses `args` for `seam <command>`; a number is the exit code (help printed, or bad usage reported). */
export function parseFlags(command: string, args: string[], io: Out, spec: FlagSpec): Flags | number {
  const parsed: Flags = { json: false, switches: new Set(), values: {}, positional: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const name = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
    const value = () => (a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i]);
    if (spec.json && a === '--json') parsed.json = true;
    else if (spec.help && (a === '-h' || a === '--help')) {
      io.out(spec.help);
      return 0;
    } else if (spec.target && name === '--target') {
      const v = value();
      if (!TARGETS.includes(v as Target)) {
        io.err(`seam ${command}: --target takes ${TARGETS.join(' or ')}${v ? `, not '${v}'` : ''}\n`);
        return 2;
      }
      parsed.target = v as Target;
    } else if (spec.values?.includes(name)) parsed.values[name] = value();
    else if (spec.switches && Object.hasOwn(spec.switches, a)) parsed.switches.add(spec.switches[a]);
    else if (a.startsWith('-') && a !== '-') {
      io.err(`seam ${command}: unknown option '${a}'\n`);
      return 2;
    } else parsed.positional.push(a);
  }
  return parsed;
}

/** The one project folder a command works on (default: the current folder); a number is the exit code. */
export function rootFrom(command: string, positional: string[], io: Out): string | number {
  if (positional.length > 1) {
    io.err(`seam ${command}: takes one project folder\n`);
    return 2;
  }
  const root = nodePath.resolve(io.cwd, positional[0] ?? '.');
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    io.err(`seam ${command}: ${positional[0] ?? '.'}: not a folder\n`);
    return 2;
  }
  return root;
}
