/**
 * The uv layer with a real uv against PyPI: every test project is converted against
 * ../shared/nixpkgs-mini (its versions read with nix eval), then `uv lock` resolves the uv project
 * Seam generated — the constraints are the miniature's versions, so a constraint uv cannot satisfy
 * fails here — and uv.lock must record Nix's version of every Nix-owned package it holds.
 * Needs uv (`pip install uv`; scripts/test.sh installs it) and PyPI; without them SKIPPED with the
 * reason, except under CI=true, where that is a failure.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseUvLock } from '../../src/core/check/uvlock';
import { MINI, needUvLayer, nixEnv, ROOT, tree } from '../helpers';
import { LOCAL_PROJECTS, PIN_PROJECTS, SHAPES } from '../support/projects';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-home-'));
const UV_CACHE = path.join(os.homedir(), '.cache', 'seam-test-uv');

/** What a project is expected to do under uv when it cannot lock, and why (checked: Seam must have said so). */
const REFUSED: Record<string, { because: RegExp; code: string }> = {
  // requires-python ==3.10.* in the team's pyproject.toml, and numpy 2.3 is disabled below 3.11.
  'Python 3.10 with numpy (numpy 2.3 is disabled below 3.11)': { code: 'plan/requires-python', because: /requires-python/ },
};
/** Its URLs point at hosts that do not exist (example.com with shell and Nix syntax): nothing to resolve. */
const UNREACHABLE = new Set(['hostile names and URLs']);

/** An interpreter of Python `version` on this host (uv needs one to lock for ==X.Y.*), or null. */
function interpreter(uv: string, version: string): string | null {
  const r = spawnSync(uv, ['python', 'find', '--no-python-downloads', version], {
    encoding: 'utf8',
    env: { ...process.env, UV_PYTHON_DOWNLOADS: 'never' },
  });
  if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  const pyenv = path.join(os.homedir(), '.pyenv', 'versions');
  for (const v of fs.existsSync(pyenv) ? fs.readdirSync(pyenv).sort().reverse() : [])
    if (v.startsWith(`${version}.`) && fs.existsSync(path.join(pyenv, v, 'bin', `python${version}`)))
      return path.join(pyenv, v, 'bin', `python${version}`);
  return null;
}

describe('the uv layer: uv lock with a real uv against PyPI, constrained to the miniature nixpkgs', function () {
  this.timeout(900_000);
  let uv = '';
  before(async function () {
    uv = await needUvLayer(this);
  });

  for (let [name, files] of Object.entries({ ...SHAPES, ...LOCAL_PROJECTS, ...PIN_PROJECTS })) {
    if (UNREACHABLE.has(name)) continue;
    it(`${name}: ${REFUSED[name] ? 'uv refuses it, as Seam said beforehand' : "uv.lock resolves, with Nix's version of every Nix-owned package"}`, () => {
      const env = {
        ...nixEnv(),
        HOME,
        SEAM_QUIET: '1',
        UV_CACHE_DIR: UV_CACHE,
        UV_PYTHON_DOWNLOADS: 'never',
        PATH: `${path.dirname(uv)}:${process.env.PATH}`,
      };
      const seam = (root: string, ...args: string[]) =>
        spawnSync(process.execPath, [CLI, ...args, root], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
      // A team's own seam.toml names the pin itself (convert keeps that file as it is, --nixpkgs or not).
      if (files['seam.toml']) files = { ...files, 'seam.toml': `nixpkgs = "path:${MINI}"\n${files['seam.toml']}` };
      let root = tree(files);
      const convert = (r: string) =>
        seam(r, 'convert', '--nixpkgs', `path:${MINI}`, ...(fs.existsSync(path.join(r, 'pyproject.toml')) ? ['--update-pyproject'] : []));
      let c = convert(root);
      assert.equal(c.status, 0, c.stderr);
      let plan = JSON.parse(seam(root, 'plan', '--json', '--nixpkgs', `path:${MINI}`).stdout);
      assert.equal(plan.nixpkgs.facts, 'pin', "the constraints are the miniature's versions");
      let python = interpreter(uv, plan.python);
      if (!python) {
        // This host has no Python of the plan's version for uv to lock with: plan on the host's (the miniature has every set).
        const host = execFileSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();
        root = tree({ ...files, 'seam.toml': `python = "${host}"\n${files['seam.toml'] ?? ''}` });
        c = convert(root);
        assert.equal(c.status, 0, c.stderr);
        plan = JSON.parse(seam(root, 'plan', '--json', '--nixpkgs', `path:${MINI}`).stdout);
        python = interpreter(uv, plan.python);
        assert.ok(python, `no interpreter for Python ${plan.python} on this host`);
      }
      // Seam's pyproject resolves Nix's packages from the wheels without code that the shell writes
      // (.seam/nix-wheels): enter the cpu shell once, without its own uv lock and sync, to make them.
      const generated =
        fs.existsSync(path.join(root, 'pyproject.toml')) &&
        /^# Generated by Seam/.test(fs.readFileSync(path.join(root, 'pyproject.toml'), 'utf8'));
      if (generated) {
        const entered = spawnSync('nix', ['develop', '.#cpu', '-c', 'true'], {
          cwd: root,
          env: { ...env, SEAM_NO_SYNC: '1' },
          encoding: 'utf8',
          timeout: 600_000,
        });
        assert.equal(entered.status, 0, `nix develop .#cpu:\n${entered.stderr}`);
        assert.ok(
          fs.existsSync(path.join(root, '.seam', 'nix-wheels')),
          "the shell made the folder of Nix's packages as wheels without code",
        );
      }
      const lock = spawnSync(uv, ['lock', '--python', python], { cwd: root, env, encoding: 'utf8', timeout: 600_000 });
      const refused = REFUSED[name];
      if (refused) {
        assert.notEqual(lock.status, 0, 'uv locked a project Seam said it would refuse');
        assert.match(lock.stderr, refused.because);
        assert.ok(
          plan.problems.some((p: { code: string }) => p.code === refused.code),
          `Seam did not say it beforehand (${refused.code}): ${JSON.stringify(plan.problems.map((p: { code: string }) => p.code))}`,
        );
        return;
      }
      assert.equal(lock.status, 0, `uv lock failed:\n${lock.stderr}`);
      const locked = parseUvLock(fs.readFileSync(path.join(root, 'uv.lock'), 'utf8'));
      if (name === 'PEP 621 with torch from the cu121 index') {
        // torch==2.2.1+cu121 cannot hold beside Nix's torch: Seam said so, and the team's [tool.uv] block
        // (exclude-dependencies) leaves torch to Nix, so uv locks the rest without any torch.
        assert.ok(
          plan.problems.some((p: { code: string }) => p.code === 'plan/uv-conflict'),
          'Seam said the pin cannot hold',
        );
        assert.ok(!locked.versions.has('torch'), 'uv.lock holds no torch: Nix provides it');
      }
      const nixOwned = plan.packages.filter(
        (p: { owner: Record<string, string>; nixVersion: string | null }) => p.nixVersion && Object.values(p.owner).includes('nix'),
      );
      for (const p of nixOwned as { name: string; nixVersion: string }[]) {
        const versions = locked.versions.get(p.name);
        if (!versions) continue; // nothing uv resolves needs it
        for (const v of versions)
          assert.ok(v === p.nixVersion || v.startsWith(`${p.nixVersion}.`), `${p.name}: uv.lock has ${v}, Nix has ${p.nixVersion}`);
      }
      const check = seam(root, 'check');
      assert.equal(check.status, 0, `seam check:\n${check.stdout}${check.stderr}`);
    });
  }
});
