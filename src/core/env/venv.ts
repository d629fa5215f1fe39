/** What a project's .venv holds: its own distributions, and the Nix site-packages its Seam `.pth` adds. */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { distributions } from '../check/contract';

function siteDirs(venv: string): string[] {
  const lib = nodePath.join(venv, 'lib');
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(lib).filter((e) => /^python3\.\d+$/.test(e));
  } catch {
    return [];
  }
  return entries.map((e) => nodePath.join(lib, e, 'site-packages')).filter((d) => fs.existsSync(d));
}

export function readDistributions(site: string): Map<string, string> {
  const entries: { dir: string; metadata: string }[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(site);
  } catch {
    return new Map();
  }
  for (const e of names.sort()) {
    if (!e.endsWith('.dist-info')) continue;
    try {
      entries.push({ dir: e, metadata: fs.readFileSync(nodePath.join(site, e, 'METADATA'), 'utf8') });
    } catch {
      /* a broken dist-info is not a distribution */
    }
  }
  return distributions(entries);
}

export interface VenvState {
  path: string;
  /** What uv (or anyone) installed into the venv itself. */
  installed: Map<string, string>;
  /** The Nix environment's site-packages the Seam .pth points at, when it exists on this machine. */
  nixSite: string | null;
  nix: Map<string, string> | null;
}

export function readVenv(root: string): VenvState | null {
  const path = nodePath.join(root, '.venv');
  if (!fs.existsSync(nodePath.join(path, 'pyvenv.cfg'))) return null;
  const installed = new Map<string, string>();
  let nixSite: string | null = null;
  for (const site of siteDirs(path)) {
    for (const [k, v] of readDistributions(site)) installed.set(k, v);
    try {
      const pth = fs.readFileSync(nodePath.join(site, '_seam_nix.pth'), 'utf8');
      const m = /site\.addsitedir\('([^']+)'\)/.exec(pth);
      if (m) nixSite = m[1];
    } catch {
      /* no Seam .pth: not made by a Seam shell */
    }
  }
  const nix = nixSite && fs.existsSync(nixSite) ? readDistributions(nixSite) : null;
  return { path, installed, nixSite, nix };
}
