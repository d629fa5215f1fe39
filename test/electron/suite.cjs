// Runs inside VS Code's extension host (see run.cjs): the same checks as test/e2e, through the API.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');

exports.run = async function run() {
  const folder = vscode.workspace.workspaceFolders[0].uri.fsPath;
  const manifests = ['environment.yml', 'requirements.txt', 'requirements-base.txt', 'pyproject.toml'];
  const before = manifests.map((f) => fs.readFileSync(path.join(folder, f), 'utf8'));
  const ext = vscode.extensions.getExtension('seam-dev.seam');
  assert.ok(ext, 'the extension is installed');
  await ext.activate();
  const commands = await vscode.commands.getCommands(true);
  for (const c of [
    'seam.convert',
    'seam.showPlan',
    'seam.checkSetup',
    'seam.checkContract',
    'seam.selectTarget',
    'seam.openTerminal',
    'seam.showLog',
  ])
    assert.ok(commands.includes(c), c);
  const ok = await vscode.commands.executeCommand('seam.convert');
  assert.equal(ok, true, 'Convert to reproducible env succeeded');
  for (const f of ['flake.nix', 'seam.toml', '.gitignore', 'seam-plan.txt']) assert.ok(fs.existsSync(path.join(folder, f)), f);
  assert.deepEqual(
    manifests.map((f) => fs.readFileSync(path.join(folder, f), 'utf8')),
    before,
    'manifests byte-identical',
  );
  console.log('test:electron: 1 passed, 0 failed, 0 skipped');
};
