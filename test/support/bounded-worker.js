// Worker side of runBounded: loads the module (TypeScript, through tsx), calls the function, reports.
const { parentPort, workerData } = require('node:worker_threads');

(async () => {
  try {
    const mod = require(workerData.module);
    await mod[workerData.fn](...workerData.args);
    parentPort.postMessage({ ok: true });
  } catch (e) {
    parentPort.postMessage({ ok: false, error: e?.stack ? String(e.stack) : String(e) });
  }
})();
