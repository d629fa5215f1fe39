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
  ErrorCodes,
  ProposedFeatures,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { seamCacheDir } from '../core/env/driver';
import { errorMessage } from '../core/errors';
import { openProject, type ProjectSnapshot, projectRootOf } from '../core/project';
import { FACTS_READ } from '../core/protocol';
import { VERSION } from '../core/version';
import { type Analysis, analyze, hover, ownerEdit, type SeamDiagnostic } from './analysis';
import { FrameResync } from './frames';

/** A file: URI on this machine as a path; null for anything else (another host, an encoded slash, another scheme). */
export function pathOfUri(uri: string): string | null {
  if (!/^file:/i.test(uri)) return null;
  try {
    const path = fileURLToPath(uri);
    return path.includes('\0') ? null : path;
  } catch {
    return null;
  }
}

/**
 * After an edit, a document is analysed once it has been quiet this long: edits that arrive together
 * (a paste, a formatter, fast typing) become one analysis. A large document, whose analysis takes
 * longer, waits longer, so that typing in it is not analysed key by key.
 */
const quietMs = (size: number) => (size < 100 * 1024 ? 15 : 250);
const tick = () => new Promise<void>((r) => setImmediate(r));

/** A connection on this process's stdin and stdout that skips malformed frames (see frames.ts) instead of falling silent. */
export function stdioConnection(): Connection {
  const input = process.stdin.pipe(new FrameResync((bytes, why) => process.stderr.write(`seam lsp: skipped ${bytes} byte(s): ${why}\n`)));
  return createConnection(ProposedFeatures.all, new StreamMessageReader(input), new StreamMessageWriter(process.stdout));
}

export function startServer(connection: Connection = createConnection(ProposedFeatures.all)): Connection {
  const documents = new TextDocuments(TextDocument);
  let roots: string[] = [];
  /** One snapshot per project, with the open documents' texts over the files; dropped when one of its files changes. */
  const snapshots = new Map<string, ProjectSnapshot>();
  /** The last finished analysis of each open document: hover and code actions answer from it at once. */
  const latest = new Map<string, Analysis>();
  const timers = new Map<string, NodeJS.Timeout>();
  const queue = new Set<string>();
  let working = false;

  const texts = (path: string) => documents.get(pathToFileURL(path).toString())?.getText();
  // The facts last read for a project's pin (by the CLI or the extension); the server itself never runs nix.
  const factsCache = seamCacheDir(process.env);
  const rootOf = (path: string) => projectRootOf(path, roots);
  const snapshot = (root: string) => {
    let s = snapshots.get(root);
    if (!s) snapshots.set(root, (s = openProject(root, { texts, factsCache })));
    return s;
  };

  /**
   * Analyses one document in stages (discovery, reading, planning, findings), yielding between
   * them, so that requests are answered while a large project is analysed. A snapshot dropped
   * meanwhile (a newer edit) makes the result stale: it is not published, the document is queued.
   */
  const analyseQueued = async () => {
    if (working) return;
    working = true;
    try {
      while (queue.size) {
        const uri = queue.values().next().value as string;
        queue.delete(uri);
        const path = pathOfUri(uri);
        if (!path || !documents.get(uri)) continue;
        const started = performance.now();
        try {
          const root = rootOf(path);
          const project = snapshot(root);
          for (const stage of [
            () => project.settings,
            () => project.discovered,
            () => project.model,
            () => project.plan,
            () => project.findings,
          ]) {
            stage();
            await tick();
            if (snapshots.get(root) !== project) break;
          }
          if (snapshots.get(root) !== project || !documents.get(uri)) {
            if (documents.get(uri)) queue.add(uri);
            continue;
          }
          const a = analyze(path, texts, roots, project);
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
        await tick();
      }
    } finally {
      working = false;
    }
  };

  /** Queues a document for analysis after `delay` ms of quiet (0: now), replacing a wait already running for it. */
  const schedule = (uri: string, delay: number) => {
    clearTimeout(timers.get(uri));
    timers.set(
      uri,
      setTimeout(() => {
        timers.delete(uri);
        queue.add(uri);
        void analyseQueued();
      }, delay),
    );
  };

  /** Drops the snapshots of the projects `paths` belong to (all of them when a path is in none) and re-analyses their open documents. */
  const changed = (paths: (string | null)[], edited?: string) => {
    const hit = new Set<string>();
    for (const p of paths) {
      if (!p) continue;
      const inside = [...snapshots.keys()].filter((r) => p === r || p.startsWith(`${r}${nodePath.sep}`));
      for (const r of inside.length ? inside : [...snapshots.keys()]) hit.add(r);
    }
    for (const r of hit) snapshots.delete(r);
    for (const d of documents.all()) {
      const path = pathOfUri(d.uri);
      if (!path) continue;
      const root = rootOf(path);
      if (hit.has(root) || !snapshots.has(root)) schedule(d.uri, d.uri === edited ? quietMs(d.getText().length) : 0);
    }
  };

  /** The analysis behind a request, or an error response for a URI Seam cannot read. */
  const analysisFor = (uri: string): Analysis | ResponseError<void> | null => {
    if (!pathOfUri(uri))
      return new ResponseError(ErrorCodes.InvalidParams, `Seam reads only file: URIs of this machine, not ${uri.slice(0, 200)}`);
    return latest.get(uri) ?? null;
  };

  connection.onInitialize((params) => {
    roots = (params.workspaceFolders ?? []).map((f) => pathOfUri(f.uri)).filter((p): p is string => p !== null);
    const rootPath = params.rootUri ? pathOfUri(params.rootUri) : null;
    if (!roots.length && rootPath) roots = [rootPath];
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: 'seam', version: VERSION },
    };
  });

  documents.onDidOpen((e) => changed([pathOfUri(e.document.uri)]));
  documents.onDidChangeContent((e) => changed([pathOfUri(e.document.uri)], e.document.uri));
  documents.onDidClose((e) => {
    latest.delete(e.document.uri);
    clearTimeout(timers.get(e.document.uri));
    queue.delete(e.document.uri);
    if (pathOfUri(e.document.uri)) void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    changed([pathOfUri(e.document.uri)]); // the file on disk stands in for it again
  });
  // Files changed on disk (seam.toml, flake.nix after a convert, a manifest no editor has open).
  connection.onDidChangeWatchedFiles((e) => changed(e.changes.map((c) => pathOfUri(c.uri))));
  connection.onNotification(FACTS_READ, (p: { root?: unknown }) => {
    if (typeof p?.root === 'string') changed([p.root]);
  });

  connection.onHover((params) => {
    const a = analysisFor(params.textDocument.uri);
    if (!a || a instanceof ResponseError) return a;
    const text = hover(a, pathOfUri(params.textDocument.uri)!, params.position.line, params.position.character);
    return text ? { contents: { kind: 'markdown', value: text } } : null;
  });

  connection.onCodeAction((params) => {
    const uri = params.textDocument.uri;
    const a = analysisFor(uri);
    if (a instanceof ResponseError) return a;
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
      } else if (data.kind === 'split') {
        // Put the requirement the diagnostic points at on its own line (the spaces before it become a line break).
        const start = d.range.start;
        const text = documents.get(uri)?.getText().split(/\r?\n/)[start.line] ?? '';
        let from = start.character;
        while (from > 0 && /[ \t]/.test(text[from - 1])) from--;
        if (from === start.character || from === 0) continue;
        actions.push({
          title: `Put '${data.requirement}' on its own line`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d as Diagnostic],
          isPreferred: true,
          edit: { changes: { [uri]: [{ range: { start: { line: start.line, character: from }, end: start }, newText: '\n' }] } },
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
