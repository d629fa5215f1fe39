/** TOML with positions: values from toml-eslint-parser plus an index from key paths to nodes. */
import { getStaticTOMLValue, parseTOML } from 'toml-eslint-parser';
import { SeamError } from '../errors';
import { LineIndex } from './text';

type TomlNode = {
  type: string;
  loc: { start: { line: number; column: number }; end: { line: number; column: number } };
  [k: string]: unknown;
};

export interface LocatedToml {
  value: Record<string, unknown>;
  /** 1-based line and column of the value at `path` (keys and array indexes), or of its nearest parent. */
  locate(path: (string | number)[]): { line: number; column: number; endLine: number; endColumn: number };
}

/** Parses TOML. Throws SeamError with line and column on a syntax error. */
export function parseLocatedToml(text: string): LocatedToml {
  let ast: TomlNode;
  try {
    ast = parseTOML(text) as unknown as TomlNode;
  } catch (e) {
    const err = e as { message: string; lineNumber?: number; column?: number; index?: number };
    if (typeof err.index === 'number') {
      // The parser puts an error found at a line break on the next line; the offset is exact.
      const at = new LineIndex(text).position(Math.min(err.index, text.length));
      throw new SeamError(`TOML: ${err.message}`, at.column, undefined, at.line);
    }
    throw new SeamError(`TOML: ${err.message}`, (err.column ?? 0) + 1, undefined, err.lineNumber ?? 1);
  }
  const index = new Map<string, TomlNode>();
  const visit = (path: (string | number)[], node: TomlNode) => {
    index.set(JSON.stringify(path), node);
    if (node.type === 'TOMLArray') for (const [i, el] of (node.elements as TomlNode[]).entries()) visit([...path, i], el);
    if (node.type === 'TOMLInlineTable') for (const kv of node.body as TomlNode[]) visitKeyValue(path, kv);
  };
  const visitKeyValue = (prefix: (string | number)[], kv: TomlNode) => {
    const keys = ((kv.key as TomlNode).keys as TomlNode[]).map((k) => (k.type === 'TOMLBare' ? (k.name as string) : (k.value as string)));
    for (let i = 1; i < keys.length; i++)
      if (!index.has(JSON.stringify([...prefix, ...keys.slice(0, i)]))) index.set(JSON.stringify([...prefix, ...keys.slice(0, i)]), kv);
    visit([...prefix, ...keys], kv.value as TomlNode);
  };
  const top = (ast.body as TomlNode[])[0];
  for (const item of top.body as TomlNode[]) {
    if (item.type === 'TOMLTable') {
      const key = item.resolvedKey as (string | number)[];
      index.set(JSON.stringify(key), item);
      for (const kv of item.body as TomlNode[]) visitKeyValue(key, kv);
    } else {
      visitKeyValue([], item);
    }
  }
  return {
    value: getStaticTOMLValue(ast as never) as unknown as Record<string, unknown>,
    locate(path) {
      for (let n = path.length; n >= 0; n--) {
        const node = index.get(JSON.stringify(path.slice(0, n)));
        if (node)
          return {
            line: node.loc.start.line,
            column: node.loc.start.column + 1,
            endLine: node.loc.end.line,
            endColumn: node.loc.end.column + 1,
          };
      }
      return { line: 1, column: 1, endLine: 1, endColumn: 1 };
    },
  };
}

export function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}
