/** The setup check's page (vscode-free, so plain mocha tests it). */
import type { SetupCheck } from '../../core/env/setup';
import { escapeHtml } from './planView';

const WORD: Record<string, string> = { ok: 'ready', warning: 'works, with a caveat', missing: 'needs attention', info: 'note' };

/** The setup page: static HTML (no scripts), every text escaped. */
export function setupHtml(checks: SetupCheck[], folder: string, cspSource: string): string {
  const e = escapeHtml;
  const items = checks
    .map(
      (c) =>
        `<section class="${e(c.status)}"><h2>${e(c.title)}: ${e(WORD[c.status])}</h2><p>${e(c.detail)}</p>${c.fix ? `<p><b>Fix:</b> ${e(c.fix)}</p>` : ''}</section>`,
    )
    .join('');
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${cspSource} 'unsafe-inline';"><style>
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 16px; }
section { border-left: 3px solid var(--vscode-charts-green); padding: 2px 12px; margin: 10px 0; }
section.missing { border-color: var(--vscode-charts-red); } section.warning { border-color: var(--vscode-charts-yellow); } section.info { border-color: var(--vscode-charts-blue); }
h2 { font-size: 1.05em; margin: 6px 0; }
</style></head><body><h1>Seam: setup check for ${e(folder)}</h1>${items}</body></html>`;
}
