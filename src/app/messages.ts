/** Messages: sending (with copies), listing inboxes, marking read (a move, never an edit). */
import { UsageError } from '../errors.js';
import { isoNow, newMessageId } from '../core/ids.js';
import type { Message, MessageType } from '../core/types.js';
import { formatMessage } from '../store/records.js';
import { listInboxOwners, listUnread, viewUnread, type FolderView, type Problem } from '../store/reader.js';
import { townPaths } from '../store/paths.js';
import { transact, type CommitOutcome, type TownWriter } from './transaction.js';
import type { Town } from '../store/town.js';
import { agentNames, resolveAgent } from './agents.js';
import type { OpContext } from './context.js';

export interface NewMessage {
  from: string;
  to: string;
  type: MessageType;
  body: string;
  task?: string | null;
  urgent?: boolean;
  replyTo?: string | null;
  kind?: string | null;
}

export function createMessage(input: NewMessage, now: Date): Message {
  return {
    id: newMessageId(now),
    from: input.from,
    to: input.to,
    type: input.type,
    task: input.task ?? null,
    urgent: input.urgent ?? false,
    created: isoNow(now),
    reply_to: input.replyTo ?? null,
    kind: input.kind ?? null,
    body: input.body,
    extra: {},
  };
}

/** Writes one message per recipient (the first is the addressee, the rest copies). */
export function deliver(writer: TownWriter, input: Omit<NewMessage, 'to'>, recipients: readonly string[], now: Date): Message[] {
  const messages: Message[] = [];
  for (const to of [...new Set(recipients)]) {
    const message = createMessage({ ...input, to }, now);
    writer.write(townPaths.unread(to, message.id), formatMessage(message));
    messages.push(message);
  }
  return messages;
}

export function requireText(text: string | undefined, what: string): string {
  const trimmed = (text ?? '').trim();
  if (!trimmed) throw new UsageError(`${what} is empty: say something`);
  return `${trimmed}\n`;
}

export interface SendOptions {
  to: string;
  text: string;
  type?: MessageType;
  urgent?: boolean;
  task?: string | null;
  cc?: readonly string[];
  replyTo?: string | null;
}

export async function sendMessage(ctx: OpContext, options: SendOptions): Promise<{ messages: Message[]; commit: CommitOutcome }> {
  const body = requireText(options.text, 'the message');
  const to = resolveAgent(ctx.town, options.to);
  const cc = (options.cc ?? []).map((name) => resolveAgent(ctx.town, name));
  const { result, commit } = await transact(ctx.town, (writer) => {
    const messages = deliver(writer, {
      from: ctx.actor, type: options.type ?? 'task', body, task: options.task ?? null,
      urgent: options.urgent ?? false, replyTo: options.replyTo ?? null,
    }, [to, ...cc], ctx.now());
    const copies = cc.length ? ` (cc ${cc.join(', ')})` : '';
    return {
      result: messages,
      change: { action: 'send', agent: ctx.actor, summary: `to ${to}${copies}: ${body}`, task: options.task, messages: messages.map((m) => m.id) },
    };
  });
  return { messages: result, commit };
}

export interface InboxListing {
  agent: string;
  messages: Message[];
  problems: Problem[];
}

export function readInbox(town: Town, agent: string): InboxListing {
  const { items, problems } = listUnread(town.root, agent);
  return { agent, messages: items, problems };
}

/** Every agent, and every inbox folder of an agent that no longer exists, sorted. */
export function inboxOwners(town: Town): string[] {
  return [...new Set([...agentNames(town), ...listInboxOwners(town.root)])].sort();
}

/** Every agent's unread mail, including folders of agents that no longer exist. */
export function readAllInboxes(town: Town): InboxListing[] {
  return inboxOwners(town).map((agent) => readInbox(town, agent));
}

export interface InboxView {
  agent: string;
  /** The unread messages (urgent first, then oldest) as the view renders them, UTF-8. */
  bytes: Buffer;
  count: number;
  problems: Problem[];
}

/**
 * An inbox as text rendered by `view` (the JSON a command prints), cached with
 * the inbox: while none of its files changed, no message is even parsed.
 */
export function viewInbox(town: Town, agent: string, view: FolderView<Message>): InboxView {
  return { agent, ...viewUnread(town.root, agent, view) };
}

/** readAllInboxes as views. */
export function viewAllInboxes(town: Town, view: FolderView<Message>): InboxView[] {
  return inboxOwners(town).map((agent) => viewInbox(town, agent, view));
}

/** Moves the given unread messages to read/, re-checking inside the lock so a racing reader cannot double-move. */
export async function markRead(ctx: OpContext, agent: string, ids: readonly string[]): Promise<{ moved: string[]; commit: CommitOutcome }> {
  const { result, commit } = await transact(ctx.town, (writer) => {
    const stillUnread = new Set(listUnread(ctx.town.root, agent).items.map((m) => m.id));
    const moved = ids.filter((id) => stillUnread.has(id));
    for (const id of moved) writer.move(townPaths.unread(agent, id), townPaths.read(agent, id));
    return {
      result: moved,
      change: { action: 'read', agent: ctx.actor, summary: `${moved.length} message${moved.length === 1 ? '' : 's'} of ${agent}`, messages: moved },
    };
  });
  return { moved: result, commit };
}
