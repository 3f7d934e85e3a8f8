/** The process entry the bundle is built from: run main, set the exit code, never exit early (stdout must drain). */
import { main } from './cli/main.js';

process.exitCode = await main(process.argv.slice(2));
