import { UsageError } from '../../errors.js';
import type { Args, CommandDefinition, CommandOutput } from '../command.js';
import type { OpContext } from '../../app/context.js';
import type { AcceptResult } from '../../app/accept.js';
import { takeInHandWrittenMail } from '../../app/inbox-intake.js';
import { commitNotes, optionalString, problemNotes } from '../command.js';
import { inboxOwners, markRead, readAllInboxes, readInbox, viewAllInboxes, viewInbox, type InboxListing } from '../../app/messages.js';
import type { Town } from '../../store/town.js';
import { resolveAgent } from '../../app/agents.js';
import type { Message } from '../../core/types.js';
import type { FolderView } from '../../store/reader.js';
import { envelopeWithRawJson, indentedJson, messageJson, rawJsonSlot } from '../../app/json.js';
import { renderInbox } from '../render.js';

/** `--wait`: the unread messages now, or the first ones to arrive (a file-system watch; loaded only when asked for). */
async function waitedInbox(town: Town, agent: string, timeout: unknown): Promise<InboxListing> {
  const seconds = timeout === undefined ? undefined : Number(timeout);
  if (seconds !== undefined && !(Number.isFinite(seconds) && seconds >= 0)) throw new UsageError('--timeout must be a number of seconds, 0 or more');
  const { waitForUnread } = await import('../../watch/inbox-wait.js');
  return waitForUnread(town, agent, { timeoutMs: seconds === undefined ? undefined : seconds * 1000 });
}

/**
 * The messages array of the JSON output, rendered for where it sits in the
 * document, as a view the store caches with the inbox: at 50,000 unread
 * messages, printing them again costs a stat per file instead of a parse and
 * a stringify. (Bump the version when messageJson changes shape.)
 */
function messagesJsonView(depth: number): FolderView<Message> {
  return { id: `messages-json-v1-depth-${depth}`, render: (messages) => indentedJson(messages.map((m) => messageJson(m)), depth) };
}

export const inboxCommand: CommandDefinition = {
  path: ['inbox'],
  describe: 'Show unread messages (urgent first, then oldest); --mark-read moves them to read/; --wait blocks until one arrives',
  positionals: [{ name: 'agent', describe: 'Whose inbox (default: the acting agent)', required: false }],
  options: {
    all: { type: 'boolean', describe: 'Every agent\'s unread messages' },
    'mark-read': { type: 'boolean', describe: 'Mark the shown messages read (moves them to inbox/<agent>/read/, one commit)' },
    wait: { type: 'boolean', describe: 'If there is no unread message, wait until one arrives (a file-system watch, no polling), print it and exit 0' },
    timeout: { type: 'number', describe: 'With --wait: give up after this many seconds and exit 3' },
  },
  examples: [
    ['tt inbox backend --wait --timeout 300 --mark-read', 'an agent\'s loop: block until there is mail (at most 5 minutes), take it'],
  ],
  async run(args, cli) {
    const ctx = cli.op();
    if (args.timeout !== undefined && !args.wait) throw new UsageError('--timeout goes with --wait');
    if (args.all && args.wait) throw new UsageError('--wait waits on one agent\'s inbox: name the agent instead of --all');
    const agentInput = optionalString(args.agent);
    const agent = agentInput ? resolveAgent(ctx.town, agentInput) : ctx.actor;
    // Mail written by hand into these inboxes is taken in first (DESIGN §1), as tt watch would.
    const intake = await takeInHandWrittenMail(ctx.town, args.all ? inboxOwners(ctx.town) : [agent], { actor: ctx.actor, now: ctx.now });
    const intakeNotes = intake ? renderIntake(intake) : [];
    const output = await listInboxes(args, ctx, agent);
    // Not a spread: that would evaluate a lazily built payload the printed document never needs.
    output.notes = [...intakeNotes, ...(output.notes ?? [])];
    return output;
  },
};

/** What taking in hand-written mail did, for stderr. */
function renderIntake(result: AcceptResult): string[] {
  const lines = result.events.flatMap((event) => {
    if (event.action === 'accept' && event.what === 'message') return [`note: took in ${event.original} as ${event.path} (from ${event.from})`];
    if (event.action === 'refuse') return [`warning: cannot take in ${event.path}${event.line ? `:${event.line}` : ''}: ${event.problem} (left as it is, not committed; the conductor is told)`];
    return [];
  });
  if (result.blocked) lines.push(`note: hand-written mail not taken in yet: ${result.blocked}`);
  return [...lines, ...result.notes];
}

async function listInboxes(args: Args, ctx: OpContext, agent: string): Promise<CommandOutput> {
  if (args.all) {
    if (args.json && !args.markRead) {
      // inboxes[i].messages sits 3 levels deep in the envelope
      const views = viewAllInboxes(ctx.town, messagesJsonView(3)).filter((inbox) => inbox.count > 0 || inbox.problems.length > 0);
      const skeleton = { inboxes: views.map((inbox, i) => ({ agent: inbox.agent, messages: rawJsonSlot(i) })) };
      return {
        kind: 'inboxes',
        json: envelopeWithRawJson('inboxes', skeleton, views.map((inbox) => inbox.bytes)),
        // for callers that use the data rather than the printed document (none does with --json today)
        get payload() {
          return { inboxes: readAllInboxes(ctx.town).filter((inbox) => inbox.messages.length > 0 || inbox.problems.length > 0).map((inbox) => ({ agent: inbox.agent, messages: inbox.messages.map((m) => messageJson(m)) })) };
        },
        text: '',
        notes: problemNotes(views.flatMap((inbox) => inbox.problems)),
      };
    }
    const inboxes = readAllInboxes(ctx.town).filter((inbox) => inbox.messages.length > 0 || inbox.problems.length > 0);
    const notes = problemNotes(inboxes.flatMap((inbox) => inbox.problems));
    if (args.markRead) {
      for (const inbox of inboxes) notes.push(...commitNotes((await markRead(ctx, inbox.agent, inbox.messages.map((m) => m.id))).commit));
    }
    return {
      kind: 'inboxes',
      payload: { inboxes: inboxes.map((inbox) => ({ agent: inbox.agent, messages: inbox.messages.map((m) => messageJson(m)) })) },
      // Rendered only when printed: at 50,000 messages the text costs as much as the JSON.
      text: args.json ? '' : inboxes.length === 0 ? 'no unread messages in the town' : inboxes.map((inbox) => renderInbox(inbox.agent, inbox.messages)).join('\n\n'),
      notes,
    };
  }
  if (args.json && !args.markRead && !args.wait) {
    // messages sits 1 level deep in the envelope
    const view = viewInbox(ctx.town, agent, messagesJsonView(1));
    return {
      kind: 'inbox',
      json: envelopeWithRawJson('inbox', { agent, messages: rawJsonSlot(0) }, [view.bytes]),
      get payload() {
        return { agent, messages: readInbox(ctx.town, agent).messages.map((m) => messageJson(m)) };
      },
      text: '',
      notes: problemNotes(view.problems),
    };
  }
  const inbox = args.wait ? await waitedInbox(ctx.town, agent, args.timeout) : readInbox(ctx.town, agent);
  const notes = problemNotes(inbox.problems);
  let read = false;
  if (args.markRead && inbox.messages.length > 0) {
    const asReader = { ...ctx, actor: agent };
    notes.push(...commitNotes((await markRead(asReader, agent, inbox.messages.map((m) => m.id))).commit));
    read = true;
  }
  return {
    kind: 'inbox',
    payload: { agent, messages: inbox.messages.map((m) => messageJson(m, read)) },
    text: args.json ? '' : renderInbox(agent, inbox.messages),
    notes,
  };
}
