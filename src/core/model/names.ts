/** PEP 503 / PEP 685 name handling. */

const VALID_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

/** PEP 503 normalization: lower-case, runs of `-`, `_`, `.` become one `-`. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** Whether `name` is a valid project (or extra) name per the core metadata spec. */
export function isValidName(name: string): boolean {
  return VALID_NAME.test(name);
}
