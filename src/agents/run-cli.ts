/**
 * One run of an agent's CLI: argv without a shell, the prompt on stdin, in a
 * file or as one argument, output appended to the log; its environment from
 * cli-env.ts (tt's bin/ first on PATH), plus who it is and its round's token.
 * A CLI run in a machine-readable output mode (AgentCommand.output) has its
 * stdout read instead: the log gets the human-readable text of it, and the
 * outcome carries the usage it reported (core/cli-output.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { runtimePaths } from '../store/runtime.js';
import { MAX_PROMPT_ARGUMENT_BYTES, PROMPT_PLACEHOLDER, roundArgv, type AgentCommand } from './cli-command.js';
import { agentEnvironment } from './cli-env.js';
import { ROUND_ENV } from './round-ledger.js';
import { addRoundUsage, parseCliOutput, parseCodexEvent, type CliOutputFormat, type RoundUsage } from '../core/cli-output.js';

export interface CliRun {
  root: string;
  agent: string;
  round: number;
  command: AgentCommand;
  prompt: string;
  env: NodeJS.ProcessEnv;
  /** The round's ledger token (TINYTOWN_ROUND): the tt calls made with it are this round's. */
  token: string;
  /** Where the CLI runs: the agent's worktree (app/worktrees.ts), else the town root. */
  cwd?: string | undefined;
  /** More of the CLI's environment: the shared town and tt's hooks, in a worktree. */
  extraEnv?: Record<string, string> | undefined;
  /** Called with the child so the loop can stop it on SIGTERM. */
  onStart?: (child: ChildProcess) => void;
}

export interface CliOutcome {
  ok: boolean;
  exitCode: number | null;
  error?: string;
  /** What the CLI reported about the round's tokens and cost; null when it reported nothing. */
  usage: RoundUsage | null;
}

/** More machine-readable output than this from one round is logged as printed rather than held to be parsed. */
const MAX_HELD_OUTPUT_BYTES = 32 * 1024 * 1024;

/** Turns a CLI's machine-readable stdout into log text as it arrives, and its usage at the end. */
class OutputReader {
  private held = '';
  private heldBytes = 0;
  private passThrough = false;
  private usage: RoundUsage | null = null;

  constructor(private readonly format: CliOutputFormat, private readonly write: (text: string) => void) {}

  push(chunk: string): void {
    if (this.passThrough) return this.write(chunk);
    this.held += chunk;
    this.heldBytes += Buffer.byteLength(chunk);
    if (this.format === 'codex-jsonl') {
      // One event a line: each is logged as it ends, so the log follows the round.
      const end = this.held.lastIndexOf('\n');
      if (end >= 0) {
        this.lines(this.held.slice(0, end));
        this.held = this.held.slice(end + 1);
        this.heldBytes = Buffer.byteLength(this.held);
      }
    }
    if (this.heldBytes > MAX_HELD_OUTPUT_BYTES) {
      this.passThrough = true;
      this.write(this.held);
      this.held = '';
    }
  }

  end(): RoundUsage | null {
    if (this.passThrough) return null;
    if (this.format === 'codex-jsonl') {
      this.lines(this.held);
      return this.usage;
    }
    const parsed = parseCliOutput(this.format, this.held);
    if (parsed.text.trim()) this.write(`${parsed.text.replace(/\n*$/, '')}\n`);
    return parsed.usage;
  }

  private lines(text: string): void {
    for (const line of text.split('\n')) {
      const event = parseCodexEvent(line);
      if (event.text !== undefined) this.write(`${event.text.replace(/\n*$/, '')}\n`);
      if (event.usage) this.usage = addRoundUsage(this.usage, event.usage);
    }
  }
}

export function runAgentCli(run: CliRun): Promise<CliOutcome> {
  const logFile = runtimePaths.log(run.root, run.agent);
  mkdirSync(path.dirname(logFile), { recursive: true });
  const promptFile = path.join(runtimePaths.prompts(run.root), `${run.agent}-round-${run.round}.md`);
  mkdirSync(path.dirname(promptFile), { recursive: true });
  writeFileSync(promptFile, run.prompt);
  const argv = roundArgv(run.command, { prompt: run.prompt, promptFile });
  const log = openSync(logFile, 'a');
  // The log names the prompt file, not the prompt again: it is in the file, and the log is read in a terminal.
  const shown = roundArgv(run.command, { prompt: `${PROMPT_PLACEHOLDER} (${promptFile})`, promptFile });
  writeSync(log, `\n=== ${new Date().toISOString()} round ${run.round}: ${shown.map((a) => JSON.stringify(a)).join(' ')}\n`);
  const tooLong = argv.find((word) => Buffer.byteLength(word) > MAX_PROMPT_ARGUMENT_BYTES);
  if (tooLong !== undefined) {
    const error = `the prompt (${Buffer.byteLength(run.prompt)} bytes) is too long for one argument; give this CLI its prompt with {prompt_file} or on stdin`;
    writeSync(log, `=== round ${run.round} failed (${error})\n`);
    closeSync(log);
    return Promise.resolve({ ok: false, exitCode: null, error, usage: null });
  }
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: run.cwd ?? run.root,
      env: agentEnvironment(run.command, run.env, { ...run.extraEnv, TINYTOWN_AGENT: run.agent, TINYTOWN_TOWN: run.root, [ROUND_ENV]: run.token }),
      stdio: [run.command.prompt === 'stdin' ? 'pipe' : 'ignore', run.command.output ? 'pipe' : log, log],
    });
    run.onStart?.(child);
    let finished = false;
    const reader = run.command.output ? new OutputReader(run.command.output, (text) => writeSync(log, text)) : undefined;
    if (reader && child.stdout) {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        if (!finished) reader.push(chunk);
      });
    }
    const finish = (outcome: Omit<CliOutcome, 'usage'>) => {
      if (finished) return;
      const usage = reader?.end() ?? null;
      finished = true;
      writeSync(log, `=== round ${run.round} ${outcome.ok ? 'succeeded' : `failed (${outcome.error ?? `exit ${outcome.exitCode}`})`}\n`);
      closeSync(log);
      resolve({ ...outcome, usage });
    };
    child.on('error', (error) => finish({ ok: false, exitCode: null, error: error.message }));
    // 'close' comes after stdout has ended, so the reader has had all of it.
    child.on('close', (code, signal) => finish({ ok: code === 0, exitCode: code, ...(signal ? { error: `killed by ${signal}` } : {}) }));
    if (child.stdin) {
      child.stdin.on('error', () => { /* the CLI may exit without reading; its exit code tells */ });
      child.stdin.end(run.prompt);
    }
  });
}
