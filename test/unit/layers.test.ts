/**
 * The layers of the code (README, Development): lower layers never import higher ones. In the
 * core: text and errors at the bottom, then model, manifests, knowledge, plan, config/check/env,
 * generate, and the project snapshot on top; `src/core` never imports `vscode` or the faces; the
 * language server never imports the extension or the CLI.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../helpers';

const SRC = path.join(ROOT, 'src');

/** The layer of a source file (relative to src/, without extension); higher numbers sit above. */
function layer(rel: string): number {
  const [top, sub] = rel.split('/');
  if (top === 'core') {
    const core: Record<string, number> = {
      errors: 0,
      version: 0,
      protocol: 0,
      text: 0,
      model: 1,
      manifests: 2,
      knowledge: 3,
      plan: 4,
      config: 5,
      check: 5,
      env: 5,
      generate: 6,
      project: 7,
      index: 8,
    };
    const n = core[sub];
    assert.ok(n !== undefined, `src/core/${sub} has no layer: add it to this test and to README's Development section`);
    return n;
  }
  return { server: 10, cli: 11, extension: 11 }[top] ?? 12;
}

function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*)'([^']+)'/g)) out.push(m[1]);
  return out;
}

const files = (fs.readdirSync(SRC, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.split(path.sep).join('/'));

describe('layers', () => {
  it('no module imports from a layer above its own', () => {
    const bad: string[] = [];
    for (const rel of files) {
      const from = layer(rel.replace(/\.ts$/, ''));
      for (const spec of imports(path.join(SRC, rel))) {
        if (!spec.startsWith('.')) continue;
        const target = path
          .relative(SRC, path.resolve(path.dirname(path.join(SRC, rel)), spec))
          .split(path.sep)
          .join('/');
        if (target.startsWith('..')) continue; // package.json and the like
        const to = layer(target);
        // The server and the CLI are separate faces: the CLI may start the server (`seam lsp`), nothing else crosses.
        const crossFace =
          ['server', 'cli', 'extension'].includes(rel.split('/')[0]) &&
          ['server', 'cli', 'extension'].includes(target.split('/')[0]) &&
          rel.split('/')[0] !== target.split('/')[0];
        if (to > from || (crossFace && !(rel.startsWith('cli/') && target.startsWith('server/')))) bad.push(`src/${rel} → src/${target}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('below the project snapshot, nothing imports generate/; model/ imports nothing above it', () => {
    const offenders = files
      .filter((f) => f.startsWith('core/') && !f.startsWith('core/generate/') && !['core/project.ts', 'core/index.ts'].includes(f))
      .filter((f) => imports(path.join(SRC, f)).some((s) => /(^|\/)generate\//.test(s)));
    assert.deepEqual(offenders, []);
    const model = files
      .filter((f) => f.startsWith('core/model/'))
      .flatMap((f) =>
        imports(path.join(SRC, f))
          .filter((s) => s.startsWith('..') && !/^\.\.\/(errors|text\/)/.test(s))
          .map((s) => `${f} → ${s}`),
      );
    assert.deepEqual(model, []);
  });

  it('the core and the language server never import vscode', () => {
    const offenders = files.filter(
      (f) => (f.startsWith('core/') || f.startsWith('server/')) && imports(path.join(SRC, f)).includes('vscode'),
    );
    assert.deepEqual(offenders, []);
  });

  it('every program runs through core/env/process.ts (execa), never child_process directly', () => {
    const offenders = files.filter(
      (f) => f !== 'core/env/process.ts' && imports(path.join(SRC, f)).some((s) => /^(node:)?child_process$/.test(s)),
    );
    assert.deepEqual(offenders, []);
  });
});
