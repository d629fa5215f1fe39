/**
 * Seam's core as a library (dist/core.js). Nothing here imports `vscode`.
 */
import { SeamError } from './errors';
import { evaluateMarkerNode, type MarkerContext, type MarkerEnvironment } from './model/markers';
import { parseMarker, parseRequirement as parsePep508 } from './model/pep508';

export { checkContract } from './check/contract';
export { nixOnly, parseUvLock } from './check/uvlock';
export { DEFAULT_SEAM_CONFIG, readSeamToml, type SeamConfig, writeSeamToml } from './config/seamToml';
export { type Problem, SeamError, type Severity } from './errors';
export { type Conversion, convertProject } from './generate/convert';
export { applyWrites, diffWrite, ownership, planWrites } from './generate/write';
export { condaVersionToPep440, parseCondaSpec } from './manifests/conda';
export { discoverManifests, findManifests, kindOf, type Overlap, type ProjectModel, readManifest, readProject } from './manifests/index';
export { MANIFEST_PATTERNS, matchManifest } from './manifests/patterns';
export { poetryToPep440 } from './manifests/poetry';
export type { Manifest, ManifestKind, PackageIndex, Requirement, Scope, SourceLocation } from './model/manifest';
export { linuxEnvironment, type MarkerContext, type MarkerEnvironment } from './model/markers';
export { isValidName, normalizeName } from './model/names';
export { compareVersions, isValidVersion, parseSpecifier, specifierContains } from './model/versions';
export { explain as explainPackage, planProject } from './plan/planner';
export type { Owner, Plan, PlanConfig, PlannedPackage, Target } from './plan/types';
export { type Finding, type OpenOptions, openProject, ProjectSnapshot } from './project';

/** Parses one PEP 508 requirement. Throws SeamError (message + 1-based column) when invalid. */
export function parseRequirement(text: string): {
  name: string;
  extras: string[];
  specifier: string;
  url: string | null;
  marker: string | null;
} {
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
