/** What nix said, classified with the fix: on the wordings nix versions really print. */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { flakeCaches, untrustedCaches } from '../../src/core/env/caches';
import { inGitRepository, stageGenerated } from '../../src/core/env/git';
import { classifyNixError } from '../../src/core/env/resolve';
import { pathsToStage } from '../../src/core/generate/convert';
import { tree, which } from '../helpers';

describe('classifying nix errors', () => {
  it('an untracked file, in the wording of nix 2.8, of later 2.x, and of 2.20 and newer', () => {
    const wordings = [
      // nix 2.8 (Debian's nix-bin), recorded in a git repo whose flake.nix was not added.
      "warning: Git tree '/home/u/proj' is dirty\nerror: getting status of '/nix/store/0a9w1zrsbq8qlh6y0ws2k7nysn3ij6zy-source/flake.nix': No such file or directory",
      "error: path '/nix/store/0a9w1zrsbq8qlh6y0ws2k7nysn3ij6zy-source/flake.nix' does not exist",
      'error: Path \'flake.nix\' in the repository "/home/u/proj" is not tracked by Git.',
    ];
    for (const w of wordings) {
      const c = classifyNixError(w, 'cpu');
      assert.equal(c.kind, 'untracked', w);
      assert.match(c.message, /^flake\.nix is not tracked by git/);
      assert.match(c.fix, /stage the files Seam generated/);
    }
    // A missing file elsewhere is not "untracked".
    assert.equal(classifyNixError("error: getting status of '/home/u/x': No such file or directory", 'cpu').kind, 'eval');
  });

  it("names the package and nixpkgs' reason for an evaluation error (check-meta's wording)", () => {
    const broken =
      'error: Package ‘python3.13-torch-2.9.1’ in /nix/store/abc-source/pkgs/top-level/python-packages.nix:44 is marked as broken, refusing to evaluate.\n\na) To temporarily allow broken packages…';
    const c = classifyNixError(broken, 'cuda');
    assert.equal(c.kind, 'eval');
    assert.equal(c.message, 'the cuda shell cannot be built here: python3.13-torch-2.9.1 is marked as broken');
    const unfree = classifyNixError(
      'error: Package ‘cuda_cudart-12.8.90’ in /nix/store/x-source/pkgs/cuda/default.nix:12 has an unfree license (‘cuda’), refusing to evaluate.',
      'cpu',
    );
    assert.match(unfree.message, /cuda_cudart-12\.8\.90 has an unfree license \(‘cuda’\)/);
    assert.equal(
      classifyNixError("error: unable to download 'https://api.github.com/x': Couldn't resolve host name (6)", 'cpu').kind,
      'download',
    );
  });
});

describe('staging what Seam generated', () => {
  it('git add of exactly the generated paths (never a file of the user that Seam edited), nothing outside git', async function () {
    if (!which('git')) this.skip();
    // path, what convert did, and how Seam writes it.
    const table = [
      ['flake.nix', 'create', 'generated'],
      ['flake.lock', 'keep', 'once'],
      ['seam.toml', 'keep', 'once'],
      ['pyproject.toml', 'replace', 'edit'],
      ['.gitignore', 'replace', 'block'],
      ['seam-plan.txt', 'unchanged', 'generated'],
    ] as const;
    const paths = pathsToStage(
      table.map(([path, , mode]) => ({ path, mode, content: '' })),
      table.map(([path, action]) => ({ path, action, before: null, after: '', backup: false })),
    );
    assert.deepEqual(paths, ['flake.nix', 'flake.lock', 'seam-plan.txt'], "the team's pyproject.toml and .gitignore are theirs to stage");
    const repo = tree({ 'flake.nix': '{}', 'flake.lock': '{}', 'seam-plan.txt': 'x', 'pyproject.toml': 'mine', 'notes.txt': 'mine' });
    execFileSync('git', ['init', '-q'], { cwd: repo });
    assert.ok(inGitRepository(repo));
    assert.deepEqual(await stageGenerated(repo, paths), { staged: ['flake.lock', 'flake.nix', 'seam-plan.txt'] });
    const status = execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' });
    assert.match(status, /^A {2}flake\.nix$/m);
    assert.match(status, /^\?\? notes\.txt$/m, 'nothing else is staged');
    assert.match(status, /^\?\? pyproject\.toml$/m);
    // No commit: HEAD still does not exist.
    assert.throws(() => execFileSync('git', ['rev-parse', '--verify', '-q', 'HEAD'], { cwd: repo, stdio: 'ignore' }), 'no commit');
  });
  it('outside a git repository it says so and does nothing', async () => {
    const dir = tree({ 'flake.nix': '{}' });
    if (inGitRepository(dir)) return; // a temp folder inside a repository: nothing to show
    assert.deepEqual(await stageGenerated(dir, ['flake.nix']), { skipped: 'not a git repository' });
  });
});

describe("the flake's binary caches", () => {
  it('reads the caches and keys a generated flake names, and what nix ignored for an untrusted user', () => {
    const flake = [
      '{',
      '  nixConfig = {',
      '    extra-substituters = [',
      '      "https://cache.nixos-cuda.org"',
      '      "https://cache.flox.dev"',
      '    ];',
      '    extra-trusted-public-keys = [',
      '      "cache.nixos-cuda.org:74DUi4Ye579gUqzH4ziL9IyiJBlDpMRn9MBN8oNan9M="',
      '      "flox-cache-public-1:7F4OyH7ZCnFhcze3fJdfyXYLQw/aV7GEed86nQ7IsOs="',
      '    ];',
      '  };',
      '  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";',
      '}',
    ].join('\n');
    assert.deepEqual(flakeCaches(flake), [
      { url: 'https://cache.nixos-cuda.org', publicKey: 'cache.nixos-cuda.org:74DUi4Ye579gUqzH4ziL9IyiJBlDpMRn9MBN8oNan9M=' },
      { url: 'https://cache.flox.dev', publicKey: 'flox-cache-public-1:7F4OyH7ZCnFhcze3fJdfyXYLQw/aV7GEed86nQ7IsOs=' },
    ]);
    assert.deepEqual(flakeCaches('{ outputs = _: { }; }'), [], 'a cpu-only flake names none');
    assert.deepEqual(
      untrustedCaches(
        "warning: ignoring untrusted flake configuration setting 'extra-substituters'\nwarning: ignoring untrusted substituter 'https://cache.flox.dev'\n",
      ),
      ['extra-substituters', 'https://cache.flox.dev'],
    );
  });
});
