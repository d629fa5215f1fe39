/**
 * Changing seam.toml for a choice the user made (the editor's plan review): set one package's
 * owner. Only the one line is added or replaced; every other byte, comment included, stays.
 */
import { SeamError } from '../errors';
import { parseLocatedToml } from '../manifests/toml';
import { normalizeName } from '../model/names';
import type { Owner } from '../plan/types';
import { tomlKey, tomlString } from '../text/escape';

/** seam.toml text with `[overrides] <name> = { owner = "<owner>" }`. Throws SeamError when the file does not parse. */
export function setOwnerOverride(text: string, name: string, owner: Exclude<Owner, 'system'>): string {
  const key = normalizeName(name);
  const doc = parseLocatedToml(text); // throws SeamError with the line
  const line = `${tomlKey(key)} = { owner = ${tomlString(owner)} }`;
  const lines = text.split('\n');
  const overrides = doc.value.overrides;
  if (overrides !== undefined && (typeof overrides !== 'object' || Array.isArray(overrides)))
    throw new SeamError('seam.toml: overrides is not a table', 1, undefined, doc.locate(['overrides']).line);
  const existing = overrides ? Object.keys(overrides as object).find((k) => normalizeName(k) === key) : undefined;
  if (existing !== undefined) {
    const at = doc.locate(['overrides', existing]);
    if (at.line !== at.endLine)
      throw new SeamError(`seam.toml: overrides.${existing} spans several lines; change it by hand`, 1, undefined, at.line);
    lines[at.line - 1] = line;
    return lines.join('\n');
  }
  const header = lines.findIndex((l) => /^\s*\[\s*overrides\s*\]\s*(#.*)?$/.test(l));
  if (header >= 0) {
    lines.splice(header + 1, 0, line);
    return lines.join('\n');
  }
  if (overrides !== undefined)
    throw new SeamError(
      'seam.toml: overrides is written inline or dotted; add the line by hand',
      1,
      undefined,
      doc.locate(['overrides']).line,
    );
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}\n[overrides]\n${line}\n`;
}
