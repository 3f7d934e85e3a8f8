/**
 * `tt spawn` (and `tt restart`) check an agent's CLI before its first round,
 * rather than letting the loop find out three rounds later: that it is
 * installed; that, as root, its command line holds no flag the CLI refuses
 * as root; and, for a CLI tt has a preset for, that it runs (`--version`) and
 * that its help lists every flag of the command line. Each refusal says what
 * failed, the CLI's own words, and the fix. A CLI is checked once per tt
 * process: spawn and the start that follows it share the answer.
 */
import { spawn } from 'node:child_process';
import { UsageError } from '../errors.js';
import { flagsMissingFromHelp, parseVersion, type CliCheck } from '../core/presets.js';
import { findExecutable, type AgentCommand } from './cli-command.js';
import { agentEnvironment } from './cli-env.js';

export interface CliCheckOutcome {
  program: string;
  /** The version the CLI reported, when tt knows how to ask. */
  version?: string;
  /** The version tt's preset was checked with. */
  tested?: string;
}

export interface CliCheckOptions {
  /** The user tt runs as (default: this process's); 0 is root. */
  uid?: number | undefined;
  /** How long one probe (`--version`, `--help`) may take. */
  timeoutMs?: number;
}

const PROBE_TIMEOUT_MS = 60_000;
const checked = new Map<string, Promise<CliCheckOutcome>>();

interface Probe {
  code: number | null;
  output: string;
  error?: string;
}

function probe(program: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Probe> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    child.on('error', (error) => resolve({ code: null, output, error: error.message }));
    child.on('close', (code, signal) => resolve({ code, output, ...(signal ? { error: `killed by ${signal}${signal === 'SIGTERM' ? ` after ${timeoutMs / 1000} s` : ''}` } : {}) }));
  });
}

/** The last few lines a CLI printed, quoted for an error message. */
function quoted(output: string): string {
  const lines = output.trim().split('\n').slice(-4).join('\n').trim();
  return lines ? `: ${lines}` : '';
}

/** The CLI is not installed here (as opposed to installed and unable to run the preset). */
export class CliMissingError extends UsageError {}

function shown(program: string, args: readonly string[]): string {
  return [program, ...args].join(' ');
}

async function runCheck(command: AgentCommand, cli: string, env: NodeJS.ProcessEnv, options: CliCheckOptions): Promise<CliCheckOutcome> {
  const program = command.argv[0]!;
  const found = findExecutable(program, env);
  if (!found) {
    throw new CliMissingError(`the ${cli} CLI is not installed: "${program}" is not on PATH. Install it${command.check ? ` (npm install -g ${command.check.npm})` : ''}, or choose another CLI`);
  }
  const check: CliCheck | undefined = command.check;
  const args = command.argv.slice(1);
  if (options.uid === 0) {
    for (const refusal of check?.refusedAsRoot ?? []) {
      if (!args.includes(refusal.flag)) continue;
      throw new UsageError(`the ${cli} CLI cannot run as root with ${refusal.flag} ("${refusal.error}"). Fix: ${refusal.instead}, or run tt as a user other than root`);
    }
  }
  if (!check) return { program: found };
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  const reinstall = `npm install -g ${check.npm}@${check.tested}`;
  const version = await probe(found, check.version, env, timeoutMs);
  if (version.code !== 0) {
    throw new UsageError(`the ${cli} CLI does not run: "${shown(program, check.version)}" ${version.error ?? `exited ${version.code}`}${quoted(version.output)}. Fix: reinstall it (${reinstall})`);
  }
  const reported = parseVersion(version.output);
  const help = await probe(found, check.help, env, timeoutMs);
  const missing = flagsMissingFromHelp(args, help.output);
  if (help.code !== 0 || missing.length > 0) {
    const why = help.code !== 0 ? `"${shown(program, check.help)}" ${help.error ?? `exited ${help.code}`}${quoted(help.output)}` : `"${shown(program, check.help)}" does not list ${missing.join(', ')}`;
    throw new UsageError(`the ${cli} CLI${reported ? ` ${reported}` : ''} does not accept the command line "${command.argv.join(' ')}": ${why} (tt's preset was checked with ${check.tested}). Fix: ${reinstall}, or set clis.${cli} in town.yml to a command line this version accepts`);
  }
  return { program: found, ...(reported ? { version: reported } : {}), tested: check.tested };
}

/** Checks the CLI a round would run, once per tt process; throws a UsageError naming the fix. */
export function checkAgentCli(command: AgentCommand, cli: string, env: NodeJS.ProcessEnv = process.env, options: CliCheckOptions = {}): Promise<CliCheckOutcome> {
  const uid = options.uid ?? process.getuid?.();
  const cliEnv = agentEnvironment(command, env);
  const key = JSON.stringify([command.argv, uid, cliEnv.PATH, command.env]);
  let outcome = checked.get(key);
  if (!outcome) {
    outcome = runCheck(command, cli, cliEnv, { ...options, uid });
    checked.set(key, outcome);
    outcome.catch(() => checked.delete(key));
  }
  return outcome;
}

/** A note for a CLI whose version differs from the one tt's preset was checked with; undefined when they match or are unknown. */
export function versionNote(cli: string, outcome: CliCheckOutcome): string | undefined {
  if (!outcome.version || !outcome.tested || outcome.version === outcome.tested) return undefined;
  return `note: ${cli} is ${outcome.version}; tt's preset was checked with ${outcome.tested} (its flags are accepted)`;
}
