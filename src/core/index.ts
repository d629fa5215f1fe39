/**
 * Seam's core as a library (dist/core.js). Nothing here imports `vscode`.
 */
import { SeamError } from './errors';
import { evaluateMarkerNode, type MarkerContext, type MarkerEnvironment } from './model/markers';
import { parseMarker, parseRequirement as parsePep508 } from './model/pep508';

export { SeamError, type Problem, type Severity } from './errors';
export type { Manifest, ManifestKind, Requirement, Scope, SourceLocation, PackageIndex } from './model/manifest';
export { normalizeName, isValidName } from './model/names';
export { compareVersions, specifierContains, parseSpecifier, isValidVersion } from './model/versions';
export { linuxEnvironment, type MarkerEnvironment, type MarkerContext } from './model/markers';
export { readManifest, findManifests, readProject, kindOf, type ProjectModel, type Overlap } from './manifests/index';
export { parseCondaSpec, condaVersionToPep440 } from './manifests/conda';
export { planProject, explain as explainPackage } from './plan/planner';
export type { Plan, PlannedPackage, PlanConfig, Target, Owner } from './plan/types';
export { poetryToPep440 } from './manifests/poetry';
export { convertProject, projectManifests, type Conversion } from './generate/convert';
export { planWrites, applyWrites, diffWrite, ownership } from './generate/write';
export { readSeamToml, writeSeamToml, DEFAULT_SEAM_CONFIG, type SeamConfig } from './config/seamToml';
export { parseUvLock, nixOnly } from './check/uvlock';
export { checkContract } from './check/contract';

/** Parses one PEP 508 requirement. Throws SeamError (message + 1-based column) when invalid. */
export function parseRequirement(text: string): { name: string; extras: string[]; specifier: string; url: string | null; marker: string | null } {
  const { name, extras, specifier, url, marker } = parsePep508(text);
  return { name, extras, specifier, url, marker };
}

/**
 * Evaluates a PEP 508 marker. `env` keys are PEP 508 names; `extras` and `dependency_groups`
 * may be arrays (lock-file markers). Throws SeamError on a syntax error or a missing variable.
 */
export function evaluateMarker(marker: string, env: MarkerEnvironment, context: MarkerContext = 'metadata'): boolean {
  if (typeof marker !== 'string') throw new SeamError('marker must be a string');
  return evaluateMarkerNode(parseMarker(marker), env, context);
}
