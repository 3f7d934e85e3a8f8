import type { CommandDefinition } from '../command.js';
import { optionalString } from '../command.js';
import { readTownLog } from '../../git/log.js';
import { resolveAgent } from '../../app/agents.js';
import { resolveTaskId } from '../../store/reader.js';
import { renderHistory } from '../render.js';
import { eventJson } from '../../app/json.js';
import { UsageError } from '../../errors.js';

export const historyCommand: CommandDefinition = {
  path: ['history'],
  describe: 'Town events read from commit trailers: sends, assignments, reviews, approvals, rejections',
  options: {
    n: { type: 'number', default: 20, describe: 'How many events (newest first)' },
    agent: { type: 'string', describe: 'Only events by this agent' },
    task: { type: 'string', describe: 'Only events about this task' },
  },
  async run(args, cli) {
    const town = cli.town();
    const limit = Number(args.n);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('-n must be a positive whole number');
    const agentInput = optionalString(args.agent);
    const taskInput = optionalString(args.task);
    const events = await readTownLog({
      root: town.root, limit,
      agent: agentInput ? resolveAgent(town, agentInput) : undefined,
      task: taskInput ? resolveTaskId(town.root, taskInput) : undefined,
    });
    return {
      kind: 'history',
      payload: { events: events.map(eventJson) },
      text: renderHistory(events),
    };
  },
};
