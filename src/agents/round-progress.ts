/**
 * Whether a round that exited 0 moved anything (DESIGN §7): pure, from the
 * calls the round's ledger holds and the messages the round was shown. A CLI
 * that exits 0 has not necessarily acted — its tt calls may all have failed
 * (tt not on its PATH, a tool it was not allowed to call), or it may have
 * answered in prose and called nothing.
 */
import type { Message, MessageType } from '../core/types.js';
import type { LedgerEntry } from './round-ledger.js';

/** Messages that ask the agent to do something; the rest (info, ack, approved, task_done, task_failed) only tell it. */
export const ACTIONABLE_TYPES: readonly MessageType[] = ['task', 'query', 'task_assign', 'review_request', 'changes_requested', 'custom'];

/** After this many rounds in a row without progress the loop stops in `stuck`. */
export const MAX_ROUNDS_WITHOUT_PROGRESS = 3;

export type RoundVerdict = { progress: true } | { progress: false; reason: string };

function describeCall(entry: LedgerEntry): string {
  return entry.via === 'mcp' ? `MCP ${entry.call}` : `tt ${entry.call}${entry.exit !== undefined ? ` (exit ${entry.exit})` : ''}`;
}

export function judgeRound(calls: readonly LedgerEntry[], messages: readonly Pick<Message, 'type'>[]): RoundVerdict {
  if (calls.length > 0) {
    if (calls.some((call) => call.ok)) return { progress: true };
    const shown = calls.slice(-3).map(describeCall).join(', ');
    return { progress: false, reason: `all ${calls.length} tt call${calls.length === 1 ? '' : 's'} failed (${calls.length > 3 ? '…, ' : ''}${shown})` };
  }
  const actionable = messages.filter((message) => ACTIONABLE_TYPES.includes(message.type)).length;
  if (actionable === 0) return { progress: true };
  return { progress: false, reason: `no tt call, and ${actionable} message${actionable === 1 ? '' : 's'} asking for action left unhandled` };
}
