/**
 * What an operation hands back to whichever face called it: the JSON document
 * (`kind` and `payload`, exactly what `tt --json` prints and an MCP tool
 * returns), diagnostics for stderr (`notes`: a deferred commit, a skipped
 * file) and the typed data a face renders for people.
 */
import type { Problem } from '../store/reader.js';
import type { CommitOutcome } from './transaction.js';

export interface Answer<T = unknown> {
  kind: string;
  payload: Record<string, unknown>;
  notes: string[];
  data: T;
}

export function commitNotes(commit: CommitOutcome): string[] {
  if (commit.status === 'deferred') return [`note: ${commit.reason}`];
  if (commit.status === 'disabled') return ['note: git.auto_commit is false: files written, nothing committed'];
  return [];
}

export function problemNotes(problems: readonly Problem[]): string[] {
  return problems.map((p) => `warning: skipped ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message} (tt doctor)`);
}
