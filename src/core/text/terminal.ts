/**
 * Text for a terminal: control characters from a manifest (an escape sequence that sets the window
 * title, clears the screen or writes the clipboard) are shown, not obeyed. Seam's own colours are
 * marked with STYLE (a noncharacter) and become real escape sequences only here.
 */

/** Starts one of Seam's own SGR colour sequences: STYLE + "[31m" becomes ESC + "[31m". */
export const STYLE = '\uFDD0';

/** Escapes C0/C1 control characters (not newline and tab) as \x.. / \u.., then turns Seam's own colour marks into escapes. */
export function forTerminal(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what it escapes
  const escaped = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return escaped.replace(/\uFDD0(\[[0-9;]{0,12}m)?/g, (_whole, sgr: string | undefined) => (sgr ? `\u001b${sgr}` : '\\ufdd0'));
}
