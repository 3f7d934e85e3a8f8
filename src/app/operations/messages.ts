/**
 * The message operations every face offers: `tt send` (the MCP send tool, the
 * board's send form) and reading an inbox (`tt inbox`, the inbox tools).
 * Waiting for mail is a watch (src/watch), which the application layer does
 * not import: a face that waits hands the waited listing in.
 */
import { UsageError } from '../../errors.js';
import type { Message, MessageType } from '../../core/types.js';
import { listNewestUnread, resolveTaskId } from '../../store/reader.js';
import type { AcceptResult } from '../accept.js';
import { commitNotes, problemNotes, type Answer } from '../answer.js';
import { takeInHandWrittenMail } from '../inbox-intake.js';
import { messageJson } from '../json.js';
import { resolveAgent } from '../agents.js';
import { inboxOwners, markRead, readInbox, sendMessage, type InboxListing } from '../messages.js';
import type { Town } from '../../store/town.js';
import type { Session } from '../session.js';

export interface SendInput {
  to: string;
  message: string;
  /** The sender (`--from`): else the session's acting agent. */
  from?: string | undefined;
  type?: Extract<MessageType, 'task' | 'query' | 'info' | 'ack'> | undefined;
  urgent?: boolean | undefined;
  task?: string | undefined;
  cc?: readonly string[] | undefined;
}

export async function send(session: Session, input: SendInput): Promise<Answer<Message[]>> {
  const ctx = session.op(input.from);
  if (input.task === '') throw new UsageError('--task needs a task id');
  const task = input.task === undefined ? null : resolveTaskId(ctx.town.root, input.task);
  const { messages, commit } = await sendMessage(ctx, {
    to: input.to, text: input.message, type: input.type ?? 'task', urgent: input.urgent ?? false, task, cc: input.cc ?? [],
  });
  const first = messages[0]!;
  return {
    kind: 'message',
    payload: { message: messageJson(first), ...(messages.length > 1 ? { copies: messages.slice(1).map((m) => messageJson(m)) } : {}) },
    notes: commitNotes(commit),
    data: messages,
  };
}

/** Whose inbox an inbox operation is about: the named agent, else the acting one. */
export function inboxAgent(session: Session, agent: string | undefined): string {
  const ctx = session.op();
  return agent ? resolveAgent(ctx.town, agent) : ctx.actor;
}

/**
 * Mail written by hand into these inboxes is taken in first (DESIGN §1), as
 * `tt watch` would; the notes say what was taken in or refused.
 */
export async function takeInMail(session: Session, agents: readonly string[]): Promise<string[]> {
  const ctx = session.op();
  const intake = await takeInHandWrittenMail(ctx.town, agents, { actor: ctx.actor, now: ctx.now });
  return intake ? intakeNotes(intake) : [];
}

function intakeNotes(result: AcceptResult): string[] {
  const lines = result.events.flatMap((event) => {
    if (event.action === 'accept' && event.what === 'message') return [`note: took in ${event.original} as ${event.path} (from ${event.from})`];
    if (event.action === 'refuse') return [`warning: cannot take in ${event.path}${event.line ? `:${event.line}` : ''}: ${event.problem} (left as it is, not committed; the conductor is told)`];
    return [];
  });
  if (result.blocked) lines.push(`note: hand-written mail not taken in yet: ${result.blocked}`);
  return [...lines, ...result.notes];
}

/** How many unread messages an inbox shows unless asked for more (DESIGN §4): the newest. */
export const DEFAULT_INBOX_LIMIT = 50;

/** An inbox as shown: at most `limit` of its unread messages (the newest), in listing order, and how many are unread. */
export interface ShownInbox extends InboxListing {
  unread: number;
}

function checkLimit(limit: number | undefined): number {
  const value = limit ?? DEFAULT_INBOX_LIMIT;
  if (!Number.isInteger(value) || value < 0) throw new UsageError('--limit is a whole number of messages, 0 for all');
  return value;
}

/** The newest `limit` of a listing, kept in its order (urgent first, then oldest). */
function newestOf(inbox: InboxListing, limit: number): ShownInbox {
  const unread = inbox.messages.length;
  if (limit === 0 || unread <= limit) return { ...inbox, unread };
  const keep = new Set(inbox.messages.map((m) => m.id).sort().slice(-limit));
  return { ...inbox, messages: inbox.messages.filter((m) => keep.has(m.id)), unread };
}

/** Reads only what it shows: with a limit, the newest files by name (ids sort by time); with 0, the whole inbox through its cache. */
function readShown(town: Town, agent: string, limit: number): ShownInbox {
  if (limit === 0) {
    const inbox = readInbox(town, agent);
    return { ...inbox, unread: inbox.messages.length + inbox.problems.length };
  }
  const { items, problems, unread } = listNewestUnread(town.root, agent, limit);
  return { agent, messages: items, problems, unread };
}

export function inboxPayload(inbox: ShownInbox, read = false): Record<string, unknown> {
  return { agent: inbox.agent, unread: inbox.unread, messages: inbox.messages.map((m) => messageJson(m, read)) };
}

export interface InboxInput {
  agent?: string | undefined;
  markRead?: boolean | undefined;
  /** At most this many unread messages, the newest (default DEFAULT_INBOX_LIMIT; 0: all). --mark-read marks exactly these. */
  limit?: number | undefined;
  /**
   * The listing a wait found (src/watch/inbox-wait.ts); else the inbox is read
   * now. A face that waits takes in hand-written mail (takeInMail) before it
   * waits, so it is not taken in again here.
   */
  waited?: InboxListing | undefined;
}

/** One inbox, unread messages urgent first then oldest; with markRead they move to read/ (one commit, by the reader). */
export async function showInbox(session: Session, input: InboxInput): Promise<Answer<ShownInbox>> {
  const limit = checkLimit(input.limit);
  const agent = inboxAgent(session, input.agent);
  const notes = input.waited ? [] : await takeInMail(session, [agent]);
  const ctx = session.op();
  const inbox = input.waited ? newestOf(input.waited, limit) : readShown(ctx.town, agent, limit);
  notes.push(...problemNotes(inbox.problems));
  let read = false;
  if (input.markRead && inbox.messages.length > 0) {
    notes.push(...commitNotes((await markRead({ ...ctx, actor: agent }, agent, inbox.messages.map((m) => m.id))).commit));
    read = true;
  }
  return { kind: 'inbox', payload: inboxPayload(inbox, read), notes, data: inbox };
}

/** Every inbox with unread mail (or an unreadable file), including folders of agents that no longer exist. */
export async function showAllInboxes(session: Session, input: { markRead?: boolean | undefined; limit?: number | undefined }): Promise<Answer<ShownInbox[]>> {
  const limit = checkLimit(input.limit);
  const ctx = session.op();
  const notes = await takeInMail(session, inboxOwners(ctx.town));
  const inboxes = inboxOwners(ctx.town).map((agent) => readShown(ctx.town, agent, limit)).filter((inbox) => inbox.unread > 0 || inbox.problems.length > 0);
  notes.push(...problemNotes(inboxes.flatMap((inbox) => inbox.problems)));
  if (input.markRead) {
    for (const inbox of inboxes) notes.push(...commitNotes((await markRead(ctx, inbox.agent, inbox.messages.map((m) => m.id))).commit));
  }
  return { kind: 'inboxes', payload: { inboxes: inboxes.map((inbox) => inboxPayload(inbox, input.markRead)) }, notes, data: inboxes };
}
