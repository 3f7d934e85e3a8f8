import { defineCommand, fromAnswer } from '../command.js';
import { reserve } from '../../app/operations/reservations.js';
import { DEFAULT_TTL } from '../../app/reservations.js';
import { renderReservations } from './reservations.js';

export const reserveCommand = defineCommand({
  path: ['reserve'],
  describe: 'Reserve repository paths or globs for yourself (one committed file under .tinytown/reservations/); --exclusive: other agents\' commits touching them are refused in their worktrees',
  positionals: [{ name: 'paths', describe: 'Paths or globs relative to the repository top (*, ?, **; a folder covers what is below it)', variadic: true }],
  options: {
    task: { type: 'string', describe: 'The task it is for: it ends when the task completes or is cancelled' },
    ttl: { type: 'string', describe: `How long it lasts: 90s, 30m, 2h, 1d (default: until its task ends, else ${DEFAULT_TTL})` },
    exclusive: { type: 'boolean', describe: 'Only you may commit to these paths' },
  },
  examples: [['tt reserve "src/api/**" --exclusive --task t-7k2', 'hold the API folder while working on a task']],
  async run(args, cli) {
    const answer = await reserve(cli.session, args);
    return fromAnswer(answer, `Reserved:\n${renderReservations(answer.data, cli.runtime.now())}`);
  },
});
