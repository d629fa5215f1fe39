/**
 * What `uv add` and `uv remove` changed in Seam's generated pyproject.toml since Seam wrote it. uv
 * edits `[project] dependencies` of the project it runs in — here Seam's file — and the next
 * `seam convert` must neither lose those packages nor refuse the file as "edited by hand". Seam's
 * file records what it wrote (`[tool.seam] dependencies`, from the manifests, and `uv-added`, the
 * packages it carried); the file with its dependencies put back to that must be exactly what Seam
 * signed, so any other edit still blocks the convert (and is never silently replaced).
 */
import { parseLocatedToml } from '../manifests/toml';
import { ownership } from '../text/signature';
import { requirementName as nameOf, tomlArray } from './pyproject';

export interface UvEdits {
  /** Entries of `dependencies` Seam did not write from the manifests (uv add, earlier or now): kept. */
  added: string[];
  /** Entries Seam wrote from the manifests that are gone (uv remove): they come back, and the plan says where they are asked for. */
  removed: string[];
  /** Whether the file was edited at all since Seam wrote it. */
  edited: boolean;
}

const strings = (v: unknown): string[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null);

/** The uv edits of Seam's pyproject.toml `text`, or null when it is not Seam's, predates the record, or was edited otherwise. */
export function uvEdits(text: string | null): UvEdits | null {
  const owner = ownership(text);
  if (text === null || owner === 'user' || owner === 'missing') return null;
  let value: Record<string, unknown>;
  try {
    value = parseLocatedToml(text).value;
  } catch {
    return null;
  }
  const project = value.project as Record<string, unknown> | undefined;
  const seam = (value.tool as Record<string, unknown> | undefined)?.seam as Record<string, unknown> | undefined;
  const deps = strings(project?.dependencies);
  const wrote = strings(seam?.dependencies);
  const carried = strings(seam?.['uv-added']) ?? [];
  if (!deps || !wrote) return null;
  if (owner === 'edited') {
    // Put dependencies back to what Seam wrote: the signature must then hold, or something else was edited.
    const original = withDependencies(text, [...wrote, ...carried]);
    if (original === null || ownership(original) !== 'seam') return null;
  }
  const names = new Set(wrote.map(nameOf));
  return {
    added: deps.filter((d) => !names.has(nameOf(d))),
    removed: wrote.filter((d) => !deps.some((x) => nameOf(x) === nameOf(d))),
    edited: owner === 'edited',
  };
}

/** `text` with the `dependencies = [...]` of its [project] table replaced by Seam's rendering of `deps`; null when it cannot be found. */
function withDependencies(text: string, deps: string[]): string | null {
  const lines = text.split('\n');
  const project = lines.indexOf('[project]');
  if (project < 0) return null;
  let start = -1;
  for (let i = project + 1; i < lines.length && !lines[i].startsWith('['); i++)
    if (/^dependencies\s*=/.test(lines[i])) {
      start = i;
      break;
    }
  if (start < 0) return null;
  let end = start;
  // One line (`[]`, or uv's `["x"]`), or Seam's and uv's multi-line form ending with a line `]`.
  if (!/\]\s*(#.*)?$/.test(lines[start])) {
    end = lines.findIndex((l, i) => i > start && /^\]\s*$/.test(l));
    if (end < 0) return null;
  }
  return [...lines.slice(0, start), `dependencies = ${tomlArray(deps)}`, ...lines.slice(end + 1)].join('\n');
}
