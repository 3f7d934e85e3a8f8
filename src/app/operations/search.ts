/**
 * `tt search` (the MCP search tool): tasks and messages whose text holds the
 * words, tasks most urgent then oldest first, messages newest first, each kind
 * cut to `limit` with the number of matches said, so nothing is hidden silently.
 */
import { UsageError } from '../../errors.js';
import { problemNotes, type Answer } from '../answer.js';
import { searchTown, type MessageHit, type SearchOptions, type TaskHit } from '../search.js';
import type { Session } from '../session.js';

export const DEFAULT_SEARCH_LIMIT = 50;

export interface SearchInput extends SearchOptions {
  /** At most this many of each kind (default DEFAULT_SEARCH_LIMIT; 0: all). */
  limit?: number | undefined;
}

export interface SearchData {
  tasks: TaskHit[];
  messages: MessageHit[];
  /** Matches before the limit. */
  matches: { tasks: number; messages: number };
  limit: number;
}

export function search(session: Session, input: SearchInput): Answer<SearchData> {
  const limit = input.limit ?? DEFAULT_SEARCH_LIMIT;
  if (!Number.isInteger(limit) || limit < 0) throw new UsageError('--limit is a whole number, 0 for all');
  const found = searchTown(session.town(), { ...input, limit });
  const data: SearchData = { tasks: found.tasks, messages: found.messages, matches: found.matches, limit };
  return {
    kind: 'search',
    payload: { query: input.text, matches: data.matches, limit, results: [...data.tasks, ...data.messages] },
    notes: problemNotes(found.problems),
    data,
  };
}
