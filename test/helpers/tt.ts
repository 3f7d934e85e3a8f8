/** Running tt: in-process through main(argv), or as a real process through bin/tt.js. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/index.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TT_BIN = path.join(REPO_ROOT, 'bin', 'tt.js');

export interface TtResult {
  code: number;
  stdout: string;
  stderr: string;
  json<T = Record<string, unknown>>(): T;
}

function result(code: number, stdout: string, stderr: string): TtResult {
  return { code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T };
}

export async function tt(cwd: string, args: string[], env: Record<string, string | undefined> = {}): Promise<TtResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    cwd,
    env: { ...process.env, ...env },
    stdout: (text) => { stdout += text; },
    stderr: (text) => { stderr += text; },
  });
  return result(code, stdout, stderr);
}

/** tt as a separate process (the built bundle), as agents run it. */
export function ttProcess(cwd: string, args: string[], env: Record<string, string | undefined> = {}): Promise<TtResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TT_BIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => resolve(result(code ?? 1, stdout, stderr)));
  });
}

/** A repo with a town, a worker `backend`, a second worker `frontend` and a `reviewer`. */
/** `tt … --json`, its document; a failure throws with everything tt printed. */
export async function ttJson(dir: string, args: string[]): Promise<Record<string, unknown>> {
  const run = await tt(dir, [...args, '--json']);
  if (run.code !== 0) throw new Error(`tt ${args.join(' ')} failed (${run.code}): ${run.stderr}${run.stdout}`);
  return run.json();
}

export async function townWithTeam(dir: string): Promise<void> {
  for (const args of [['init'], ['spawn', 'backend', '--no-start'], ['spawn', 'frontend', '--no-start'], ['spawn', 'reviewer', '--no-start']]) {
    const run = await tt(dir, args);
    if (run.code !== 0) throw new Error(`tt ${args.join(' ')} failed: ${run.stderr}`);
  }
}
