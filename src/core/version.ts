/** Seam's version: set by the bundler (esbuild's `define`); `dev` when run from the sources. */
declare const SEAM_VERSION: string | undefined;

export const VERSION: string = typeof SEAM_VERSION === 'string' ? SEAM_VERSION : 'dev';
