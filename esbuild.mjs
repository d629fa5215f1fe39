// One bundle per entry point, and the bundled knowledge beside them (dist/data/knowledge.json:
// read once when a plan first needs it, shared by every bundle, not parsed as code at start-up).
// `node esbuild.mjs [--watch]`.
import * as fs from 'node:fs';
import * as esbuild from 'esbuild';

const pkg = JSON.parse(await (await import('node:fs/promises')).readFile('package.json', 'utf8'));
const common = {
  define: { SEAM_VERSION: JSON.stringify(pkg.version) },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify: true,
  logLevel: 'warning',
};
const entries = [
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  // `seam`: a small entry that answers a cached `seam env` itself and loads the full CLI for the rest.
  { entryPoints: ['src/cli/bin.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, external: ['./seam-cli.js'] },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/seam-cli.js' },
  { entryPoints: ['src/server/main.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['src/core/index.ts'], outfile: 'dist/core.js' },
];

fs.mkdirSync('dist/data', { recursive: true });
fs.copyFileSync('src/core/knowledge/data/knowledge.json', 'dist/data/knowledge.json');

const watch = process.argv.includes('--watch');
for (const entry of entries) {
  const options = { ...common, ...entry, external: ['./data/knowledge.json', ...(entry.external ?? [])] };
  if (watch) await (await esbuild.context(options)).watch();
  else await esbuild.build(options);
}
