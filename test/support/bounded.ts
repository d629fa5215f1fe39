/**
 * Runs a function of a test module in a worker thread with a hard deadline. A reader caught in an
 * endless loop cannot be stopped by mocha's timeout (it never yields); a worker can be terminated,
 * so the test fails with the input still named instead of hanging the run.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

export function runBounded(module: string, fn: string, args: unknown[], ms: number): Promise<void> {
  const worker = new Worker(path.join(__dirname, 'bounded-worker.js'), {
    workerData: { module, fn, args },
    execArgv: ['--require', require.resolve('tsx/cjs')],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`${fn}(${JSON.stringify(args).slice(0, 200)}) did not finish within ${ms} ms: a reader loops or is super-linear`));
    }, ms);
    worker.once('message', (m: { ok: boolean; error?: string }) => {
      clearTimeout(timer);
      void worker.terminate();
      if (m.ok) resolve();
      else reject(new Error(m.error));
    });
    worker.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
