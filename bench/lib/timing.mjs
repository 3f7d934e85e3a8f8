// Clocks and pauses for the benchmark, and its progress log (stderr, with the run's elapsed time).

export const nowNs = () => process.hrtime.bigint();
export const msSince = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
/** Busy-free blocking pause, for polling loops that must not yield to timers (see lib/watch.mjs). */
export const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A logger stamped with seconds since `startNs`, and that elapsed time itself. */
export function createLog(startNs = nowNs()) {
  const elapsedS = () => Number(process.hrtime.bigint() - startNs) / 1e9;
  const log = (message) => process.stderr.write(`[bench ${elapsedS().toFixed(1).padStart(6)}s] ${message}\n`);
  return { log, elapsedS };
}
