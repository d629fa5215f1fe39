/** Nix as Seam's tests and benchmarks run it: offline, flakes on, no daemon or build users (root on Debian; ../shared/reference/toolchain.md). */
export const OFFLINE_NIX_CONFIG = [
  'experimental-features = nix-command flakes',
  'substituters =',
  'flake-registry =',
  'build-users-group =',
  'sandbox = false',
].join('\n');
