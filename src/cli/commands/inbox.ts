import { UsageError } from '../../errors.js';
import type { CommandDefinition } from '../command.js';
import { commitNotes, optionalString, problemNotes } from '../command.js';
import { markRead, readAllInboxes, readInbox, type InboxListing } from '../../ops/messages.js';
import type { Town } from '../../store/town.js';
import { resolveAgent } from '../../ops/agents.js';
import { messageJson } from '../json.js';
import { renderInbox } from '../render.js';

/** `--wait`: the unread messages now, or the first ones to arrive (a file-system watch; loaded only when asked for). */
async function waitedInbox(town: Town, agent: string, timeout: unknown): Promise<InboxListing> {
  const seconds = timeout === undefined ? undefined : Number(timeout);
  if (seconds !== undefined && !(Number.isFinite(seconds) && seconds >= 0)) throw new UsageError('--timeout must be a number of seconds, 0 or more');
  const { waitForUnread } = await import('../../watch/inbox-wait.js');
  return waitForUnread(town, agent, { timeoutMs: seconds === undefined ? undefined : seconds * 1000 });
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
    if (args.all) {
      if (args.wait) throw new UsageError('--wait waits on one agent\'s inbox: name the agent instead of --all');
      const inboxes = readAllInboxes(ctx.town).filter((inbox) => inbox.messages.length > 0 || inbox.problems.length > 0);
      const notes = problemNotes(inboxes.flatMap((inbox) => inbox.problems));
      if (args.markRead) {
        for (const inbox of inboxes) notes.push(...commitNotes((await markRead(ctx, inbox.agent, inbox.messages.map((m) => m.id))).commit));
      }
      return {
        kind: 'inboxes',
        payload: { inboxes: inboxes.map((inbox) => ({ agent: inbox.agent, messages: inbox.messages.map((m) => messageJson(m)) })) },
        text: inboxes.length === 0 ? 'no unread messages in the town' : inboxes.map((inbox) => renderInbox(inbox.agent, inbox.messages)).join('\n\n'),
        notes,
      };
    }
    const agentInput = optionalString(args.agent);
    const agent = agentInput ? resolveAgent(ctx.town, agentInput) : ctx.actor;
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
      text: renderInbox(agent, inbox.messages),
      notes,
    };
  },
};
