import { defineCommand, fromAnswer } from '../command.js';
import { release } from '../../app/operations/reservations.js';
import { renderReservations } from './reservations.js';

export const releaseCommand = defineCommand({
  path: ['release'],
  describe: 'Release your reservations: all of them, or only the paths named (exactly as reserved)',
  positionals: [{ name: 'paths', describe: 'The reserved paths or globs to give up (default: all of yours)', required: false, variadic: true }],
  examples: [['tt release', 'give up everything you reserved'], ['tt release "src/api/**"', 'give up one pattern']],
  async run(args, cli) {
    const answer = await release(cli.session, args);
    return fromAnswer(answer, `Released:\n${renderReservations(answer.data, cli.runtime.now())}`);
  },
});
