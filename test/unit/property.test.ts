/**
 * Property-based tests: random and mutated manifests thrown at every reader. Whatever the input,
 * a reader returns a model (problems included) and never throws; the string parsers throw only
 * SeamError. Each reader property runs in a worker with a hard deadline, so a reader that loops
 * fails its test (naming the input) instead of hanging the run.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import fc from 'fast-check';
import { SeamError } from '../../src/core/errors';
import { evaluateMarker, parseRequirement } from '../../src/core/index';
import { parseCondaSpec } from '../../src/core/manifests/conda';
import { poetryToPep440 } from '../../src/core/manifests/poetry';
import { linuxEnvironment } from '../../src/core/model/markers';
import { parseSpecifier, specifierContains } from '../../src/core/model/versions';
import { runBounded } from '../support/bounded';
import { SEEDS } from '../support/reader-properties';

const PROPERTIES = path.join(__dirname, '..', 'support', 'reader-properties.ts');
/** Far above what any of these takes (about a second); reached only by a loop or a blow-up. */
const DEADLINE_MS = 60_000;

describe('property: readers never throw and always locate their problems', function () {
  this.timeout(DEADLINE_MS + 10_000);
  for (const file of Object.keys(SEEDS)) {
    it(`${file}: mutated realistic files`, () => runBounded(PROPERTIES, 'mutatedFiles', [file, 300], DEADLINE_MS));
    it(`${file}: random text and bytes`, () => runBounded(PROPERTIES, 'randomFiles', [file, 200], DEADLINE_MS));
  }
  it('pathological long inputs (long runs, deep nesting) are read in bounded time', () =>
    runBounded(PROPERTIES, 'pathologicalFiles', [], DEADLINE_MS));

  it('the deadline is real: a looping function fails its test instead of hanging', async () => {
    await assert.rejects(runBounded(path.join(__dirname, '..', 'support', 'spin.ts'), 'spin', [], 1500), /did not finish within 1500 ms/);
  });
});

describe('property: string parsers throw only SeamError', function () {
  this.timeout(60_000);
  const anyText = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.stringMatching(/^[a-z][a-z0-9_.-]{0,8}( ?[<>=!~]{1,3} ?[0-9a-z.*+]{0,6},?){0,3}( ?; ?[a-z_]+ ?[<>=!]{1,2} ?['"][^'"]{0,5}['"])?$/),
  );
  const onlySeam = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof SeamError)) throw e;
      assert.ok(e.column === undefined || e.column >= 1);
    }
  };
  it('parseRequirement', () =>
    fc.assert(
      fc.property(anyText, (t) => onlySeam(() => parseRequirement(t))),
      { numRuns: 3000, seed: 1 },
    ));
  it('parseSpecifier and specifierContains', () =>
    fc.assert(
      fc.property(anyText, fc.string({ maxLength: 10 }), (s, v) =>
        onlySeam(() => {
          parseSpecifier(s);
          specifierContains(s, v);
        }),
      ),
      { numRuns: 3000, seed: 2 },
    ));
  it('evaluateMarker', () =>
    fc.assert(
      fc.property(anyText, (t) => onlySeam(() => evaluateMarker(t, linuxEnvironment()))),
      { numRuns: 3000, seed: 3 },
    ));
  it('parseCondaSpec', () =>
    fc.assert(
      fc.property(anyText, (t) => onlySeam(() => parseCondaSpec(t))),
      { numRuns: 3000, seed: 4 },
    ));
  it('poetryToPep440', () =>
    fc.assert(
      fc.property(anyText, (t) => onlySeam(() => poetryToPep440(t))),
      { numRuns: 3000, seed: 5 },
    ));

  it('a valid requirement survives a round trip through its canonical parts', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}[a-z0-9]$/);
    const version = fc.tuple(fc.nat(30), fc.nat(30), fc.nat(30)).map((v) => v.join('.'));
    const op = fc.constantFrom('==', '>=', '<=', '<', '>', '!=', '~=');
    fc.assert(
      fc.property(name, fc.array(fc.tuple(op, version), { maxLength: 3 }), fc.array(name, { maxLength: 2 }), (n, clauses, extras) => {
        const text = `${n}${extras.length ? `[${extras.join(',')}]` : ''}${clauses.map(([o, v]) => `${o}${v}`).join(',')}`;
        const r = parseRequirement(text);
        const again = parseRequirement(`${r.name}${r.extras.length ? `[${r.extras.join(',')}]` : ''}${r.specifier}`);
        assert.deepEqual(again, r);
      }),
      { numRuns: 1000, seed: 6 },
    );
  });
});
