/** Every failure Seam reports about a user's files is a SeamError: a message plus where. */
export class SeamError extends Error {
  constructor(
    message: string,
    /** 1-based column within the text that was being parsed, when known. */
    public readonly column?: number,
    public readonly path?: string,
    /** 1-based line, when known. */
    public readonly line?: number,
  ) {
    super(message);
    this.name = 'SeamError';
  }
}

export type Severity = 'error' | 'warning' | 'info';

/** A problem found in a manifest. Lines and columns are 1-based. */
export interface Problem {
  path: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  severity: Severity;
  message: string;
  /** A stable identifier such as `pip/invalid-operator`, for tools and quick fixes. */
  code: string;
  /** The package the problem is about (a version conflict), for the fixes that set its owner. */
  package?: string;
}

/** The message of anything thrown. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
