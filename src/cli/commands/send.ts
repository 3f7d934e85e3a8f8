import { defineCommand, fromAnswer } from '../command.js';
import { send } from '../../app/operations/messages.js';

export const sendCommand = defineCommand({
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
    const type = args.query ? 'query' : args.info ? 'info' : args.ack ? 'ack' : 'task';
    const answer = await send(cli.session, { ...args, type });
    const first = answer.data[0]!;
    return fromAnswer(answer, `Sent ${first.id} to ${answer.data.map((m) => m.to).join(', ')}`);
  },
});
