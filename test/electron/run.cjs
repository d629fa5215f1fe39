// `npm run test:electron`: the editor scenario in desktop VS Code, for machines that can download it
// (@vscode/test-electron fetches VS Code; this sandbox cannot, so `npm test` runs the same scenario
// in code-server instead: test/e2e). Builds first, copies the bundled example, runs suite.cjs inside
// VS Code's extension host.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runTests } = require('@vscode/test-electron');

async function main() {
  const root = path.resolve(__dirname, '..', '..');
  execFileSync(process.execPath, [path.join(root, 'esbuild.mjs')], { cwd: root, stdio: 'inherit' });
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'seam-electron-'));
  fs.cpSync(path.join(root, 'examples', 'ml-project'), ws, { recursive: true });
  await runTests({
    version: process.env.SEAM_VSCODE_VERSION || '1.139.1',
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(__dirname, 'suite.cjs'),
    launchArgs: [ws, '--disable-workspace-trust', '--disable-extensions'],
  });
}

main().catch((e) => {
  console.error(`test:electron failed: ${e?.message ? e.message : e}`);
  process.exit(1);
});
