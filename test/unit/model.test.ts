import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeamError } from '../../src/core/errors';
import { evaluateMarker, parseRequirement } from '../../src/core/index';
import { linuxEnvironment } from '../../src/core/model/markers';
import { isValidName, normalizeName } from '../../src/core/model/names';
import { compareVersions, parseSpecifier, specifierContains } from '../../src/core/model/versions';
import { FIXTURES } from '../helpers';

/** Answers recorded from Python's packaging by scripts/packaging-oracle.py. */
const oracle = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'oracle', 'packaging.json'), 'utf8'));
const BASE_ENV = {
  python_version: '3.12',
  python_full_version: '3.12.4',
  sys_platform: 'linux',
  platform_machine: 'x86_64',
  os_name: 'posix',
  platform_system: 'Linux',
  platform_release: '6.1.0',
  platform_version: '#1 SMP',
  implementation_name: 'cpython',
  implementation_version: '3.12.4',
  platform_python_implementation: 'CPython',
};

describe(`model agrees with packaging ${oracle.packaging}`, () => {
  it('orders every pair of versions as packaging does', () => {
    assert.ok(oracle.compare.length > 200);
    for (const [a, b, expected] of oracle.compare) assert.equal(compareVersions(a, b), expected, `${a} vs ${b}`);
  });

  it('answers specifier containment as packaging does, for default, prereleases=True and prereleases=False', () => {
    for (const c of oracle.contains) {
      assert.equal(specifierContains(c.spec, c.version), c.default, `${c.spec} ∋ ${c.version}`);
      assert.equal(specifierContains(c.spec, c.version, { prereleases: true }), c.pre, `${c.spec} ∋ ${c.version} (pre)`);
      assert.equal(specifierContains(c.spec, c.version, { prereleases: false }), c.nopre, `${c.spec} ∋ ${c.version} (no pre)`);
    }
  });

  it('rejects the specifiers packaging rejects', () => {
    for (const s of oracle.badSpecs) assert.throws(() => parseSpecifier(s.spec), SeamError, s.spec);
  });

  it('parses requirements to the same name, extras, specifier, URL and marker', () => {
    const sorted = (s: string) => s.split(',').filter(Boolean).sort().join(',');
    for (const r of oracle.requirements.filter((x: { ok: boolean }) => x.ok)) {
      const got = parseRequirement(r.text);
      assert.deepEqual(
        { ...got, specifier: sorted(got.specifier) },
        { name: r.name, extras: r.extras, specifier: r.specifier, url: r.url, marker: r.marker },
        r.text,
      );
    }
  });

  it('rejects every requirement packaging rejects, with a column', () => {
    for (const r of oracle.requirements.filter((x: { ok: boolean }) => !x.ok)) {
      assert.throws(
        () => parseRequirement(r.text),
        (e: unknown) => e instanceof SeamError && typeof e.column === 'number' && e.column >= 1,
        r.text,
      );
    }
  });

  it('evaluates markers as packaging does, in metadata and lock-file contexts', () => {
    for (const m of oracle.markers) assert.equal(evaluateMarker(m.marker, { ...BASE_ENV, ...m.env }, m.context), m.result, m.marker);
  });

  it('normalizes names as PEP 503 says', () => {
    for (const [input, expected] of oracle.normalize) assert.equal(normalizeName(input), expected);
  });
});

describe('requirement errors name what is wrong and where', () => {
  const cases: [string, RegExp, number][] = [
    ['numpy>==1.0', /invalid operator '>==' \(did you mean '>='\?\)/, 6],
    ['numpy=>1.0', /invalid operator '=>' \(did you mean '>='\?\)/, 6],
    ['numpy=1.0', /'=' is not a pip operator: use '=='/, 6],
    ['numpy>=1.0 pandas', /several requirements on one line/, 12],
    ['numpy pandas', /several requirements on one line.*'pandas'/, 7],
    ['torch>=2.0+cu118', /local version .* only allowed with == and !=/, 6],
    ['pkg~=1', /'~=' needs at least two release numbers/, 4],
    ['pkg; python_verison < "3"', /unknown marker variable 'python_verison'/, 6],
    ['pkg[a,', /expected ']' to close the extras/, 4],
    ['pkg (>=1', /expected '\)' to close the '\('/, 9],
    ["pkg @ http://x.org/p.zip; extra == 'a'", /a space is needed between the URL and ';'/, 25],
    ['pkg @ ./local', /'\.\/local' is not a URL/, 7],
    ['pkg; python_version < "3', /unterminated string/, 23],
  ];
  for (const [text, message, column] of cases) {
    it(text, () => {
      try {
        parseRequirement(text);
        assert.fail('accepted');
      } catch (e) {
        assert.ok(e instanceof SeamError);
        assert.match(e.message, message);
        assert.equal(e.column, column, e.message);
      }
    });
  }
});

describe('versions and markers beyond the oracle', () => {
  it('matches local versions: ==2.1.0 takes any local label, ==2.1.0+cu118 only its own', () => {
    assert.equal(specifierContains('==2.1.0', '2.1.0+cu118'), true);
    assert.equal(specifierContains('==2.1.0+cu118', '2.1.0+cu118'), true);
    assert.equal(specifierContains('==2.1.0+cu118', '2.1.0+cu121'), false);
    assert.equal(specifierContains('!=2.1.0+cu118', '2.1.0+cu121'), true);
  });

  it('matches wildcards: ==0.21.* takes 0.21.3, not 0.22', () => {
    assert.equal(specifierContains('==0.21.*', '0.21.3'), true);
    assert.equal(specifierContains('==0.21.*', '0.22.0'), false);
  });

  it('treats a lone pre-release as packaging does: accepted by default, refused with prereleases false', () => {
    assert.equal(specifierContains('>=1.0a1', '1.0a2'), true);
    assert.equal(specifierContains('>=1.0', '2.0b1'), true);
    assert.equal(specifierContains('>=1.0', '2.0b1', { prereleases: false }), false);
  });

  it('evaluates set-valued extras and dependency_groups of lock files, normalized (PEP 685)', () => {
    const env = { ...linuxEnvironment('3.12'), extras: ['Cu_128'], dependency_groups: ['Dev'] };
    assert.equal(evaluateMarker("'cu-128' in extras and 'dev' in dependency_groups", env, 'lock_file'), true);
    assert.equal(evaluateMarker("'cpu' in extras", env, 'lock_file'), false);
    assert.equal(evaluateMarker("'cpu' not in extras", { ...linuxEnvironment() }, 'lock_file'), true);
  });

  it('compares non-version marker strings: < and > are false, <= and >= mean equal', () => {
    const env = linuxEnvironment();
    assert.equal(evaluateMarker("sys_platform < 'zzz'", env), false);
    assert.equal(evaluateMarker("sys_platform >= 'linux'", env), true);
    assert.equal(evaluateMarker("sys_platform > 'a'", env), false);
  });

  it('names a missing environment variable', () => {
    assert.throws(() => evaluateMarker("platform_machine == 'x86_64'", { python_version: '3.12' }), /platform_machine.*not set/);
  });

  it('accepts legacy marker names (os.name, sys.platform)', () => {
    assert.equal(evaluateMarker("os.name == 'posix' and sys.platform == 'linux'", linuxEnvironment()), true);
  });

  it('linuxEnvironment fills every PEP 508 variable', () => {
    const env = linuxEnvironment('3.11.9', 'aarch64');
    assert.equal(env.python_version, '3.11');
    assert.equal(env.python_full_version, '3.11.9');
    assert.equal(env.platform_machine, 'aarch64');
  });

  it('checks names as the core metadata spec does', () => {
    assert.equal(isValidName('scikit-learn'), true);
    assert.equal(isValidName('_private'), false);
    assert.equal(isValidName('a'), true);
    assert.equal(isValidName('trailing-'), false);
  });

  it('refuses invalid versions in compareVersions', () => {
    assert.throws(() => compareVersions('not a version', '1.0'), SeamError);
  });
});
