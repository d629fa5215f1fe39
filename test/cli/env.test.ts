/** `seam doctor`, `seam env` and `seam shell` as a process, with Debian's real nix. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURES, nixEnv, ROOT, skipBecause, tree, which } from '../helpers';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const seam = (args: string[], cwd: string, env: NodeJS.ProcessEnv = nixEnv()) => {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...env, XDG_CACHE_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'seam-xdg-')) },
    timeout: 60_000,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
};

describe('seam doctor / env / shell (as a process)', function () {
  this.timeout(120_000);
  before(function () {
    if (!which('nix')) skipBecause(this, 'nix is not installed');
  });
  it('doctor: Nix, flakes, GPU and the recommended target, as text and JSON', () => {
    const root = path.join(ROOT, 'examples', 'ml-project');
    const text = seam(['doctor', root], ROOT);
    assert.equal(text.code, 0, text.out + text.err);
    assert.match(text.out, /^Nix +ready +Nix 2\.\d+/m);
    assert.match(text.out, /^Flakes +ready +nix-command and flakes are on$/m);
    assert.match(text.out, /^CUDA +the flake uses CUDA 12\.9;/m, 'the bundled default (github: cannot be read here)');
    const json = JSON.parse(seam(['doctor', '--json', root], ROOT).out);
    assert.deepEqual(Object.keys(json), ['checks', 'machine', 'cuda', 'recommendation']);
    assert.equal(json.cuda.flake, '12.9');
    assert.ok(['cpu', 'cuda'].includes(json.recommendation.target));
    const off = seam(['doctor', root], ROOT, { ...process.env, NIX_CONFIG: 'experimental-features =' });
    assert.equal(off.code, 1);
    assert.match(off.out, /^Flakes +MISSING[\s\S]*fix: Add `experimental-features = nix-command flakes`/m);
  });
  it("env: the target's variables as shell exports or JSON, from the cache the second time", () => {
    const root = tree({ 'flake.nix': fs.readFileSync(path.join(FIXTURES, 'env-flake', 'flake.nix'), 'utf8') });
    const r = seam(['env', root, '--target', 'cuda'], root);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^export SEAM_TARGET='cuda'$/m);
    assert.match(r.out, /^export PATH='\/fixture\/cuda\/bin':"\$PATH"$/m);
    assert.match(r.out, /^unset PYTHONPATH$/m);
    assert.doesNotMatch(r.out, /HOMELESS|homeless-shelter|NIX_BUILD_TOP/);
    const sourced = spawnSync('bash', ['-c', `${r.out}\necho "$SEAM_DEVICE"`], { encoding: 'utf8' });
    assert.equal(sourced.stdout.trim(), 'gpu', 'the exports are valid shell');
    assert.equal(JSON.parse(seam(['env', root, '--json'], root).out).variables.SEAM_TARGET, 'cpu');
    const missing = seam(['env', tree({}), '--target', 'cpu'], root);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /seam env: .*\n {2}fix: /);
    assert.equal(seam(['env', '--target', 'tpu'], root).code, 2);
  });
  it('shell: runs nix develop for the target, and says so when there is no flake', () => {
    const none = seam(['shell', tree({})], ROOT);
    assert.equal(none.code, 1);
    assert.match(none.err, /no flake\.nix .*run `seam convert` first/);
  });
});
