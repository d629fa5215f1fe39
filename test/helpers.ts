import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OFFLINE_NIX_CONFIG } from './support/offline-nix';

export const ROOT = path.resolve(__dirname, '..');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
export const SHARED = path.resolve(ROOT, '..', 'shared');
/** The miniature nixpkgs (../shared/nixpkgs-mini): nixpkgs' structure and failure modes, offline. Tests that claim nixpkgs behaviour run against it. */
export const MINI = path.join(SHARED, 'nixpkgs-mini');

/** Skips the running test, saying why on its own line, so a skip is never mistaken for a pass. */
export function skipBecause(ctx: Mocha.Context, reason: string): never {
  console.log(`      SKIPPED (${reason})`);
  ctx.skip();
  throw new Error('unreachable');
}

/** Writes files (relative path → text or bytes) under a fresh temporary folder. */
export function tree(files: Record<string, string | Uint8Array>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-test-'));
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(dir, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
  return dir;
}

/** A hash of every file's path, bytes and mode (and every link's target) under `dir`, to prove nothing was written. */
export function snapshot(dir: string): string {
  const h = crypto.createHash('sha256');
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, e.name);
      h.update(path.relative(dir, full));
      if (e.isDirectory()) walk(full);
      else if (e.isSymbolicLink()) h.update(`link:${fs.readlinkSync(full)}`);
      else {
        h.update(fs.readFileSync(full));
        h.update(String(fs.statSync(full).mode));
      }
    }
  };
  walk(dir);
  return h.digest('hex');
}

export function which(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v "$1"`, 'sh', cmd], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Nix as these tests run it: offline, flakes on, no daemon or build users (root on Debian). */
export function nixEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NIX_CONFIG: OFFLINE_NIX_CONFIG,
  };
}

export const NIXPKGS_STUB = path.join(FIXTURES, 'nixpkgs-stub');

/**
 * What the uv-layer tests need — nix, the miniature nixpkgs, a real uv, PyPI, the CLI bundle — or
 * SKIPPED with the reason (under CI=true a missing uv or PyPI is a failure). Returns uv's path.
 */
export async function needUvLayer(ctx: Mocha.Context): Promise<string> {
  const need = (why: string): never => {
    if (process.env.CI === 'true') throw new Error(`CI=true needs the uv layer tested: ${why}`);
    return skipBecause(ctx, why);
  };
  if (!which('nix')) skipBecause(ctx, 'nix is not installed');
  if (!fs.existsSync(path.join(MINI, 'flake.nix'))) skipBecause(ctx, `no miniature nixpkgs at ${MINI}`);
  const local = path.join(os.homedir(), '.local', 'bin', 'uv');
  const uv = which('uv') ?? (fs.existsSync(local) ? local : null);
  if (!uv) return need('uv is not installed (pip install uv)');
  try {
    const r = await fetch('https://pypi.org/simple/pip/', {
      signal: AbortSignal.timeout(15_000),
      headers: { Accept: 'application/vnd.pypi.simple.v1+json' },
    });
    if (!r.ok) need(`PyPI answered ${r.status}`);
  } catch (e) {
    need(`PyPI cannot be reached (${(e as Error).message})`);
  }
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js')))
    execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
  return uv;
}
