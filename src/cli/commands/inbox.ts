import { UsageError } from '../../errors.js';
import type { CommandOutput } from '../command.js';
import { defineCommand, fromAnswer, problemNotes } from '../command.js';
import { inboxOwners, viewAllInboxes, viewInbox } from '../../app/messages.js';
import { DEFAULT_INBOX_LIMIT, inboxAgent, showAllInboxes, showInbox, takeInMail } from '../../app/operations/messages.js';
import type { Message } from '../../core/types.js';
import type { FolderView } from '../../store/reader.js';
import { envelopeWithRawJson, indentedJson, messageJson, rawJsonSlot } from '../../app/json.js';
import type { Session } from '../../app/session.js';
import { renderInbox } from '../render.js';

/**
 * The messages array of the JSON output, rendered for where it sits in the
 * document, as a view the store caches with the inbox: at 50,000 unread
 * messages, printing them again costs a stat per file instead of a parse and
 * a stringify. (Bump the version when messageJson changes shape.)
 */
function messagesJsonView(depth: number): FolderView<Message> {
  return { id: `messages-json-v1-depth-${depth}`, render: (messages) => indentedJson(messages.map((m) => messageJson(m)), depth) };
}

/**
 * `--json --limit 0` without --mark-read or --wait: every unread message, the
 * document from views cached with the inboxes, bytes spliced in. (With a
 * limit, the default, only the newest files are read at all: no view needed.)
 */
function cachedInboxJson(session: Session, agent: string | undefined, notes: string[]): CommandOutput {
  const town = session.town();
  if (agent === undefined) {
    // inboxes[i].messages sits 3 levels deep in the envelope
    const views = viewAllInboxes(town, messagesJsonView(3)).filter((inbox) => inbox.count > 0 || inbox.problems.length > 0);
    const skeleton = { inboxes: views.map((inbox, i) => ({ agent: inbox.agent, unread: inbox.count + inbox.problems.length, messages: rawJsonSlot(i) })) };
    return {
      kind: 'inboxes',
      json: envelopeWithRawJson('inboxes', skeleton, views.map((inbox) => inbox.bytes)),
      // for callers that use the data rather than the printed document (none does with --json today)
      get payload() {
        return { inboxes: views.map((inbox) => ({ agent: inbox.agent, unread: inbox.count + inbox.problems.length, messages: JSON.parse(inbox.bytes.toString('utf8')) as unknown })) };
      },
      text: '',
      notes: [...notes, ...problemNotes(views.flatMap((inbox) => inbox.problems))],
    };
  }
  // messages sits 1 level deep in the envelope
  const view = viewInbox(town, agent, messagesJsonView(1));
  const unread = view.count + view.problems.length;
  return {
    kind: 'inbox',
    json: envelopeWithRawJson('inbox', { agent, unread, messages: rawJsonSlot(0) }, [view.bytes]),
    get payload() {
      return { agent, unread, messages: JSON.parse(view.bytes.toString('utf8')) as unknown };
    },
    text: '',
    notes: [...notes, ...problemNotes(view.problems)],
  };
}

export const inboxCommand = defineCommand({
  path: ['inbox'],
  describe: `Show unread messages: the newest ${DEFAULT_INBOX_LIMIT} (unless --limit), urgent first, then oldest; --mark-read moves exactly those to read/; --wait blocks until one arrives`,
  positionals: [{ name: 'agent', describe: 'Whose inbox (default: the acting agent)', required: false }],
  options: {
    all: { type: 'boolean', describe: 'Every agent\'s unread messages' },
    'mark-read': { type: 'boolean', describe: 'Mark the shown messages read (moves them to inbox/<agent>/read/, one commit)' },
    wait: { type: 'boolean', describe: 'If there is no unread message, wait until one arrives (a file-system watch, no polling), print it and exit 0' },
    timeout: { type: 'number', describe: 'With --wait: give up after this many seconds and exit 3' },
    limit: { type: 'number', describe: `Show at most this many unread messages per inbox, the newest (default ${DEFAULT_INBOX_LIMIT}; 0: all)` },
  },
  examples: [
    ['tt inbox backend --wait --timeout 300 --mark-read', 'an agent\'s loop: block until there is mail (at most 5 minutes), take it'],
    ['tt inbox --all --limit 0', 'every unread message of every inbox'],
  ],
  async run(args, cli) {
    const session = cli.session;
    if (args.timeout !== undefined && !args.wait) throw new UsageError('--timeout goes with --wait');
    if (args.all && args.wait) throw new UsageError('--wait waits on one agent\'s inbox: name the agent instead of --all');
    const agent = inboxAgent(session, args.agent);
    const limit = args.limit ?? DEFAULT_INBOX_LIMIT;
    if (!Number.isInteger(limit) || limit < 0) throw new UsageError('--limit is a whole number of messages, 0 for all');
    if (args.json && limit === 0 && !args.markRead && !args.wait) {
      const intake = await takeInMail(session, args.all ? inboxOwners(session.town()) : [agent]);
      return cachedInboxJson(session, args.all ? undefined : agent, intake);
    }
    if (args.all) {
      const answer = await showAllInboxes(session, { markRead: args.markRead, limit });
      // Rendered only when printed: at 50,000 messages the text costs as much as the JSON.
      const text = args.json ? '' : answer.data.length === 0 ? 'no unread messages in the town' : answer.data.map((inbox) => renderInbox(inbox.agent, inbox.messages, inbox.unread)).join('\n\n');
      return fromAnswer(answer, text);
    }
    let waited;
    let intake: string[] = [];
    if (args.wait) {
      const seconds = args.timeout;
      if (seconds !== undefined && !(Number.isFinite(seconds) && seconds >= 0)) throw new UsageError('--timeout must be a number of seconds, 0 or more');
      intake = await takeInMail(session, [agent]);
      // a file-system watch, loaded only when asked for
      const { waitForUnread } = await import('../../watch/inbox-wait.js');
      waited = await waitForUnread(session.town(), agent, { timeoutMs: seconds === undefined ? undefined : seconds * 1000 });
    }
    const answer = await showInbox(session, { agent, markRead: args.markRead, waited, limit });
    answer.notes.unshift(...intake);
    return fromAnswer(answer, args.json ? '' : renderInbox(agent, answer.data.messages, answer.data.unread));
  },
});
