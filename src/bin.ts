/** The process entry the bundle is built from: run main, set the exit code, exit once nothing is left to do. */
import { main } from './cli/main.js';
import { faces } from './faces.js';

void main(process.argv.slice(2), { faces }).then((code) => {
  process.exitCode = code;
  // Left to itself, node then tears its heap down piece by piece: ~8–14 ms of CPU of a `tt send`
  // on a small machine, paid by every call. So tt exits at once — but only when nothing is left.
  // stdout is written with blocking writes (cli/main.ts); anything still pending — stderr queued
  // for a slow reader (a SimpleWriteWrap), a server, a child, a read — is an active resource,
  // and then tt ends the natural way. (process.stdout itself is not touched: creating it costs
  // milliseconds.) setImmediate first, so that what was queued behind main has run.
  setImmediate(() => {
    if (process.getActiveResourcesInfo().length === 0) process.exit(code);
  });
});
