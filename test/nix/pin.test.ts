/**
 * `seam pin` with real nix: the "branch" is a copy of ../shared/nixpkgs-mini (its own store paths:
 * the stdenv differs by a comment) whose content changes, which is what a moving branch looks
 * like to a `path:` reference; the "CUDA cache" is a local file:// binary cache named in
 * seam.toml's [cache]. The pin moves only where the cache has torch's CUDA build, or with --force.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MINI, nixEnv, ROOT, skipBecause, tree, which } from '../helpers';

const CLI = path.join(ROOT, 'dist', 'cli.js');

describe('seam pin (real nix, a moving nixpkgs and a file:// cache)', function () {
  this.timeout(600_000);
  before(function () {
    if (!which('nix')) skipBecause(this, 'nix is not installed');
    if (!fs.existsSync(path.join(MINI, 'flake.nix'))) skipBecause(this, `no miniature nixpkgs at ${MINI}`);
    if (!fs.existsSync(CLI)) execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
  });

  it('moves flake.lock to the newest revision only when the cache has its CUDA torch; says why it stays; --force moves', () => {
    const branch = fs.mkdtempSync(path.join(os.tmpdir(), 'nixpkgs-mini-branch-'));
    fs.cpSync(MINI, branch, { recursive: true });
    const setup = path.join(branch, 'pkgs', 'stdenv', 'setup.sh');
    const commit = (n: number) => fs.appendFileSync(setup, `\n# seam pin test ${process.pid}-${Date.now()} revision ${n}\n`);
    commit(1);
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-cuda-cache-'));
    const env = { ...nixEnv(), HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'seam-home-')), SEAM_QUIET: '1' };
    const nix = (args: string[]) => execFileSync('nix', args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    const meta = () => JSON.parse(nix(['flake', 'metadata', '--json', `path:${branch}`]));
    /** Builds the CUDA torch of the branch as it is now and puts it into the cache. */
    const publish = () => {
      const expr = `(import (builtins.storePath "${meta().path}") { system = "x86_64-linux"; config = { cudaSupport = true; allowUnfree = true; }; }).python3Packages.torch`;
      const out = JSON.parse(nix(['build', '--no-link', '--json', '--impure', '--expr', expr]))[0].outputs.out;
      nix(['copy', '--to', `file://${cache}`, out]);
    };
    const seam = (...args: string[]) =>
      spawnSync(process.execPath, [CLI, ...args, root], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
    const locked = () => JSON.parse(fs.readFileSync(path.join(root, 'flake.lock'), 'utf8')).nodes.nixpkgs.locked.narHash;

    const root = tree({
      'requirements.txt': 'torch\n',
      'seam.toml': `nixpkgs = "path:${branch}"\n\n[cache]\nsubstituters = [{ url = "file://${cache}", public-key = "team-cache-1:AAAA" }]\n`,
    });
    const c = seam('convert');
    assert.equal(c.status, 0, c.stderr);
    const first = meta().locked.narHash;
    assert.equal(locked(), first);
    publish();
    assert.match(seam('pin').stdout, /nixpkgs is at the newest revision of path:/);

    commit(2); // the branch moves; the cache has not built it yet
    const second = meta().locked.narHash;
    const stay = seam('pin');
    assert.equal(stay.status, 0, stay.stderr);
    assert.match(
      stay.stdout,
      new RegExp(
        `newest revision of path:\\S+: ${second.slice(0, 20).replace(/[+/]/g, '\\$&')}.*: no CUDA cache that answered has torch's CUDA build: it compiles locally \\(2–6 hours\\)`,
      ),
    );
    assert.match(stay.stdout, /flake\.lock stays at .*torch's CUDA build is in file:\/\/.*seam pin --force moves anyway/);
    assert.equal(locked(), first);

    const dry = seam('pin', '--force', '--dry-run');
    assert.match(dry.stdout, /flake\.lock would move nixpkgs from .* to .*\(nothing written\)/);
    assert.equal(locked(), first);

    publish(); // the cache catches up
    const move = seam('pin');
    assert.equal(move.status, 0, move.stderr);
    assert.match(move.stdout, /torch's CUDA build is in file:\/\//);
    assert.match(move.stdout, /flake\.lock: nixpkgs moved from .* to /);
    assert.equal(locked(), second);
    const evaluated = spawnSync('nix', ['eval', '--raw', `path:${root}#devShells.x86_64-linux.cuda.name`], { env, encoding: 'utf8' });
    assert.equal(evaluated.stdout, 'seam-cuda', evaluated.stderr);

    commit(3);
    const forced = seam('pin', '--force');
    assert.equal(forced.status, 0, forced.stderr);
    assert.equal(locked(), meta().locked.narHash, '--force moves without the cache');
  });
});
