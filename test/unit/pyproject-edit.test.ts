import * as assert from 'node:assert/strict';
import { getStaticTOMLValue, parseTOML } from 'toml-eslint-parser';
import { withUvConstraints } from '../../src/core/generate/pyprojectEdit';

const c = (constraints: string[]) => ({ constraints, exclude: constraints.map((x) => x.replace(/[=<>].*/, '')) });

const value = (t: string) => getStaticTOMLValue(parseTOML(t)) as any;

describe("seam convert --update-pyproject (the one edit to a team's pyproject.toml)", () => {
  const base =
    '[project]\nname = "nanochat"\ndependencies = ["torch==2.9.1"]\n\n[tool.uv]\ndefault-groups = []\n\n[[tool.uv.index]]\nname = "pytorch-cpu"\nurl = "https://download.pytorch.org/whl/cpu"\n';
  it('adds a marked constraint block inside [tool.uv], keeping every other byte', () => {
    const out = withUvConstraints(base, c(['torch==2.2.1', 'numpy==2.3.3']));
    assert.deepEqual(value(out).tool.uv['constraint-dependencies'], ['torch==2.2.1', 'numpy==2.3.3']);
    assert.deepEqual(value(out).tool.uv['exclude-dependencies'], ['torch', 'numpy'], 'and no uv command may install them');
    assert.deepEqual(value(out).tool.uv.index, value(base).tool.uv.index);
    const removed = out.replace(/# >>> seam[\s\S]*?# <<< seam\n/, '');
    assert.equal(removed, base);
  });
  it('re-running replaces only its block (idempotent, and follows new versions)', () => {
    const once = withUvConstraints(base, c(['torch==2.2.1']));
    assert.equal(withUvConstraints(once, c(['torch==2.2.1'])), once);
    const updated = withUvConstraints(once, c(['torch==2.5.1']));
    assert.deepEqual(value(updated).tool.uv['constraint-dependencies'], ['torch==2.5.1']);
    assert.equal((updated.match(/# >>> seam/g) ?? []).length, 1);
  });
  it('adds [tool.uv] when there is none, and keeps CRLF files CRLF', () => {
    const out = withUvConstraints('[project]\r\nname = "x"\r\n', c(['torch==2.2.1']));
    assert.ok(!/[^\r]\n/.test(out), 'every line ends in CRLF');
    assert.deepEqual(value(out).tool.uv['constraint-dependencies'], ['torch==2.2.1']);
  });
  it('never merges a constraint list the team wrote, and refuses what it cannot edit safely, saying where', () => {
    assert.throws(
      () => withUvConstraints('[tool.uv]\nconstraint-dependencies = ["x<2"]\n', c(['torch==2.2.1'])),
      (e: Error & { line?: number }) => /does not merge lists it did not write/.test(e.message) && e.line === 2,
    );
    assert.throws(
      () => withUvConstraints('[tool.uv]\npackage = false\nexclude-dependencies = ["x"]\n', c(['torch==2.2.1'])),
      (e: Error & { line?: number }) => /exclude-dependencies; add the lines/.test(e.message) && e.line === 3,
    );
    assert.throws(() => withUvConstraints('tool.uv.package = false\n', c(['torch==2.2.1'])), /dotted keys or inline tables/);
    assert.throws(() => withUvConstraints('[project\n', c(['torch==2.2.1'])), /TOML/);
  });
  it('finds [tool.uv] and its own block with the TOML parser: a multi-line string holding them is never edited', () => {
    const tricky =
      '[project]\nname = "x"\ndescription = """\nConfigure with\n[tool.uv]\n# >>> seam: Nix pins these (seam convert --update-pyproject rewrites this block)\n"""\n\n[tool.uv]\npackage = false\n';
    const out = withUvConstraints(tricky, c(['torch==2.2.1']));
    assert.equal(value(out).project.description, value(tricky).project.description);
    assert.deepEqual(value(out).tool.uv['constraint-dependencies'], ['torch==2.2.1']);
    assert.equal(withUvConstraints(out, c(['torch==2.2.1'])), out, 'and a re-run finds its block, not the text in the string');
    const noTable = '[project]\nname = "x"\nreadme = """\n[tool.uv]\n"""\n';
    assert.equal(value(withUvConstraints(noTable, c(['a==1']))).project.readme, value(noTable).project.readme);
  });
});
