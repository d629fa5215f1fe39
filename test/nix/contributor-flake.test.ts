/**
 * Seam's own flake.nix (the contributors' dev shell), checked with the real nix: it parses, and
 * against the offline nixpkgs stand-in it evaluates to a dev shell for every system with the
 * tools it promises. With SEAM_TEST_NIXPKGS (a flake ref to a real nixpkgs) it is also shown
 * against the real thing; here nixpkgs cannot be downloaded, so that check says SKIPPED.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NIXPKGS_STUB, nixEnv, ROOT, skipBecause, tree, which } from '../helpers';

const nix = (args: string[], cwd = ROOT) =>
  execFileSync('nix', args, { cwd, env: nixEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });

describe("Seam's contributor flake.nix", function () {
  this.timeout(180_000);
  let flakeDir = '';
  before(function () {
    if (!which('nix') || !which('nix-instantiate')) skipBecause(this, 'nix is not installed');
    // A copy outside git: a flake in a git checkout sees only tracked files.
    flakeDir = tree({ 'flake.nix': fs.readFileSync(path.join(ROOT, 'flake.nix'), 'utf8') });
  });
  const withStub = () => ['--no-write-lock-file', '--override-input', 'nixpkgs', `path:${NIXPKGS_STUB}`];

  it('parses (nix-instantiate --parse)', () => {
    execFileSync('nix-instantiate', ['--parse', path.join(ROOT, 'flake.nix')], { env: nixEnv(), stdio: 'pipe' });
  });

  it('has a default dev shell for Linux and macOS on x86_64 and aarch64', () => {
    const shown = JSON.parse(nix(['flake', 'show', '--json', ...withStub(), `path:${flakeDir}`]));
    assert.deepEqual(Object.keys(shown.devShells).sort(), ['aarch64-darwin', 'aarch64-linux', 'x86_64-darwin', 'x86_64-linux']);
    for (const system of Object.values(shown.devShells) as Record<string, unknown>[]) {
      assert.deepEqual(system, { default: { type: 'derivation', name: 'seam-dev' } });
    }
  });

  it('the shell brings Node, nix, uv, git and Python with packaging, and turns flakes on', () => {
    const env = JSON.parse(nix(['print-dev-env', '--json', ...withStub(), `path:${flakeDir}#default`]));
    const inputs = String(env.variables.nativeBuildInputs.value)
      .split(' ')
      .map((p: string) => p.replace(/^\/nix\/store\/[a-z0-9]{32}-/, ''));
    assert.deepEqual(inputs, ['nodejs_22', 'nix', 'uv', 'git', 'python3-env']);
    assert.match(env.variables.shellHook.value, /experimental-features = nix-command flakes/);
  });

  it('evaluates against a real nixpkgs', function () {
    const real = process.env.SEAM_TEST_NIXPKGS;
    if (!real) skipBecause(this, 'no nixpkgs available: set SEAM_TEST_NIXPKGS to a nixpkgs flake ref to run this');
    const shown = JSON.parse(
      nix(['flake', 'show', '--json', '--no-write-lock-file', '--override-input', 'nixpkgs', real, `path:${flakeDir}`]),
    );
    assert.equal(shown.devShells['x86_64-linux'].default.name, 'seam-dev');
  });
});
