/**
 * The CLI entry: parse, run a command that returns data, render it once.
 * `main` never calls process.exit, so tests run it in-process with their own
 * cwd, env and output sinks.
 */
import { writeSync } from 'node:fs';
import { asTinytownError } from '../errors.js';
import { CliContext, type CliRuntime, type GlobalArgs } from './command.js';
import { commands } from './commands/index.js';
import { fastParse } from './fast-parse.js';
import { envelope, errorEnvelope } from '../app/json.js';
import { useRandomSource } from '../core/ids.js';
import { kernelRandom } from '../store/random.js';
import { PLAIN, styleFor } from './style.js';
import { recordRoundCall } from '../agents/round-ledger.js';

declare const TINYTOWN_VERSION: string | undefined;
const VERSION = typeof TINYTOWN_VERSION === 'string' ? TINYTOWN_VERSION : '0.0.0-dev';

export interface MainOptions extends Partial<CliRuntime> {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

/**
 * Writes to file descriptor 1 directly: process.stdout is a stream whose
 * set-up (tty or net and stream modules, a socket) costs several
 * milliseconds of a tt call that prints one line. Blocking writes, in order,
 * complete before the process exits; a reader that went away (EPIPE) ends
 * the output quietly, as a closed pipe does for any command-line tool.
 */
function writeStdout(data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(1, bytes, offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return;
      if (code !== 'EAGAIN') throw error;
      // stdout was left non-blocking by whoever opened it: wait for the reader
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, STDOUT_RETRY_MS);
    }
  }
}

const STDOUT_RETRY_MS = 2;

export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  useRandomSource(kernelRandom);
  const stdout = options.stdout ?? writeStdout;
  const stderr = options.stderr ?? ((text: string) => process.stderr.write(text));
  let style = options.style ?? (options.stdout ? PLAIN : undefined);
  const runtime: CliRuntime = {
    registry: commands,
    // Asked for only by a command that renders text for people: --json and --version never stat stdout.
    get style() {
      style ??= styleFor(options.env ?? process.env);
      return style;
    },
    faces: options.faces, cwd: options.cwd ?? process.cwd(), env: options.env ?? process.env, now: options.now ?? (() => new Date()), stdout, stderr,
  };
  // Before parsing (a usage error is answered in JSON too) --json anywhere counts; once parsed, the parser says.
  let wantsJson = argv.includes('--json');
  // Inside an agent's round, each command is noted in the round's ledger (agents/round-ledger.ts): not help, the version, or a server.
  let call: string | undefined = argv[0];
  const noted = (code: number) => {
    if (call !== undefined) recordRoundCall(runtime.env, { via: 'cli', call, ok: code === 0, exit: code });
    return code;
  };
  try {
    // Scripts and agents ask for the version to check tt is there: no reason to load yargs for it.
    if (argv.length === 1 && argv[0] === '--version') {
      call = undefined;
      stdout(`${VERSION}\n`);
      return 0;
    }
    if (argv.length === 2 && argv.includes('--version') && argv.includes('--json')) {
      stdout(envelope('version', { version: VERSION }));
      return 0;
    }
    let parsed = fastParse(argv, commands);
    if (!parsed) {
      const { parseWithYargs } = await import('./yargs-parse.js');
      const outcome = await parseWithYargs(argv, commands, VERSION);
      if (outcome.kind === 'text') {
        call = undefined;
        if (outcome.text) stdout(`${outcome.text}\n`);
        return 0;
      }
      parsed = outcome;
    }
    wantsJson = parsed.args.json === true;
    call = parsed.definition.path.join(' ');
    const output = await parsed.definition.run(parsed.args, new CliContext(runtime, parsed.args as GlobalArgs));
    if (output.streamed) {
      call = undefined; // a server or a watch: its own calls are what count
      // already written, line by line
    } else if (wantsJson && output.json) {
      // A large document arrives as bytes: written as they are unless the caller collects text.
      if (options.stdout) stdout(Buffer.concat(output.json).toString('utf8'));
      else for (const part of output.json) writeStdout(part);
    } else if (wantsJson) stdout(envelope(output.kind, output.payload));
    else if (output.text) stdout(`${output.text}\n`);
    for (const note of output.notes ?? []) stderr(`${note}\n`);
    return noted(output.exitCode ?? 0);
  } catch (error) {
    return noted(reportError(error, wantsJson, stdout, stderr));
  }
}

function reportError(thrown: unknown, wantsJson: boolean, stdout: (t: string) => void, stderr: (t: string) => void): number {
  const known = asTinytownError(thrown);
  const error = known ?? thrown;
  if (wantsJson) stdout(errorEnvelope(error));
  if (known) {
    if (!wantsJson) stderr(`tt: ${known.message}\n`);
    return known.exitCode;
  }
  stderr(`tt: unexpected error — this is a bug in tt, please report it with the command you ran:\n${error instanceof Error ? error.stack : String(error)}\n`);
  return 1;
}
