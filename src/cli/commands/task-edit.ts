/** `tt task edit` and `tt task reassign`: changing an open task's text, priority, tags, reviewer or assignee. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { PRIORITIES } from '../../core/types.js';
import * as tasks from '../../app/operations/tasks.js';
import { defineCommand, fromAnswer, type PositionalSpec } from '../command.js';

// (task.ts imports this file for its group, so the id argument is declared here too rather than imported from it)
const TASK_ID_ARG = { name: 'id', describe: 'Task id or a unique prefix (3+ characters after t-)' } as const satisfies PositionalSpec;

/** The description from --body-file: a file of the person's, read here (the face), not by the operation. */
function readBodyFile(cwd: string, file: string): string {
  const full = path.resolve(cwd, file);
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(full, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --body-file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export const taskEditCommand = defineCommand({
  path: ['task', 'edit'],
  describe: 'Change an open task\'s title, description, priority, tags or reviewer (one commit; none when nothing changes)',
  positionals: [TASK_ID_ARG],
  options: {
    title: { type: 'string', describe: 'New title (one line)' },
    description: { type: 'string', describe: 'New description (the task file\'s body)', conflicts: ['body-file'] },
    'body-file': { type: 'string', describe: 'New description from this file ("-": standard input)', conflicts: ['description'] },
    priority: { type: 'string', choices: PRIORITIES, describe: 'New priority' },
    tags: { type: 'string', array: true, describe: 'Replace the tags (comma-separated or repeated; "" clears them)' },
    reviewer: { type: 'string', describe: 'New reviewer ("" removes it)' },
  },
  examples: [
    ['tt task edit t-7k2 --priority urgent --tags api,auth', 'raise it and retag it'],
    ['tt task edit t-7k2 --body-file notes.md', 'replace the description with a file'],
  ],
  async run(args, cli) {
    const description = args.bodyFile === undefined ? args.description : readBodyFile(cli.runtime.cwd, args.bodyFile);
    const answer = await tasks.edit(cli.session, {
      id: args.id, title: args.title, description, priority: args.priority, reviewer: args.reviewer,
      tags: args.tags === undefined ? undefined : args.tags.filter((tag) => tag.trim() !== ''),
    });
    const { task, changed } = answer.data;
    const text = changed.length === 0 ? `Unchanged ${task.id} (${task.state}): ${task.title}` : `Edited ${task.id} (${changed.join(', ')}): ${task.title}`;
    return fromAnswer(answer, text);
  },
});

export const taskReassignCommand = defineCommand({
  path: ['task', 'reassign'],
  describe: 'Hand an open task to another agent: it gets the task, the old assignee is told (a running task goes back to assigned)',
  positionals: [TASK_ID_ARG, { name: 'agent', describe: 'The new assignee' }],
  examples: [['tt task reassign t-7k2 frontend', 'frontend takes it over']],
  async run(args, cli) {
    const answer = await tasks.reassign(cli.session, { id: args.id, agent: args.agent });
    const task = answer.data;
    return fromAnswer(answer, `Reassigned ${task.id} (${task.state}) from ${task.previous ?? 'nobody'} to ${task.assignee}: ${task.title}`);
  },
});
