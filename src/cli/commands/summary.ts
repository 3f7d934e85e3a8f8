import type { CommandDefinition } from '../command.js';
import { optionalString } from '../command.js';
import { coordinationSummary, renderSummaryMarkdown } from '../../app/summary.js';

export const summaryCommand: CommandDefinition = {
  path: ['summary'],
  describe: 'Markdown of the coordination in a commit range, for a pull-request description (default: since the merge-base with the default branch)',
  positionals: [{ name: 'range', describe: 'A git revision range such as main..HEAD', required: false }],
  examples: [['tt summary | gh pr create --body-file -', 'describe a pull request']],
  async run(args, cli) {
    const summary = await coordinationSummary(cli.town(), optionalString(args.range));
    return { kind: 'summary', payload: { summary }, text: renderSummaryMarkdown(summary) };
  },
};
