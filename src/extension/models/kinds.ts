/** "conda + pip + pyproject": the kinds of manifest, a conda file's pip: section counting as pip. */
export function kindsLabel(manifests: { kind: string; requirements: { ecosystem: string }[] }[]): string {
  const names: Record<string, string> = {
    conda: 'conda',
    requirements: 'pip',
    pyproject: 'pyproject',
    pipfile: 'Pipfile',
    'setup.cfg': 'setup.cfg',
    'setup.py': 'setup.py',
  };
  const kinds = manifests.flatMap((m) =>
    m.kind === 'conda' && m.requirements.some((r) => r.ecosystem === 'pypi') ? ['conda', 'requirements'] : [m.kind],
  );
  const order = Object.keys(names);
  return [...new Set(kinds)]
    .sort((a, b) => order.indexOf(a) - order.indexOf(b))
    .map((k) => names[k] ?? k)
    .join(' + ');
}
