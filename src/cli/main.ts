/**
 * The CLI entry: parse, run a command that returns data, render it once.
 * `main` never calls process.exit, so tests run it in-process with their own
 * cwd, env and output sinks.
 */
import { TinytownError } from '../errors.js';
import { CliContext, type CliRuntime, type GlobalArgs } from './command.js';
import { commands } from './commands/index.js';
import { fastParse } from './fast-parse.js';
import { envelope, errorEnvelope } from './json.js';
import { useRandomSource } from '../core/ids.js';
import { kernelRandom } from '../store/random.js';

declare const TINYTOWN_VERSION: string | undefined;
const VERSION = typeof TINYTOWN_VERSION === 'string' ? TINYTOWN_VERSION : '0.0.0-dev';

export interface MainOptions extends Partial<CliRuntime> {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  useRandomSource(kernelRandom);
  const stdout = options.stdout ?? ((text: string) => process.stdout.write(text));
  const stderr = options.stderr ?? ((text: string) => process.stderr.write(text));
  const runtime: CliRuntime = { cwd: options.cwd ?? process.cwd(), env: options.env ?? process.env, now: options.now ?? (() => new Date()), stdout, stderr };
  const wantsJson = argv.includes('--json');
  try {
    let parsed = fastParse(argv, commands);
    if (!parsed) {
      const { parseWithYargs } = await import('./yargs-parse.js');
      const outcome = await parseWithYargs(argv, commands, VERSION);
      if (outcome.kind === 'text') {
        if (outcome.text) stdout(`${outcome.text}\n`);
        return 0;
      }
      parsed = outcome;
    }
    const output = await parsed.definition.run(parsed.args, new CliContext(runtime, parsed.args as GlobalArgs));
    if (output.streamed) {
      // already written, line by line
    } else if (wantsJson && output.json) {
      // A large document arrives as bytes: written as they are unless the caller collects text.
      if (options.stdout) stdout(Buffer.concat(output.json).toString('utf8'));
      else for (const part of output.json) process.stdout.write(part);
    } else if (wantsJson) stdout(envelope(output.kind, output.payload));
    else if (output.text) stdout(`${output.text}\n`);
    for (const note of output.notes ?? []) stderr(`${note}\n`);
    return output.exitCode ?? 0;
  } catch (error) {
    return reportError(error, wantsJson, stdout, stderr);
  }
}

function reportError(error: unknown, wantsJson: boolean, stdout: (t: string) => void, stderr: (t: string) => void): number {
  const known = error instanceof TinytownError;
  if (wantsJson) stdout(errorEnvelope(error));
  if (known) {
    if (!wantsJson) stderr(`tt: ${error.message}\n`);
    return error.exitCode;
  }
  stderr(`tt: unexpected error — this is a bug in tt, please report it with the command you ran:\n${error instanceof Error ? error.stack : String(error)}\n`);
  return 1;
}
