/**
 * A working copy of test/fixtures/nixpkgs-seam-stub (the offline stand-in for nixpkgs) with the
 * two files it reads: host.nix (the host's python3, which every python3XX stands in for) and
 * facts.nix (the python package set and top-level attributes from Seam's bundled knowledge, so
 * the stand-in fails on an attribute Seam's knowledge does not have, as nixpkgs would).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemAttrs } from '../../src/core/generate/flake';
import bundled from '../../src/core/knowledge/data/knowledge.json';
import { nixString } from '../../src/core/text/escape';
import { FIXTURES } from '../helpers';

export function hostPython(): { executable: string; version: string } | null {
  try {
    const out = execFileSync('python3', ['-c', 'import sys; print(sys.executable); print("%d.%d" % sys.version_info[:2])'], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
    return { executable: out[0], version: out[1] };
  } catch {
    return null;
  }
}

export function makeSeamStub(): string {
  const py = hostPython();
  if (!py) throw new Error('python3 is needed for the nixpkgs stand-in');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-nixpkgs-stub-'));
  for (const f of ['flake.nix', 'default.nix']) fs.copyFileSync(path.join(FIXTURES, 'nixpkgs-seam-stub', f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'host.nix'), `{ python = ${nixString(py.executable)}; version = ${nixString(py.version)}; }\n`);
  const python = new Map<string, { pypi: string; version: string | null }>();
  for (const attr of bundled.python.attrs) python.set(attr, { pypi: attr, version: null });
  for (const [pypi, p] of Object.entries(bundled.python.packages as Record<string, { attr: string; version: string | null }>))
    python.set(p.attr, { pypi, version: p.version });
  const top = new Set<string>();
  const cuda = new Set<string>();
  for (const c of Object.values(bundled.conda as Record<string, { nixTopLevel?: string; nixPython?: string; pypi?: string }>)) {
    if (c.nixPython && !python.has(c.nixPython)) python.set(c.nixPython, { pypi: c.pypi ?? c.nixPython, version: null });
    for (const a of systemAttrs(c.nixTopLevel ?? '')) {
      if (a.startsWith('cudaPackages.')) cuda.add(a.slice('cudaPackages.'.length));
      else if (!a.includes('.')) top.add(a);
    }
  }
  const attrs = [...python]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(
      ([attr, p]) =>
        `    ${nixString(attr)} = { pypi = ${nixString(p.pypi)}; version = ${p.version === null ? 'null' : nixString(p.version)}; };`,
    );
  fs.writeFileSync(
    path.join(dir, 'facts.nix'),
    [
      '{',
      '  python = {',
      ...attrs,
      '  };',
      `  top = [ ${[...top].sort().map(nixString).join(' ')} ];`,
      `  cudaSets = [ ${bundled.cuda.sets.map(nixString).join(' ')} ];`,
      `  cudaDefault = ${nixString(bundled.cuda.default)};`,
      `  cudaPackages = [ ${[...cuda].sort().map(nixString).join(' ')} ];`,
      '}',
      '',
    ].join('\n'),
  );
  return dir;
}
