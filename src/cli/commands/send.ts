import { UsageError } from '../../errors.js';
import type { MessageType } from '../../core/types.js';
import type { CommandDefinition } from '../command.js';
import { commitNotes, optionalString, requiredString, stringList } from '../command.js';
import { sendMessage } from '../../app/messages.js';
import { resolveTaskId } from '../../store/reader.js';
import { messageJson } from '../../app/json.js';

export const sendCommand: CommandDefinition = {
  path: ['send'],
  describe: 'Send a message to an agent\'s inbox (conductor/supervisor, a name or a nickname)',
  positionals: [
    { name: 'to', describe: 'Recipient agent' },
    { name: 'message', describe: 'The text (quote it)' },
  ],
  options: {
    from: { type: 'string', describe: 'Sender (default: --as, TINYTOWN_AGENT, or conductor)' },
    query: { type: 'boolean', describe: 'A question that needs an answer', conflicts: ['info', 'ack'] },
    info: { type: 'boolean', describe: 'Informational, no action needed', conflicts: ['query', 'ack'] },
    ack: { type: 'boolean', describe: 'An acknowledgement', conflicts: ['query', 'info'] },
    urgent: { type: 'boolean', describe: 'Read before everything else' },
    task: { type: 'string', describe: 'The task this is about (id or unique prefix)' },
    cc: { type: 'string', array: true, describe: 'Copy to another agent (repeatable)' },
  },
  examples: [
    ['tt send reviewer "API ready for review in src/api.ts"', 'a direct handoff'],
    ['tt send conductor --query "Need a decision on rollout timing"', 'escalate'],
  ],
  async run(args, cli) {
    const ctx = cli.op(optionalString(args.from));
    const type: MessageType = args.query ? 'query' : args.info ? 'info' : args.ack ? 'ack' : 'task';
    const taskInput = optionalString(args.task);
    if (taskInput === '') throw new UsageError('--task needs a task id');
    const task = taskInput ? resolveTaskId(ctx.town.root, taskInput) : null;
    const { messages, commit } = await sendMessage(ctx, {
      to: requiredString(args.to), text: requiredString(args.message), type, urgent: Boolean(args.urgent), task, cc: stringList(args.cc),
    });
    const first = messages[0]!;
    return {
      kind: 'message',
      payload: { message: messageJson(first), ...(messages.length > 1 ? { copies: messages.slice(1).map((m) => messageJson(m)) } : {}) },
      text: `Sent ${first.id} to ${messages.map((m) => m.to).join(', ')}`,
      notes: commitNotes(commit),
    };
  },
};
