/** Starts Seam's language server (dist/server.js, over IPC) for the manifests Seam reads. It runs no process itself, so it runs in untrusted workspaces too. */
import * as vscode from 'vscode';
import { LanguageClient, type LanguageClientOptions, type ServerOptions, TransportKind } from 'vscode-languageclient/node';

export const MANIFEST_PATTERNS = [
  '**/*requirements*.txt',
  '**/requirements/*.txt',
  '**/*constraints*.txt',
  '**/requirements*.in',
  '**/environment*.{yml,yaml}',
  '**/pyproject.toml',
  '**/Pipfile',
  '**/setup.cfg',
];

export async function startLanguageServer(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<LanguageClient> {
  const module = context.asAbsolutePath('dist/server.js');
  const server: ServerOptions = { run: { module, transport: TransportKind.ipc }, debug: { module, transport: TransportKind.ipc } };
  const client: LanguageClientOptions = {
    documentSelector: MANIFEST_PATTERNS.map((pattern) => ({ scheme: 'file', pattern })),
    outputChannel: log,
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/{seam.toml,flake.nix}') },
  };
  const lc = new LanguageClient('seam', 'Seam language server', server, client);
  await lc.start();
  log.info('Seam language server started');
  return lc;
}
