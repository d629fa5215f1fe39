/** Strings that try to break out of Nix, TOML and shell quoting, for the escaping tests. */
export const HOSTILE = [
  '"',
  '\\',
  '${builtins.abort "x"}',
  "''${x}",
  "a''b",
  '$${x}',
  'line\nbreak\r\ttab',
  '\u0001\u007f',
  'naïve – ✓',
  '$',
  '}{',
];
