import type { CommandDefinition } from '../command.js';
import { problemNotes } from '../command.js';
import { townStatus } from '../../app/status.js';
import { readInbox } from '../../app/messages.js';
import { renderAgentDetail, renderInbox, renderStatus } from '../render.js';
import { readAgentRuntime } from '../../store/runtime.js';
import { logTail } from '../../agents/log-tail.js';
import { taskJson } from '../../app/json.js';

export const statusCommand: CommandDefinition = {
  path: ['status'],
  describe: 'The town at a glance: agents, their state, unread mail and current task; task counts',
  options: {
    deep: { type: 'boolean', describe: 'Also each agent\'s rounds, uptime, last activity and log tail, its unread messages, and the open tasks' },
    tasks: { type: 'boolean', describe: 'Also list the open tasks' },
  },
  async run(args, cli) {
    const town = cli.town();
    const status = townStatus(town);
    const deep = Boolean(args.deep);
    let text = renderStatus(status, { tasks: Boolean(args.tasks) || deep });
    const details = deep ? status.agents.map((agent) => ({ name: agent.name, runtime: readAgentRuntime(town.root, agent.name), log: logTail(town.root, agent.name) })) : [];
    if (deep) {
      text += `\n\n${details.filter((d) => d.runtime.state !== 'cold').map((d) => renderAgentDetail(d.name, d.runtime, d.log, cli.runtime.now())).join('\n\n')}`;
      const inboxes = status.agents.filter((a) => a.unread > 0).map((a) => readInbox(town, a.name));
      if (inboxes.length > 0) text += `\n\n${inboxes.map((inbox) => renderInbox(inbox.agent, inbox.messages)).join('\n\n')}`;
    }
    const agents = deep ? status.agents.map((agent, i) => ({ ...agent, runtime: details[i]!.runtime, log_tail: details[i]!.log })) : status.agents;
    return {
      kind: 'status',
      payload: {
        town: status.town, agents, tasks: status.tasks,
        ...(args.tasks || deep ? { open_tasks: status.openTasks.map(taskJson) } : {}),
        ...(status.problems.length ? { problems: status.problems } : {}),
      },
      text,
      notes: problemNotes(status.problems),
    };
  },
};
