/**
 * Seam's language server: diagnostics, hover and code actions for requirements files, conda
 * environment files, pyproject.toml, Pipfile and setup.cfg. Runs no process (so it is safe in an
 * untrusted workspace); every result comes from the core readers and planner. Started by the
 * extension over IPC, or by `seam lsp --stdio` for other editors.
 */
import * as nodePath from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type CodeAction,
  CodeActionKind,
  type Connection,
  createConnection,
  type Diagnostic,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { errorMessage } from '../core/errors';
import { openProject, type ProjectSnapshot, projectRootOf } from '../core/project';
import { VERSION } from '../core/version';
import { type Analysis, analyze, hover, ownerEdit, type SeamDiagnostic } from './analysis';

export function startServer(connection: Connection = createConnection(ProposedFeatures.all)): Connection {
  const documents = new TextDocuments(TextDocument);
  let roots: string[] = [];
  /** One snapshot per project, with the open documents' texts over the files; dropped when one of its files changes. */
  const snapshots = new Map<string, ProjectSnapshot>();
  const latest = new Map<string, Analysis>();
  const pending = new Set<string>();
  let scheduled = false;

  const pathOf = (uri: string) => (uri.startsWith('file:') ? fileURLToPath(uri) : uri);
  const texts = (path: string) => documents.get(pathToFileURL(path).toString())?.getText();
  const rootOf = (uri: string) => projectRootOf(pathOf(uri), roots);
  const snapshot = (root: string) => {
    let s = snapshots.get(root);
    if (!s) snapshots.set(root, (s = openProject(root, { texts })));
    return s;
  };

  const run = (uri: string) => {
    const path = pathOf(uri);
    try {
      const started = performance.now();
      const a = analyze(path, texts, roots, snapshot(rootOf(uri)));
      latest.set(uri, a);
      void connection.sendDiagnostics({ uri, diagnostics: a.diagnostics as Diagnostic[] });
      connection.console.log(
        `seam: ${nodePath.basename(path)}: ${a.diagnostics.length} diagnostic(s) in ${(performance.now() - started).toFixed(1)} ms`,
      );
    } catch (e) {
      // A broken file never stops the server: say so on the file and carry on.
      connection.console.error(`seam: ${path}: ${e instanceof Error && e.stack ? e.stack : errorMessage(e)}`);
      void connection.sendDiagnostics({
        uri,
        diagnostics: [
          {
            range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
            severity: 1,
            source: 'seam',
            code: 'seam/internal',
            message: `Seam could not analyse this file: ${errorMessage(e)}`,
          },
        ],
      });
    }
  };
  /** Drops the snapshots of the projects `paths` belong to (all of them when a path is in none) and re-analyses their open documents. */
  const changed = (paths: string[]) => {
    const hit = new Set<string>();
    for (const p of paths) {
      const inside = [...snapshots.keys()].filter((r) => p === r || p.startsWith(`${r}${nodePath.sep}`));
      for (const r of inside.length ? inside : [...snapshots.keys()]) hit.add(r);
    }
    for (const r of hit) snapshots.delete(r);
    for (const d of documents.all()) if (hit.has(rootOf(d.uri)) || !snapshots.has(rootOf(d.uri))) pending.add(d.uri);
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      const uris = [...pending];
      pending.clear();
      for (const u of uris) if (documents.get(u)) run(u);
    });
  };

  connection.onInitialize((params) => {
    roots = (params.workspaceFolders ?? []).map((f) => pathOf(f.uri));
    if (!roots.length && params.rootUri) roots = [pathOf(params.rootUri)];
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: 'seam', version: VERSION },
    };
  });

  documents.onDidOpen((e) => changed([pathOf(e.document.uri)]));
  documents.onDidChangeContent((e) => changed([pathOf(e.document.uri)]));
  documents.onDidClose((e) => {
    latest.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    changed([pathOf(e.document.uri)]); // the file on disk stands in for it again
  });
  // Files changed on disk (seam.toml, flake.nix after a convert, a manifest no editor has open).
  connection.onDidChangeWatchedFiles((e) => changed(e.changes.map((c) => pathOf(c.uri))));

  connection.onHover((params) => {
    const uri = params.textDocument.uri;
    const a = latest.get(uri) ?? (documents.get(uri) ? analyze(pathOf(uri), texts, roots, snapshot(rootOf(uri))) : undefined);
    if (!a) return null;
    const text = hover(a, pathOf(params.textDocument.uri), params.position.line, params.position.character);
    return text ? { contents: { kind: 'markdown', value: text } } : null;
  });

  connection.onCodeAction((params) => {
    const uri = params.textDocument.uri;
    const a = latest.get(uri);
    if (!a) return [];
    const actions: CodeAction[] = [];
    for (const d of params.context.diagnostics as SeamDiagnostic[]) {
      const data =
        d.data ??
        a.diagnostics.find(
          (x) => x.code === d.code && x.range.start.line === d.range.start.line && x.range.start.character === d.range.start.character,
        )?.data;
      if (!data) continue;
      if (data.kind === 'operator') {
        const start = d.range.start;
        actions.push({
          title: `Change '${data.replace}' to '${data.with}'`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d as Diagnostic],
          isPreferred: true,
          edit: {
            changes: {
              [uri]: [
                { range: { start, end: { line: start.line, character: start.character + data.replace.length } }, newText: data.with },
              ],
            },
          },
        });
      } else if (data.kind === 'owner') {
        for (const owner of ['uv', 'nix'] as const) {
          let edit: ReturnType<typeof ownerEdit>;
          try {
            edit = ownerEdit(a.project, data.package, owner);
          } catch {
            continue; // seam.toml does not parse: its own diagnostics say where
          }
          const target = pathToFileURL(edit.path).toString();
          const title =
            owner === 'uv'
              ? `Move ${data.package} to uv (seam.toml)`
              : d.code === 'plan/version-conflict'
                ? `Accept Nix's version of ${data.package} (seam.toml: owner = "nix")`
                : `Keep ${data.package} on Nix (seam.toml)`;
          const change = edit.create
            ? {
                documentChanges: [
                  { kind: 'create' as const, uri: target, options: { ignoreIfExists: true } },
                  {
                    textDocument: { uri: target, version: null },
                    edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: edit.text }],
                  },
                ],
              }
            : {
                changes: {
                  [target]: [
                    {
                      range: {
                        start: { line: 0, character: 0 },
                        end: { line: (a.project.settings.text ?? '').split('\n').length + 1, character: 0 },
                      },
                      newText: edit.text,
                    },
                  ],
                },
              };
          actions.push({ title, kind: CodeActionKind.QuickFix, diagnostics: [d as Diagnostic], edit: change });
        }
      } else if (data.kind === 'out-of-date') {
        actions.push({
          title: 'Regenerate the environment (Seam: Convert to reproducible env)',
          kind: CodeActionKind.QuickFix,
          diagnostics: [d as Diagnostic],
          command: { title: 'Convert to reproducible env', command: 'seam.convert' },
        });
      }
    }
    return actions;
  });

  documents.listen(connection);
  connection.listen();
  return connection;
}
