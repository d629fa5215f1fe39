/** A function that never returns: proves runBounded's deadline stops it. */
export function spin(): void {
  for (;;) {
    // Intentionally endless.
  }
}
