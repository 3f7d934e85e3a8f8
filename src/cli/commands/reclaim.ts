import { commitNotes, defineCommand } from '../command.js';
import { reclaimWork } from '../../app/reclaim.js';
import type { LandedTask } from '../../app/landed-work.js';

/** A task tt recover / tt reclaim closed as landed instead of handing it out again. */
export function landedLine(task: LandedTask): string {
  return `${task.id}: its work is already in the town's branch (${task.commit.slice(0, 12)}): ${task.state === 'completed' ? 'completed as landed' : 'sent to its reviewer to approve (nothing left to merge)'}, not handed out again`;
}

export const reclaimCommand = defineCommand({
  path: ['reclaim'],
  describe: 'Move the open work of stopped agents (tasks; with --to also unread messages) to the backlog or another agent, in one commit. No message is dropped',
  options: {
    to: { type: 'string', describe: 'Give tasks and unread messages to this agent', conflicts: ['to-backlog'] },
    'to-backlog': { type: 'boolean', describe: 'Put tasks back in the backlog (messages stay where they are)' },
    from: { type: 'string', describe: 'Only this agent\'s work (default: every stopped agent)' },
    'orphan-tasks': { type: 'boolean', describe: 'Also tasks assigned to agents that no longer exist' },
    cancel: { type: 'boolean', describe: 'With --orphan-tasks: cancel orphaned tasks instead of moving them' },
  },
  examples: [['tt reclaim --from backend --to backend-2', 'hand a dead agent\'s work to another']],
  async run(args, cli) {
    const result = await reclaimWork(cli.op(), {
      to: args.to, toBacklog: Boolean(args.toBacklog), from: args.from,
      orphanTasks: Boolean(args.orphanTasks), cancel: Boolean(args.cancel),
    });
    const lines = [
      `reclaimed ${result.tasks.length} task(s) from ${result.from.join(', ') || 'no agent'}`,
      ...result.tasks.map((t) => `  ${t.id}: ${t.from} → ${t.to ?? (t.state === 'cancelled' ? 'cancelled' : 'backlog')}`),
      ...result.landed.map(landedLine),
      ...(result.forwarded.length ? [`forwarded ${result.forwarded.length} unread message(s)`] : []),
      ...result.leftInPlace.map((left) => `left ${left.count} unread message(s) in ${left.agent}'s inbox (use --to AGENT to forward them)`),
    ];
    const { commit, ...payload } = result;
    return { kind: 'reclaim', payload, text: lines.join('\n'), notes: commitNotes(commit) };
  },
});
