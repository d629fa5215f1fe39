/**
 * Nothing leaked: the project folder is the boundary (includes, local paths and Seam's own files
 * outside it are reported, never read, never written through); no secret is written or printed;
 * every bad input is a message, never a stack trace. Each test is one of the reproductions in
 * issue 12, run against `seam` as a process.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { maskCredentials, stripCredentials } from '../../src/core/text/secrets';
import { forTerminal } from '../../src/core/text/terminal';
import { ROOT, snapshot, tree } from '../helpers';

/** A home folder outside every project: nix and Seam keep their caches there, never in the project. */
const TEST_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-home-'));

const CLI = path.join(ROOT, 'dist', 'cli.js');
function seam(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: TEST_HOME, ...env },
    timeout: 60_000,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr, all: r.stdout + r.stderr };
}
const read = (root: string, f: string) => fs.readFileSync(path.join(root, f), 'utf8');
/** A folder outside every project, with a file whose content must never show up. */
function outside(files: Record<string, string>): string {
  return tree(files);
}
const noTrace = (s: string) => assert.doesNotMatch(s, /\n\s+at [\w.<]+ \(|Error: |EISDIR|ENOENT|Maximum call stack/, s);

describe('nothing leaked: the project is the boundary, no secret is written, bad input is a message', function () {
  this.timeout(120_000);
  before(() => {
    if (!fs.existsSync(CLI)) execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
  });

  it('-r of a file outside the project is reported, not read: its content is never printed or written', () => {
    const secret = outside({ shadow: 'root:SECRET-HASH-1:19000:0:99999:7:::\nrequests\n' });
    const root = tree({ 'requirements.txt': `-r ${secret}/shadow\nrich\n` });
    const inspected = seam(['inspect'], root);
    assert.doesNotMatch(inspected.all, /SECRET-HASH-1/);
    assert.match(inspected.all, /is outside the project: Seam reads no file outside the project folder/);
    const plan = JSON.parse(seam(['plan', '--json'], root).out);
    assert.ok(plan.problems.some((p: any) => p.code === 'pip/include-outside-project'));
    assert.ok(!plan.packages.some((p: any) => p.name === 'requests'), 'nothing from the outside file becomes a dependency');
    const converted = seam(['convert'], root);
    assert.equal(converted.code, 0, converted.all);
    for (const f of ['pyproject.toml', 'seam-plan.txt', 'flake.nix']) assert.doesNotMatch(read(root, f), /SECRET-HASH-1|requests/, f);
  });

  it('-r ${HOME}/.git-credentials: the token is in no output and no file', () => {
    const home = outside({ '.git-credentials': 'https://alice:ghp_SECRETTOKEN123@github.com\n' });
    const root = tree({ 'requirements.txt': '-r ${HOME}/.git-credentials\nrich\n' });
    const converted = seam(['convert'], root, { HOME: home });
    assert.doesNotMatch(converted.all, /ghp_SECRETTOKEN123/);
    for (const f of fs.readdirSync(root).filter((x) => fs.statSync(path.join(root, x)).isFile()))
      assert.doesNotMatch(read(root, f), /ghp_SECRETTOKEN123/, f);
    assert.doesNotMatch(seam(['inspect'], root, { HOME: home }).all, /ghp_SECRETTOKEN123/);
  });

  it('a folder allowed in seam.toml ([paths] allow) is read', () => {
    const shared = outside({ 'base.txt': 'httpx>=0.27\n' });
    const root = tree({ 'requirements.txt': `-r ${shared}/base.txt\n`, 'seam.toml': `[paths]\nallow = [${JSON.stringify(shared)}]\n` });
    const plan = JSON.parse(seam(['plan', '--json'], root).out);
    assert.ok(
      plan.packages.some((p: any) => p.name === 'httpx'),
      JSON.stringify(plan.problems),
    );
  });

  it('a local project outside the project is reported and not opened', () => {
    const other = outside({ 'pyproject.toml': '[project]\nname = "SECRET-NAME"\n' });
    const root = tree({ 'requirements.txt': `-e ${other}\nrich\n` });
    const plan = seam(['plan', '--json'], root);
    assert.doesNotMatch(plan.all, /SECRET-NAME/);
    assert.ok(JSON.parse(plan.out).problems.some((p: any) => p.code === 'pip/path-outside-project'));
  });

  it('a .seam link out of the project: nothing is written through it', () => {
    const away = outside({});
    const root = tree({
      'requirements.txt': 'rich\n',
      'pyproject.toml': '[project]\nname = "team"\nversion = "1"\ndependencies = ["rich"]\n',
    });
    fs.symlinkSync(away, path.join(root, '.seam'));
    const before = snapshot(root);
    const r = seam(['convert', '--update-pyproject'], root);
    assert.equal(r.code, 1);
    assert.match(r.err, /\.seam is a link .*: Seam keeps its lock, journal and backups only in a real folder inside the project/);
    noTrace(r.all);
    assert.deepEqual(fs.readdirSync(away), []);
    assert.equal(snapshot(root), before);
  });

  it('a .gitignore link out of the project is left alone and never copied in', () => {
    const away = outside({ passwd: 'root:x:0:0:SECRET-PASSWD-LINE:/root:/bin/bash\n' });
    const root = tree({ 'requirements.txt': 'rich\n' });
    fs.symlinkSync(path.join(away, 'passwd'), path.join(root, '.gitignore'));
    const r = seam(['convert'], root);
    assert.equal(r.code, 0, r.all);
    assert.match(r.out, /keep +\.gitignore +\(a link to .*outside the project: Seam neither writes through it nor copies it/);
    assert.equal(read(away, 'passwd'), 'root:x:0:0:SECRET-PASSWD-LINE:/root:/bin/bash\n');
    assert.ok(fs.lstatSync(path.join(root, '.gitignore')).isSymbolicLink());
    const copies = spawnSync('grep', ['-rl', 'SECRET-PASSWD-LINE', root], { encoding: 'utf8' });
    assert.equal(copies.stdout.split('\n').filter((f) => f && !f.endsWith('.gitignore')).length, 0, copies.stdout);
  });

  it('a flake.nix link out of the project is not replaced or copied, even with --force', () => {
    const away = outside({ 'flake.nix': '{ SECRET-FLAKE = 1; }\n' });
    const root = tree({ 'requirements.txt': 'rich\n' });
    fs.symlinkSync(path.join(away, 'flake.nix'), path.join(root, 'flake.nix'));
    const r = seam(['convert', '--force'], root);
    assert.equal(r.code, 1);
    assert.match(r.err, /flake\.nix +\(a link to .*outside the project.*remove the link/);
    assert.equal(read(away, 'flake.nix'), '{ SECRET-FLAKE = 1; }\n');
    assert.ok(!fs.existsSync(path.join(root, '.seam')));
  });

  it('${VAR} references keep their form in every generated file; literal credentials are left out and shown masked', () => {
    const root = tree({
      'requirements.txt': [
        'private-lib @ git+https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.example.com/team/private-lib.git@v1.2',
        'weights-tool @ https://dl.example.com/weights_tool-1.0-py3-none-any.whl?token=${DL_TOKEN}',
        'other-lib @ git+https://oauth2:glpat-LITERALSECRET@gitlab.example.com/team/other-lib.git',
        '',
      ].join('\n'),
    });
    const r = seam(['convert'], root, { CI_JOB_TOKEN: 'EXPANDED-CI-SECRET', DL_TOKEN: 'EXPANDED-DL-SECRET' });
    assert.equal(r.code, 0, r.all);
    const pyproject = read(root, 'pyproject.toml');
    assert.match(pyproject, /gitlab-ci-token:\$\{CI_JOB_TOKEN\}@gitlab\.example\.com/);
    assert.match(pyproject, /\?token=\$\{DL_TOKEN\}/);
    assert.match(pyproject, /other-lib @ git\+https:\/\/oauth2@gitlab\.example\.com/);
    for (const f of ['pyproject.toml', 'seam-plan.txt', 'flake.nix', 'seam.toml'])
      assert.doesNotMatch(read(root, f), /EXPANDED-|glpat-LITERALSECRET/, f);
    assert.doesNotMatch(r.all, /EXPANDED-|glpat-LITERALSECRET/);
    assert.match(read(root, 'seam-plan.txt'), /oauth2:\*\*\*\*@/);
    assert.doesNotMatch(seam(['inspect'], root).all + seam(['plan'], root).all, /glpat-LITERALSECRET/);
  });

  it('masks and strips credentials in any URL, leaving ${VAR} references', () => {
    assert.equal(
      maskCredentials('see https://u:p4ss@h/x and https://${U}:${P}@h/y?token=abc&x=1'),
      'see https://u:****@h/x and https://${U}:${P}@h/y?token=****&x=1',
    );
    assert.equal(maskCredentials('git+https://ghp_abc@github.com/a/b'), 'git+https://****@github.com/a/b');
    assert.deepEqual(stripCredentials('https://user:pw@h/p.whl'), { url: 'https://user@h/p.whl', stripped: true });
    assert.deepEqual(stripCredentials('git+https://git@github.com/a/b'), { url: 'git+https://git@github.com/a/b', stripped: false });
    assert.deepEqual(stripCredentials('https://h/p.whl?token=${T}'), { url: 'https://h/p.whl?token=${T}', stripped: false });
  });

  it('folders where Seam writes files are a message, never a trace', () => {
    for (const name of ['seam.toml', 'flake.nix', '.gitignore', 'seam-plan.txt']) {
      const root = tree({ 'requirements.txt': 'rich\n', [`${name}/inner.txt`]: 'x\n' });
      const before = snapshot(root);
      const r = seam(['convert'], root);
      assert.equal(r.code, 1, `${name}: ${r.all}`);
      noTrace(r.all);
      assert.match(r.err, new RegExp(`${name.replace('.', '\\.')}.*(a folder has this name|is a folder)`), r.err);
      assert.equal(snapshot(root), before, name);
    }
  });

  it('pathological YAML: a 4 KB environment.yml nested 2000 levels is a message with the limit, in inspect, plan --json and convert', () => {
    const root = tree({
      'environment.yml': `dependencies:\n  - a${': '.repeat(2000)}b\n`,
      'env-flow.yml': `dependencies: ${'['.repeat(3000)}${']'.repeat(3000)}\n`,
    });
    for (const args of [['inspect'], ['convert']]) {
      const r = seam(args, root);
      noTrace(r.all);
      assert.match(r.all, /nested 2002 levels deep here; Seam reads conda files nested up to 64 levels/);
    }
    const plan = seam(['plan', '--json'], root);
    assert.ok(JSON.parse(plan.out).problems.filter((p: any) => p.code === 'yaml/too-deep').length === 2);
  });

  it('control characters from a manifest are shown, not obeyed, on a terminal', () => {
    const root = tree({ 'requirements.txt': 'rich\n\u001b]0;PWNED\u0007bad\u001b[2J line >==\n' });
    const r = seam(['inspect'], root);
    assert.ok(
      ![...r.all].some((c) => (c < ' ' && c !== '\n' && c !== '\t') || c === '\u007f'),
      'no raw control character reaches the terminal',
    );
    assert.match(r.all, /\\x1b\]0;PWNED\\x07/);
    assert.equal(forTerminal('a\u001bb\uFDD0[31mred\uFDD0[0m\n'), 'a\\x1bb\u001b[31mred\u001b[0m\n');
  });

  it('deep trees are walked far down, and where the walk stops is said', () => {
    const deep = `${Array.from({ length: 20 }, (_, i) => `d${i}`).join('/')}/requirements.txt`;
    const root = tree({ [deep]: 'rich\n', 'requirements.txt': 'httpx\n' });
    const plan = JSON.parse(seam(['plan', '--json'], root).out);
    assert.ok(
      plan.packages.some((p: any) => p.name === 'rich'),
      'a manifest 20 folders down is read',
    );
    const deeper = tree({
      [`${Array.from({ length: 40 }, (_, i) => `d${i}`).join('/')}/requirements.txt`]: 'rich\n',
      'requirements.txt': 'httpx\n',
    });
    const limited = JSON.parse(seam(['plan', '--json'], deeper).out);
    assert.ok(limited.problems.some((p: any) => p.code === 'project/search-limit' && /more than 32 levels deep/.test(p.message)));
  });

  it('never writes outside the project when converting: the parent folder is unchanged', () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-parent-'));
    const root = path.join(parent, 'p');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'requirements.txt'), 'rich\n');
    const before = fs.readdirSync(parent);
    assert.equal(seam(['convert'], root).code, 0);
    assert.deepEqual(fs.readdirSync(parent), before);
  });
});
