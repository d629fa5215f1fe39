/**
 * Nothing lost: `seam convert` killed at every one of its filesystem steps (SIGKILL, a test hook
 * after step k; and with strace's fault injection at every rename where strace is installed), then
 * any Seam command: the folder is exactly the old state or exactly the new one, byte for byte.
 * Ctrl-C rolls back before exit. Two to four converts at once, with the steps slowed, 20 rounds:
 * nothing lost, one backup.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, skipBecause, snapshot, tree, which } from '../helpers';

/** A home folder outside every project: nix and Seam keep their caches there, never in the project. */
const TEST_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-home-'));

const CLI = path.join(ROOT, 'dist', 'cli.js');
const ARGS = ['convert', '--update-pyproject'];

/** A team's project: its own pyproject.toml and .gitignore, requirements, a conda file. */
const PROJECT = {
  'pyproject.toml':
    '[project]\nname = "team"\nversion = "1.0"\nrequires-python = ">=3.11"\ndependencies = ["requests>=2", "numpy"]\n\n[tool.uv]\ndev-dependencies = ["pytest"]\n',
  '.gitignore': 'node_modules/\n*.pyc\n',
  'requirements.txt': 'torch>=2\nrich\n',
  'environment.yml': 'name: team\ndependencies:\n  - python=3.12\n  - ffmpeg\n',
};

function seam(args: string[], cwd: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: TEST_HOME, ...env },
    timeout: 60_000,
  });
}

/** No journal, stage, lock or scrap is left. */
function clean(root: string): void {
  assert.deepEqual(
    fs.readdirSync(root).filter((f) => f.startsWith('.seam-write-')),
    [],
  );
  for (const f of ['journal.json', 'journal.json.tmp', 'lock'])
    assert.ok(!fs.existsSync(path.join(root, '.seam', f)), `.seam/${f} is left`);
}

describe('nothing lost: convert killed at every step, interrupted, run twice at once', function () {
  this.timeout(600_000);
  let oldState = '';
  let newState = '';
  before(() => {
    if (!fs.existsSync(CLI)) execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
    const a = tree(PROJECT);
    oldState = snapshot(a);
    const r = seam(ARGS, a);
    assert.equal(r.status, 0, r.stderr);
    newState = snapshot(a);
    assert.notEqual(newState, oldState);
    clean(a);
  });

  it('a kill after any step, then any Seam command: exactly the old state or exactly the new one', () => {
    const outcomes: string[] = [];
    for (let k = 1; k < 100; k++) {
      const root = tree(PROJECT);
      const killed = seam(ARGS, root, { SEAM_TEST_KILL_AT: String(k) });
      if (killed.signal !== 'SIGKILL') {
        assert.equal(killed.status, 0, killed.stderr);
        assert.ok(k > 8, `only ${k - 1} steps?`);
        break;
      }
      // The user's pyproject.toml may be aside at this instant: any command puts things right first.
      const next = seam(k % 2 ? ['plan', '--json'] : ['check', '--offline'], root);
      assert.ok(next.status !== null, next.stderr);
      const now = snapshot(root);
      assert.ok(
        now === oldState || now === newState,
        `after a kill at step ${k}, the folder is neither the old nor the new state:\n${next.stderr}`,
      );
      clean(root);
      outcomes.push(now === oldState ? 'old' : 'new');
      // And a plain re-run from there ends in the new state.
      assert.equal(seam(ARGS, root).status, 0);
      assert.equal(snapshot(root), newState, `re-run after a kill at step ${k}`);
    }
    assert.ok(outcomes.includes('old') && outcomes.includes('new'), outcomes.join(' '));
  });

  it("strace's fault injection: SIGKILL at each rename, then any Seam command: old or new state", function () {
    if (!which('strace')) skipBecause(this, 'strace is not installed');
    if (spawnSync('strace', ['-f', '-qq', '-e', 'trace=none', 'true']).status !== 0)
      skipBecause(this, 'strace cannot trace here (no ptrace)');
    for (let n = 1; n < 40; n++) {
      const root = tree(PROJECT);
      const r = spawnSync(
        'strace',
        [
          '-f',
          '-qq',
          '-o',
          '/dev/null',
          '-e',
          'trace=rename,renameat,renameat2',
          '-e',
          `inject=rename,renameat,renameat2:signal=KILL:when=${n}`,
          process.execPath,
          CLI,
          ...ARGS,
        ],
        {
          cwd: root,
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', HOME: TEST_HOME },
          timeout: 60_000,
        },
      );
      if (r.status === 0) {
        assert.ok(n > 5, `only ${n - 1} renames?`);
        return;
      }
      seam(['check', '--offline'], root);
      const now = snapshot(root);
      assert.ok(now === oldState || now === newState, `after a kill at rename ${n}: neither old nor new state`);
      clean(root);
    }
  });

  it('Ctrl-C (SIGINT) and SIGTERM roll back before exit', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const root = tree(PROJECT);
      const child = spawn(process.execPath, [CLI, ...ARGS], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', HOME: TEST_HOME, SEAM_TEST_STEP_DELAY_MS: '150' },
      });
      let err = '';
      child.stderr.on('data', (b) => (err += b));
      // Wait until it has put something in place (the journal exists), then interrupt.
      for (let i = 0; i < 200 && !fs.existsSync(path.join(root, '.seam', 'journal.json')); i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 400));
      child.kill(signal);
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      assert.equal(code, 130, err);
      assert.match(err, /interrupted; every file was put back/);
      assert.equal(snapshot(root), oldState, signal);
      clean(root);
    }
  });

  it('two to four converts at once, 20 rounds: they take turns, nothing is lost, one backup', async () => {
    for (let round = 0; round < 20; round++) {
      const root = tree(PROJECT);
      const n = 2 + (round % 3);
      const runs = Array.from({ length: n }, () => {
        const child = spawn(process.execPath, [CLI, ...ARGS], {
          cwd: root,
          env: { PATH: process.env.PATH ?? '', HOME: TEST_HOME, SEAM_TEST_STEP_DELAY_MS: '5' },
        });
        let err = '';
        child.stderr.on('data', (b) => (err += b));
        return new Promise<{ code: number | null; err: string }>((r) => child.on('exit', (code) => r({ code, err })));
      });
      const results = await Promise.all(runs);
      for (const r of results) assert.equal(r.code, 0, r.err);
      assert.equal(snapshot(root), newState, `round ${round}: ${n} converts at once`);
      assert.deepEqual(fs.readdirSync(path.join(root, '.seam', 'backup')), ['pyproject.toml']);
      clean(root);
    }
  });
});
