import { defineCommand, fromAnswer } from '../command.js';
import { status } from '../../app/operations/town.js';
import { AGENT_STATE_MEANINGS, renderAgentDetail, renderInboxBrief, renderStateLegend, renderStatus } from '../render.js';

export const statusCommand = defineCommand({
  path: ['status'],
  describe: `The town at a glance: agents, their state, unread mail and current task; task counts. Agent states: ${Object.entries(AGENT_STATE_MEANINGS).map(([state, meaning]) => `${state} = ${meaning}`).join('; ')}`,
  options: {
    deep: { type: 'boolean', describe: 'Also each agent\'s rounds, uptime, last activity, usage (tokens, cost) and log tail, its newest unread subjects, and the open tasks' },
    tasks: { type: 'boolean', describe: 'Also list the open tasks' },
  },
  async run(args, cli) {
    const answer = status(cli.session, args);
    const { details, inboxes } = answer.data;
    let text = renderStatus(answer.data.status, { tasks: Boolean(args.tasks || args.deep), now: cli.runtime.now(), style: cli.runtime.style });
    if (args.deep) {
      const started = details.filter((d) => d.runtime.state !== 'cold');
      if (started.length > 0) text += `\n\n${started.map((d) => renderAgentDetail(d.name, d.runtime, d.log, cli.runtime.now())).join('\n\n')}`;
      const worktrees = details.filter((d) => d.worktree);
      if (worktrees.length > 0) text += `\n\nWorktrees:\n${worktrees.map((d) => `  ${d.name}: ${d.worktree}`).join('\n')}`;
      text += `\n\n${renderStateLegend()}`;
      if (inboxes.length > 0) text += `\n\n${inboxes.map((inbox) => renderInboxBrief(inbox.agent, inbox.messages)).join('\n')}`;
    }
    return fromAnswer(answer, text);
  },
});
