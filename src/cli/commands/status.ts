import { defineCommand, fromAnswer } from '../command.js';
import { status } from '../../app/operations/town.js';
import { renderAgentDetail, renderInbox, renderStatus } from '../render.js';

export const statusCommand = defineCommand({
  path: ['status'],
  describe: 'The town at a glance: agents, their state, unread mail and current task; task counts',
  options: {
    deep: { type: 'boolean', describe: 'Also each agent\'s rounds, uptime, last activity and log tail, its unread messages, and the open tasks' },
    tasks: { type: 'boolean', describe: 'Also list the open tasks' },
  },
  async run(args, cli) {
    const answer = status(cli.session, args);
    const { details, inboxes } = answer.data;
    let text = renderStatus(answer.data.status, { tasks: Boolean(args.tasks || args.deep) });
    if (args.deep) {
      text += `\n\n${details.filter((d) => d.runtime.state !== 'cold').map((d) => renderAgentDetail(d.name, d.runtime, d.log, cli.runtime.now())).join('\n\n')}`;
      if (inboxes.length > 0) text += `\n\n${inboxes.map((inbox) => renderInbox(inbox.agent, inbox.messages)).join('\n\n')}`;
    }
    return fromAnswer(answer, text);
  },
});
