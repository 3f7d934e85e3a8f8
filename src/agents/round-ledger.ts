/**
 * The round ledger: how a loop knows what its agent did in a round. The loop
 * gives the CLI a fresh TINYTOWN_ROUND token; every tt command and every MCP
 * tool call made with that token in its environment appends one JSON line —
 * what was called and whether it succeeded — to the agent's ledger in its
 * run-time state folder (store/runtime.ts: runtimePaths.roundLedger, so the
 * ledger moves with that folder). After the CLI exits, the loop reads the
 * lines carrying its token (agents/round-progress.ts judges them).
 *
 * An append of one short line (O_APPEND, well under PIPE_BUF) is written whole
 * even when several tt processes append at once, so no lock is taken: a tt
 * call pays one open and one write, and only inside a round.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runtimePaths } from '../store/runtime.js';

/** The environment variable carrying the round's token. */
export const ROUND_ENV = 'TINYTOWN_ROUND';

export interface LedgerEntry {
  round: string;
  /** `cli`: a tt command; `mcp`: a tool of tt mcp. */
  via: 'cli' | 'mcp';
  /** The command path (`task start`) or the tool's name (`task_start`). */
  call: string;
  ok: boolean;
  /** A tt command's exit code. */
  exit?: number;
  at: string;
}

/** Commands that are a round's machinery, not the agent's acts: the scripted agent is the CLI itself, a loop is a loop. */
const NOT_CALLS: ReadonlySet<string> = new Set(['scripted-agent', 'loop']);

/** Only names an agent can have: the ledger path is built from it. */
const AGENT_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * Appends one call to the ledger of the round named by the environment; does
 * nothing outside a round. Never throws: a tt call does not fail for its ledger.
 */
export function recordRoundCall(env: NodeJS.ProcessEnv, call: { via: LedgerEntry['via']; call: string; ok: boolean; exit?: number }): void {
  const round = env[ROUND_ENV];
  const town = env.TINYTOWN_TOWN;
  const agent = env.TINYTOWN_AGENT;
  if (!round || !town || !agent || !AGENT_NAME.test(agent) || !path.isAbsolute(town) || (call.via === 'cli' && NOT_CALLS.has(call.call))) return;
  const entry: LedgerEntry = { round, via: call.via, call: call.call, ok: call.ok, ...(call.exit !== undefined ? { exit: call.exit } : {}), at: new Date().toISOString() };
  try {
    const file = runtimePaths.roundLedger(town, agent);
    mkdirSync(path.dirname(file), { recursive: true });
    appendFileSync(file, `${JSON.stringify(entry)}\n`);
  } catch {
    // the loop then sees no call, and says so in the agent's log
  }
}

/** Starts a round: an empty ledger and a token no earlier round (or a straggler of one) can carry. */
export function beginRoundLedger(root: string, name: string, round: number): string {
  rmSync(runtimePaths.roundLedger(root, name), { force: true });
  return `${round}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** The calls made with this round's token, in the order they ended. */
export function readRoundLedger(root: string, name: string, token: string): LedgerEntry[] {
  let text: string;
  try {
    text = readFileSync(runtimePaths.roundLedger(root, name), 'utf8');
  } catch {
    return [];
  }
  const entries: LedgerEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as LedgerEntry;
      if (entry.round === token) entries.push(entry);
    } catch {
      // a torn line cannot be judged; the others still count
    }
  }
  return entries;
}
