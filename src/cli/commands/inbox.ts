import type { CommandDefinition } from '../command.js';
import { commitNotes, optionalString, problemNotes } from '../command.js';
import { markRead, readAllInboxes, readInbox } from '../../ops/messages.js';
import { resolveAgent } from '../../ops/agents.js';
import { messageJson } from '../json.js';
import { renderInbox } from '../render.js';

export const inboxCommand: CommandDefinition = {
  path: ['inbox'],
  describe: 'Show unread messages (urgent first, then oldest); --mark-read moves them to read/',
  positionals: [{ name: 'agent', describe: 'Whose inbox (default: the acting agent)', required: false }],
  options: {
    all: { type: 'boolean', describe: 'Every agent\'s unread messages' },
    'mark-read': { type: 'boolean', describe: 'Mark the shown messages read (moves them to inbox/<agent>/read/, one commit)' },
  },
  async run(args, cli) {
    const ctx = cli.op();
    if (args.all) {
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
    const inbox = readInbox(ctx.town, agent);
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
