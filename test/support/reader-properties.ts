/**
 * The reader properties, run by property.test.ts inside a worker with a hard deadline
 * (support/bounded.ts): random and mutated manifests thrown at every reader.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { readManifest } from '../../src/core/manifests/index';
import { ROOT, tree } from '../helpers';

export const SEEDS: Record<string, string> = {
  'requirements.txt':
    '-r base.txt\n-c constraints.txt\n--index-url https://x.org/simple\ntorch==2.1.0+cu118 \\\n  --hash=sha256:ab\njax[cuda12]>=0.4; sys_platform == "linux"\n-e git+https://g.com/o/r.git@v1#egg=r\n./local\nname @ https://x.org/p.whl ; python_version >= "3.8"\n${HOME}\n',
  'environment.yml': fs.readFileSync(path.join(ROOT, 'examples/ml-project/environment.yml'), 'utf8'),
  'pyproject.toml':
    '[project]\nname = "p"\nrequires-python = ">=3.10"\ndependencies = ["torch>=2", "numpy<2; python_version<\'3.12\'"]\n[project.optional-dependencies]\nall = ["p[gpu]"]\ngpu = ["cupy"]\n[dependency-groups]\ndev = [{include-group = "test"}]\ntest = ["pytest"]\n[tool.poetry.dependencies]\nx = { version = "^1.2", python = "^3.9" }\n[tool.uv.sources]\nx = { git = "https://g.com/x" }\n',
  Pipfile:
    '[[source]]\nurl = "https://pypi.org/simple"\n[packages]\nrequests = "*"\nt = {version = ">=2", index = "p", sys_platform = "== \'linux\'"}\n[requires]\npython_version = "3.11"\n',
  'setup.cfg':
    '[metadata]\nname = n\n[options]\ninstall_requires =\n    numpy>=1\n    scipy; python_version >= "3.9"\n[options.extras_require]\ngpu = cupy\n',
  'setup.py':
    'A = ["numpy", "scipy>=1"]\nB = A + ["x"]\nsetup(name="n", install_requires=B, extras_require={"g": ["c"], "l:sys_platform==\'linux\'": A}, python_requires=">=3.8")\n',
};
const NASTY = [
  '\n',
  '\r\n',
  '\r',
  '\\',
  '\\\n',
  '"',
  "'",
  '[',
  ']',
  '{',
  '}',
  '(',
  ')',
  ',',
  ';',
  ':',
  '::',
  '=',
  '==',
  '>==',
  '#',
  ' #',
  '-r ',
  '-e ',
  '-c ',
  '${',
  '}',
  '@',
  ' @ ',
  '\t',
  '\u0000',
  '\ufeff',
  '\u202e',
  'é',
  '- ',
  '  - ',
  '&a ',
  '*a',
  '!!python/object ',
  '---\n',
  '"""',
  '+',
  '*',
  '.*',
  '~',
  '^',
  '||',
  'include-group',
  'pip:',
  '..',
  '/',
  '%',
  '\\u0000',
];

/** A seed text changed by random insertions, deletions and replacements of troublesome pieces. */
const mutated = (seed: string) =>
  fc
    .array(
      fc.tuple(
        fc.nat(),
        fc.integer({ min: 0, max: 2 }),
        fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 4 })),
      ),
      { maxLength: 12 },
    )
    .map((edits) => {
      let text = seed;
      for (const [pos, op, piece] of edits) {
        const at = pos % (text.length + 1);
        text =
          op === 0
            ? text.slice(0, at) + piece + text.slice(at)
            : op === 1
              ? text.slice(0, at) + text.slice(at + piece.length + 1)
              : text.slice(0, at) + piece + text.slice(at + piece.length);
      }
      return text;
    });

function checkModel(file: string, content: string | Uint8Array, dir: string): void {
  fs.writeFileSync(path.join(dir, file), content);
  const m = readManifest(path.join(dir, file));
  assert.ok(Array.isArray(m.requirements) && Array.isArray(m.problems));
  for (const p of m.problems) {
    assert.ok(p.line >= 1 && p.column >= 1, `bad position ${JSON.stringify(p)}`);
    assert.ok(typeof p.message === 'string' && p.message.length > 0);
  }
  for (const r of m.requirements) assert.ok(r.source.line >= 1 && r.source.column >= 1, `bad source ${JSON.stringify(r.source)}`);
  JSON.stringify(m); // The model is plain data.
}

const fixtureDir = () => tree({ 'base.txt': 'numpy\n-r requirements.txt\n', 'constraints.txt': 'numpy<2\n' });

/** Realistic files with random insertions, deletions and replacements of troublesome pieces. */
export function mutatedFiles(file: string, numRuns: number): void {
  const dir = fixtureDir();
  fc.assert(
    fc.property(mutated(SEEDS[file]), (text) => checkModel(file, text, dir)),
    { numRuns, seed: 42 },
  );
}

/** Random text and random bytes. */
export function randomFiles(file: string, numRuns: number): void {
  const dir = fixtureDir();
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.uint8Array({ maxLength: 400 })), (content) => checkModel(file, content, dir)),
    { numRuns, seed: 7 },
  );
}

/** Long runs and deep nesting that make naive regexes and recursion blow up. */
export function pathologicalFiles(): void {
  const dir = fixtureDir();
  const n = 200_000;
  const inputs: [string, string][] = [
    ['requirements.txt', `${' '.repeat(n)}x\n`],
    ['requirements.txt', `a${'['.repeat(n)}\n`],
    ['requirements.txt', `${'a-'.repeat(n)}\n`],
    ['requirements.txt', `x ; python_version == "${' '.repeat(n)}y"\n`],
    ['requirements.txt', `${'\\\n'.repeat(n / 10)}x\n`],
    ['requirements.txt', `./${'a['.repeat(n / 2)}]\n`],
    ['requirements.txt', 'x==1\n'.repeat(n / 5)],
    ['environment.yml', `dependencies:\n  - a${'['.repeat(n)}]\n`],
    ['environment.yml', `dependencies:\n${'  - [\n'.repeat(2000)}`],
    ['pyproject.toml', `[project]\ndependencies = [${'['.repeat(5000)}`],
    ['setup.cfg', `[options]\ninstall_requires = a${' '.repeat(n)}b\n`],
    [
      'setup.py',
      `${Array.from({ length: 40 }, (_, i) => `A${i + 1} = [A${i}, A${i}]`).join('\n')}\nA0 = ["x"]\nsetup(install_requires=A40)\n`,
    ],
    ['setup.py', `setup(install_requires=${'['.repeat(5000)})\n`],
  ];
  for (const [file, text] of inputs) checkModel(file, text, dir);
}
