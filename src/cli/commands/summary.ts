import { defineCommand, fromAnswer } from '../command.js';
import { summary } from '../../app/operations/town.js';
import { renderSummaryMarkdown } from '../../app/summary.js';

export const summaryCommand = defineCommand({
  path: ['summary'],
  describe: 'Markdown of the coordination in a commit range, for a pull-request description (default: since the merge-base with the default branch)',
  positionals: [{ name: 'range', describe: 'A git revision range such as main..HEAD', required: false }],
  examples: [['tt summary | gh pr create --body-file -', 'describe a pull request']],
  async run(args, cli) {
    const answer = await summary(cli.session, args);
    return fromAnswer(answer, renderSummaryMarkdown(answer.data));
  },
});
