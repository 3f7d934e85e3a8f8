import type { CommandDefinition } from '../command.js';
import { problemNotes } from '../command.js';
import { townStatus } from '../../ops/status.js';
import { readInbox } from '../../ops/messages.js';
import { renderInbox, renderStatus } from '../render.js';
import { taskJson } from '../json.js';

export const statusCommand: CommandDefinition = {
  path: ['status'],
  describe: 'The town at a glance: agents, their state, unread mail and current task; task counts',
  options: {
    deep: { type: 'boolean', describe: 'Also each agent\'s unread messages and the open tasks' },
    tasks: { type: 'boolean', describe: 'Also list the open tasks' },
  },
  async run(args, cli) {
    const town = cli.town();
    const status = townStatus(town);
    const deep = Boolean(args.deep);
    let text = renderStatus(status, { tasks: Boolean(args.tasks) || deep });
    if (deep) {
      const inboxes = status.agents.filter((a) => a.unread > 0).map((a) => readInbox(town, a.name));
      if (inboxes.length > 0) text += `\n\n${inboxes.map((inbox) => renderInbox(inbox.agent, inbox.messages)).join('\n\n')}`;
    }
    return {
      kind: 'status',
      payload: {
        town: status.town, agents: status.agents, tasks: status.tasks,
        ...(args.tasks || deep ? { open_tasks: status.openTasks.map(taskJson) } : {}),
        ...(status.problems.length ? { problems: status.problems } : {}),
      },
      text,
      notes: problemNotes(status.problems),
    };
  },
};
