/**
 * One run of an agent's CLI: argv without a shell, the prompt on stdin, in a
 * file or as one argument, output appended to the log; its environment from
 * cli-env.ts (tt's bin/ first on PATH), plus who it is and its round's token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { runtimePaths } from '../store/runtime.js';
import { MAX_PROMPT_ARGUMENT_BYTES, PROMPT_PLACEHOLDER, roundArgv, type AgentCommand } from './cli-command.js';
import { agentEnvironment } from './cli-env.js';
import { ROUND_ENV } from './round-ledger.js';

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
    return Promise.resolve({ ok: false, exitCode: null, error });
  }
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: run.cwd ?? run.root,
      env: agentEnvironment(run.command, run.env, { ...run.extraEnv, TINYTOWN_AGENT: run.agent, TINYTOWN_TOWN: run.root, [ROUND_ENV]: run.token }),
      stdio: [run.command.prompt === 'stdin' ? 'pipe' : 'ignore', log, log],
    });
    run.onStart?.(child);
    const finish = (outcome: CliOutcome) => {
      writeSync(log, `=== round ${run.round} ${outcome.ok ? 'succeeded' : `failed (${outcome.error ?? `exit ${outcome.exitCode}`})`}\n`);
      closeSync(log);
      resolve(outcome);
    };
    child.on('error', (error) => finish({ ok: false, exitCode: null, error: error.message }));
    child.on('close', (code, signal) => finish({ ok: code === 0, exitCode: code, ...(signal ? { error: `killed by ${signal}` } : {}) }));
    if (child.stdin) {
      child.stdin.on('error', () => { /* the CLI may exit without reading; its exit code tells */ });
      child.stdin.end(run.prompt);
    }
  });
}
