/** The process entry the bundle is built from: run main, set the exit code, never exit early (stdout must drain). */
import { main } from './cli/main.js';
import { faces } from './faces.js';

void main(process.argv.slice(2), { faces }).then((code) => {
  process.exitCode = code;
});
