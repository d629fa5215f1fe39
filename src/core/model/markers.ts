/** PEP 508 environment markers: the syntax tree, its canonical text, and evaluation. */
import { SeamError } from '../errors';
import { normalizeName } from './names';
import { isValidVersion, parseSpecifier, specifierContains } from './versions';

export type MarkerValue = { kind: 'variable'; name: string } | { kind: 'string'; value: string };
export type MarkerNode =
  | { type: 'compare'; lhs: MarkerValue; op: string; rhs: MarkerValue }
  | { type: 'and' | 'or'; left: MarkerNode; right: MarkerNode };

export const MARKER_VARIABLES = new Set([
  'python_version',
  'python_full_version',
  'os_name',
  'sys_platform',
  'platform_release',
  'platform_system',
  'platform_version',
  'platform_machine',
  'platform_python_implementation',
  'implementation_name',
  'implementation_version',
  'extra',
  'extras',
  'dependency_groups',
]);
/** Legacy spellings that packaging still accepts. */
export const MARKER_ALIASES: Record<string, string> = {
  'os.name': 'os_name',
  'sys.platform': 'sys_platform',
  'platform.version': 'platform_version',
  'platform.machine': 'platform_machine',
  'platform.python_implementation': 'platform_python_implementation',
  python_implementation: 'platform_python_implementation',
};
const VERSION_VARIABLES = new Set(['implementation_version', 'platform_release', 'python_full_version', 'python_version']);
const SET_VARIABLES = new Set(['extras', 'dependency_groups']);

export type MarkerEnvironment = Record<string, string | readonly string[]>;
export type MarkerContext = 'metadata' | 'lock_file' | 'requirement';

/** A typical Linux x86_64 CPython environment; `python` is "3.12" or "3.12.4". */
export function linuxEnvironment(python = '3.12', machine = 'x86_64'): MarkerEnvironment {
  const full = python.split('.').length >= 3 ? python : `${python}.0`;
  return {
    python_version: full.split('.').slice(0, 2).join('.'),
    python_full_version: full,
    os_name: 'posix',
    sys_platform: 'linux',
    platform_system: 'Linux',
    platform_machine: machine,
    platform_release: '',
    platform_version: '',
    platform_python_implementation: 'CPython',
    implementation_name: 'cpython',
    implementation_version: full,
  };
}

/** Canonical marker text, as packaging prints it (double quotes, normalized extras). */
export function formatMarker(node: MarkerNode, top = true): string {
  if (node.type === 'compare') return `${formatValue(node.lhs)} ${node.op} ${formatValue(node.rhs)}`;
  const text = `${formatMarker(node.left, false)} ${node.type} ${formatMarker(node.right, false)}`;
  return top ? text : needsParens(node) ? `(${text})` : text;
}

function needsParens(node: MarkerNode): boolean {
  return node.type !== 'compare';
}

function formatValue(v: MarkerValue): string {
  if (v.kind === 'variable') return v.name;
  return v.value.includes('"') ? `'${v.value}'` : `"${v.value}"`;
}

/**
 * Evaluates a parsed marker against `env` (keys are PEP 508 names). In the `lock_file`
 * context `extras` and `dependency_groups` default to empty sets; in `metadata`, `extra`
 * defaults to "". A variable missing from the environment is a SeamError.
 */
export function evaluateMarkerNode(node: MarkerNode, env: MarkerEnvironment, context: MarkerContext = 'metadata'): boolean {
  const full: Record<string, string | readonly string[]> = {};
  if (context === 'lock_file') Object.assign(full, { extras: [], dependency_groups: [] });
  if (context === 'metadata') full.extra = '';
  Object.assign(full, env);
  if (typeof full.extra === 'string' && full.extra !== '') full.extra = normalizeName(full.extra);
  return evaluate(node, full);
}

function evaluate(node: MarkerNode, env: Record<string, string | readonly string[]>): boolean {
  if (node.type !== 'compare') {
    return node.type === 'and'
      ? evaluate(node.left, env) && evaluate(node.right, env)
      : evaluate(node.left, env) || evaluate(node.right, env);
  }
  const key = node.lhs.kind === 'variable' ? node.lhs.name : node.rhs.kind === 'variable' ? node.rhs.name : undefined;
  const resolve = (v: MarkerValue): string | readonly string[] => {
    if (v.kind === 'string') return v.value;
    const value = env[v.name];
    if (value === undefined) throw new SeamError(`marker variable '${v.name}' is not set in the environment`);
    return value;
  };
  let lhs = resolve(node.lhs);
  let rhs = resolve(node.rhs);
  if (typeof lhs !== 'string') throw new SeamError(`'${key}' is a set: write '"value" in ${key}'`);
  if (key === 'extra') {
    // The literal side was normalized when parsed (PEP 685); the environment side in evaluateMarkerNode.
  } else if (key !== undefined && SET_VARIABLES.has(key)) {
    lhs = normalizeName(lhs);
    rhs = typeof rhs === 'string' ? normalizeName(rhs) : rhs.map(normalizeName);
  }
  if (key !== undefined && VERSION_VARIABLES.has(key) && typeof rhs === 'string' && node.op !== 'in' && node.op !== 'not in') {
    const spec = `${node.op}${rhs}`;
    if (specifierIsValid(spec))
      return isValidVersion(lhs) || node.op === '===' ? specifierContains(spec, lhs, { prereleases: true }) : false;
  }
  switch (node.op) {
    case 'in':
      return typeof rhs === 'string' ? rhs.includes(lhs) : rhs.includes(lhs);
    case 'not in':
      return typeof rhs === 'string' ? !rhs.includes(lhs) : !rhs.includes(lhs);
    case '==':
    case '<=':
    case '>=':
      return lhs === rhs;
    case '!=':
      return lhs !== rhs;
    case '<':
    case '>':
      return false;
    default:
      throw new SeamError(`'${node.op}' is undefined on ${JSON.stringify(lhs)} and ${JSON.stringify(rhs)}`);
  }
}

function specifierIsValid(spec: string): boolean {
  try {
    parseSpecifier(spec);
    return true;
  } catch {
    return false;
  }
}
