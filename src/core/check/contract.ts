/**
 * The contract between the layers: uv installs nothing Nix provides (nor anything reachable only
 * through a Nix package, such as torch's nvidia-* wheels), and the versions uv.lock records for
 * Nix's packages are Nix's. Pure logic over uv.lock, the Nix-owned set and, when there is one,
 * what .venv and the Nix environment really hold.
 */
import type { Knowledge } from '../knowledge/index';
import { normalizeName } from '../model/names';
import { isNixRelease, nixConstraint } from '../model/versions';
import { nixOnly, type UvLock } from './uvlock';

export interface ContractInput {
  lock: UvLock;
  /** Packages the flake's shells provide (from flake.nix), normalized. */
  owned: Set<string>;
  /** Nix's version of each, where known (from the real Nix environment when there is one, else Seam's knowledge). */
  nixVersions: Map<string, string>;
  /** What .venv's own site-packages hold (normalized name → version), when there is a .venv. */
  venv?: Map<string, string>;
  /** Whether the project's pyproject.toml is Seam's (constraints are then Seam's job). */
  generatedPyproject: boolean;
}

export interface Violation {
  package: string;
  kind: 'version' | 'installed' | 'compatibility';
  message: string;
}

export interface ContractResult {
  violations: Violation[];
  /** Lock entries the shells keep uv from installing. */
  keptOut: string[];
  notes: string[];
}

export function checkContract(input: ContractInput): ContractResult {
  const { lock, owned, nixVersions } = input;
  const violations: Violation[] = [];
  const { excluded, through } = nixOnly(lock, owned);
  for (const name of [...owned].sort()) {
    const locked = lock.versions.get(name);
    const nix = nixVersions.get(name);
    if (!locked || !nix || [...locked].some((v) => isNixRelease(name, v, nix))) continue;
    const fix = input.generatedPyproject
      ? `run \`seam convert\` (it pins ${nixConstraint(name, nix)} in pyproject.toml's constraint-dependencies), then \`uv lock\``
      : `add "${nixConstraint(name, nix)}" to [tool.uv] constraint-dependencies in pyproject.toml (seam-plan.txt lists them all), then \`uv lock\``;
    violations.push({
      package: name,
      kind: 'version',
      message: `${name}: uv.lock has ${[...locked].sort().join(', ')}, Nix has ${nix} — fix: ${fix}`,
    });
  }
  if (input.venv) {
    for (const name of excluded) {
      const v = input.venv.get(name);
      if (v === undefined) continue;
      const why = owned.has(name)
        ? `Nix provides ${name}${nixVersions.get(name) ? ` ${nixVersions.get(name)}` : ''}`
        : `only ${through.get(name)?.join(', ') ?? 'Nix packages'} (Nix) need${through.get(name)?.length === 1 ? 's' : ''} it`;
      violations.push({
        package: name,
        kind: 'installed',
        message: `${name}: .venv has ${v} installed by uv, but ${why} — fix: remove .venv and enter the Seam shell (\`nix develop\`), whose \`uv sync\` keeps Nix's packages out`,
      });
    }
  }
  const notes: string[] = [];
  if (excluded.length)
    notes.push(
      `uv.lock holds ${excluded.length} package(s) Nix provides or only Nix packages need; the Seam shells pass them to \`uv sync --no-install-package\`: ${excluded.join(', ')}`,
    );
  if (!input.venv) notes.push('no .venv yet: checked uv.lock only');
  return { violations, keptOut: excluded, notes };
}

/** The Nix-owned names listed in a Seam flake.nix (`nixOwned = [ … ];` of each shell). */
export function ownedFromFlake(text: string): Set<string> {
  const owned = new Set<string>();
  for (const m of text.matchAll(/nixOwned = \[([^\]]*)\]/g)) for (const s of m[1].matchAll(/"([^"\\]*)"/g)) owned.add(normalizeName(s[1]));
  return owned;
}

/** Adds the Python dependencies nixpkgs brings with the owned packages (torch → filelock, jinja2, …). */
export function withNixClosure(owned: Set<string>, k: Knowledge): Set<string> {
  const out = new Set(owned);
  const queue = [...owned];
  while (queue.length) {
    const n = queue.shift()!;
    for (const d of k.deps(n)?.deps ?? []) {
      if (out.has(d) || !(k.python(d) || k.hasAttr(d))) continue;
      out.add(d);
      queue.push(d);
    }
  }
  return out;
}

/** The summary of a wheel without code that stands for Nix's package (seam-uv.py writes them): metadata, not a second copy. */
export const NIX_SHIM_SUMMARY = 'Provided by Nix (Seam): this wheel holds no code';

/** name → version from the `*.dist-info/METADATA` files of a site-packages folder's listing (Nix's stand-in wheels left out). */
export function distributions(entries: { dir: string; metadata: string }[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of entries) {
    let name: string | undefined;
    let version: string | undefined;
    let shim = false;
    for (const line of e.metadata.split('\n')) {
      if (!line.trim()) break;
      if (line.startsWith('Name:')) name = line.slice(5).trim();
      else if (line.startsWith('Version:')) version = line.slice(8).trim();
      else if (line.startsWith(`Summary: ${NIX_SHIM_SUMMARY}`)) shim = true;
    }
    if (name && version && !shim) out.set(normalizeName(name), version);
  }
  return out;
}
