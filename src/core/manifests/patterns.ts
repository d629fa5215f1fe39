/**
 * The one list of the files Seam reads as manifests, as VS Code globs. Discovery (which files a
 * folder's snapshot reads), the editor's file watcher, the language server's document selector and
 * the extension's activation events are all derived from it (test/unit/patterns.test.ts checks
 * package.json against it), so they cannot disagree about which files are manifests.
 *
 * The globs use the syntax VS Code's own matcher understands (`**`, `*`, `?`, `[...]`, `{a,b}`),
 * and `globToRegExp` below gives them the same meaning for discovery. Matching is case-sensitive,
 * as VS Code's is on Linux.
 */
import type { ManifestKind } from '../model/manifest';

export interface ManifestPattern {
  glob: string;
  kind: ManifestKind;
  /**
   * Matched by its folder rather than its name (`conda-environments/DEEPLABCUT.yaml`): such a YAML
   * file counts as a conda file only when it has a top-level `dependencies:` or `channels:` key, so
   * an unrelated YAML file in an `envs/` folder is not read as one.
   */
  byFolder?: true;
}

export const MANIFEST_PATTERNS: readonly ManifestPattern[] = [
  // pip requirements and constraints files, also inside a requirements/ folder
  { kind: 'requirements', glob: '**/*requirement*.{txt,in}' },
  { kind: 'requirements', glob: '**/*constraint*.{txt,in}' },
  { kind: 'requirements', glob: '**/requirements/**/*.{txt,in}' },
  // conda environment files, by name…
  { kind: 'conda', glob: '**/*environment*.{yml,yaml}' },
  { kind: 'conda', glob: '**/*conda*.{yml,yaml}' },
  { kind: 'conda', glob: '**/*env.{yml,yaml}' },
  { kind: 'conda', glob: '**/env[-_.]*.{yml,yaml}' },
  { kind: 'conda', glob: '**/*[-_.]env[-_.]*.{yml,yaml}' },
  // …and by folder
  { kind: 'conda', glob: '**/*{conda,environment}*/*.{yml,yaml}', byFolder: true },
  { kind: 'conda', glob: '**/{env,envs}/*.{yml,yaml}', byFolder: true },
  { kind: 'pyproject', glob: '**/pyproject.toml' },
  { kind: 'pipfile', glob: '**/Pipfile' },
  { kind: 'setup.cfg', glob: '**/setup.cfg' },
  { kind: 'setup.py', glob: '**/setup.py' },
];

/** Seam's own inputs beside the manifests (relative to the project): a change to one changes the project's snapshot or its environment. */
// .git/index: a `git add` makes an untracked flake visible to nix, so a failed resolution retries then.
export const PROJECT_FILES = [
  'seam.toml',
  'flake.nix',
  'flake.lock',
  'uv.lock',
  '.seam/index.json',
  '.venv/pyvenv.cfg',
  '.git/index',
] as const;

/** Folders discovery never enters (VCS, virtual environments, caches, build output). */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  '.venv',
  'venv',
  '.tox',
  '.nox',
  '__pycache__',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  'build',
  'dist',
  'site-packages',
  '.direnv',
  '.eggs',
  'result',
  '.idea',
  '.vscode',
  '.seam',
]);

/** A skipped folder name, or a folder Seam's writer stages in (`.seam-write-*`), or `*.egg-info`. */
export function isSkippedDir(name: string): boolean {
  return SKIPPED_DIRS.has(name) || name.endsWith('.egg-info') || name.startsWith('.seam-write-');
}

/** The glob as a regular expression over a `/`-separated path, with VS Code's meaning. */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${globSource(glob)}$`);
}

function globSource(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (glob.startsWith('**/', i)) {
      out += '(?:[^/]*/)*'; // any number of folders, none included
      i += 2;
    } else if (glob.startsWith('**', i)) {
      out += '.*';
      i += 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) throw new Error(`unclosed [ in the glob ${glob}`);
      let body = glob.slice(i + 1, end);
      const negated = body[0] === '!' || body[0] === '^';
      if (negated) body = body.slice(1);
      out += `[${negated ? '^/' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else if (c === '{') {
      const end = closingBrace(glob, i);
      out += `(?:${splitTopLevel(glob.slice(i + 1, end))
        .map(globSource)
        .join('|')})`;
      i = end;
    } else out += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return out;
}

function closingBrace(glob: string, open: number): number {
  let depth = 0;
  for (let i = open; i < glob.length; i++) {
    if (glob[i] === '{') depth++;
    else if (glob[i] === '}' && --depth === 0) return i;
  }
  throw new Error(`unclosed { in the glob ${glob}`);
}

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}') depth--;
    else if (s[i] === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

const COMPILED = MANIFEST_PATTERNS.map((p) => ({ ...p, re: globToRegExp(p.glob) }));

/** The pattern a path (relative to the project, or absolute; `/` or `\`) matches, or null. */
export function matchManifest(path: string): ManifestPattern | null {
  const p = path.replace(/\\/g, '/');
  // A name pattern wins over a folder pattern (no sniffing needed).
  return COMPILED.find((c) => !c.byFolder && c.re.test(p)) ?? COMPILED.find((c) => c.re.test(p)) ?? null;
}

/** Whether a YAML file found by its folder is a conda environment file (see `byFolder`). */
export function looksLikeConda(text: string): boolean {
  return /^(dependencies|channels)\s*:/m.test(text);
}

/** Every brace group expanded: `*.{yml,yaml}` → `*.yml`, `*.yaml`. */
export function expandBraces(glob: string): string[] {
  const open = glob.indexOf('{');
  if (open < 0) return [glob];
  const end = closingBrace(glob, open);
  return splitTopLevel(glob.slice(open + 1, end)).flatMap((alt) => expandBraces(glob.slice(0, open) + alt + glob.slice(end + 1)));
}

/**
 * One glob for a file watcher: every manifest pattern and Seam's own inputs, as a single brace
 * group of brace-free alternatives (VS Code's matcher does not nest braces).
 */
export function watcherGlob(): string {
  const inner = [...MANIFEST_PATTERNS.flatMap((p) => expandBraces(p.glob)), ...PROJECT_FILES].map((g) => g.replace(/^\*\*\//, ''));
  return `**/{${[...new Set(inner)].join(',')}}`;
}

/** The language server's document selector: the manifests, and seam.toml (its own problems). */
export function documentPatterns(): string[] {
  return [...MANIFEST_PATTERNS.map((p) => p.glob), '**/seam.toml'];
}

/** package.json's `workspaceContains:` activation events. */
export function activationEvents(): string[] {
  // The common root files first: VS Code checks a plain path at once, while a `**` glob waits for a file search.
  const quick = ['requirements.txt', 'environment.yml', 'environment.yaml', 'pyproject.toml'];
  return [...quick, ...documentPatterns()].map((g) => `workspaceContains:${g}`);
}
