/**
 * Seam's own notifications between the extension and the language server (beyond LSP). Other
 * editors need none of them: without them the server reads remembered facts when it next opens a
 * project.
 */

/** The extension read new facts of a project's pinned nixpkgs into Seam's cache: `{ root }` is re-read. */
export const FACTS_READ = 'seam/factsRead';
