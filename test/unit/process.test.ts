/**
 * Every program Seam runs goes through core/env/process.ts (execa): array arguments and no shell,
 * a cancel that kills the child while it runs, a time limit, stderr line by line as it arrives,
 * a missing program said as such. And the editor's start that a failure does not poison.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nixSyntaxError } from '../../src/core/env/nix';
import { ProgramMissing, runProcess } from '../../src/core/env/process';
import { startOnce } from '../../src/extension/models/once';
import { which } from '../helpers';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('running programs (execa)', function () {
  this.timeout(30_000);

  it('passes arguments as they are (no shell), gives stdin, and streams stderr lines as they arrive', async () => {
    const lines: string[] = [];
    const r = await runProcess('sh', ['-c', 'cat; echo "$1" >&2; echo two >&2; exit 3', 'sh', '$(touch PWNED); `id` *'], {
      input: 'from stdin',
      onStderr: (l) => lines.push(l),
      cwd: os.tmpdir(),
    });
    assert.deepEqual([r.code, r.stdout, lines], [3, 'from stdin', ['$(touch PWNED); `id` *', 'two']]);
    assert.ok(!fs.existsSync(path.join(os.tmpdir(), 'PWNED')));
  });

  it('a cancel kills the running child', async () => {
    const pidFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seam-pid-')), 'pid');
    const abort = new AbortController();
    const run = runProcess('sh', ['-c', `echo $$ > ${pidFile}; exec sleep 30`], { signal: abort.signal });
    for (let i = 0; i < 100 && !fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 20));
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    assert.ok(alive(pid));
    abort.abort();
    await assert.rejects(run, (e: Error) => e.name === 'AbortError');
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(!alive(pid), 'the child is gone');
  });

  it('stops a child at its time limit and says so', async () => {
    const started = Date.now();
    const r = await runProcess('sleep', ['30'], { timeoutMs: 200 });
    assert.ok(Date.now() - started < 10_000);
    assert.equal(r.timedOut, true);
    assert.equal(r.code, null);
    assert.match(r.stderr, /sleep: stopped after 200 ms/);
  });

  it('says when the program is not installed', async () => {
    await assert.rejects(
      runProcess('seam-no-such-program', [], {}),
      (e: Error) => e instanceof ProgramMissing && (e as NodeJS.ErrnoException).code === 'ENOENT',
    );
  });

  it("checks Nix syntax with Nix's parser on stdin", async function () {
    if (!which('nix-instantiate')) this.skip();
    assert.equal(await nixSyntaxError('{ a = 1; }'), null);
    assert.match((await nixSyntaxError('{ a = ; }')) ?? '', /syntax error/);
    assert.equal(await nixSyntaxError('{ a = ; }', { nix: '/nonexistent/bin/nix' }), null, 'no Nix here: nothing to check with');
  });
});

describe("the editor's start", () => {
  it('is shared while it runs and after it succeeded; a failed start is tried again by the next call', async () => {
    let calls = 0;
    let fail = true;
    const once = startOnce(async () => {
      calls++;
      if (fail) throw new Error('nix is not on PATH');
      return 'ctx';
    });
    await assert.rejects(once.get(), /nix is not on PATH/);
    assert.equal(await once.settled(), undefined);
    fail = false;
    const [a, b] = await Promise.all([once.get(), once.get()]);
    assert.deepEqual([a, b, calls], ['ctx', 'ctx', 2]);
    assert.equal(await once.get(), 'ctx');
    assert.equal(calls, 2);
  });
});
