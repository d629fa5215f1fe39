/**
 * A start that runs once and is shared while it runs or after it succeeded; one that failed is
 * forgotten, so the next call tries again (a failed activation does not repeat its error until a
 * window reload). Free of `vscode`: plain mocha tests it.
 */
export function startOnce<T>(start: () => Promise<T>): { get(): Promise<T>; settled(): Promise<T | undefined> } {
  let running: Promise<T> | undefined;
  return {
    get() {
      running ??= start().catch((e) => {
        running = undefined;
        throw e;
      });
      return running;
    },
    /** The started value, or undefined when nothing started or the start failed (never throws). */
    settled() {
      return running?.catch(() => undefined) ?? Promise.resolve(undefined);
    },
  };
}
