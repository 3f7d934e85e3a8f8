import { defineCommand } from '../command.js';
import { runMergeDriver } from '../../app/merge-driver.js';

/** Plumbing: git runs it as `merge.tinytown.driver` (registered by tt init), from the top of the work tree. */
export const mergeDriverCommand = defineCommand({
  path: ['merge-driver'],
  describe: 'Plumbing for git (registered by tt init; git runs it, people do not): merge three versions of a town file field by field into the second. Exit 1 leaves a normal git conflict (a side that does not parse)',
  positionals: [
    { name: 'base', describe: '%O: the common ancestor\'s version' },
    { name: 'ours', describe: '%A: our version; the result is written here' },
    { name: 'theirs', describe: '%B: their version' },
    { name: 'path', describe: '%P: the file\'s path in the repository' },
  ],
  async run(args, cli) {
    const file = args.path;
    const result = await runMergeDriver({
      cwd: cli.runtime.cwd, base: args.base, ours: args.ours, theirs: args.theirs, path: file,
    });
    if (!result.merged) {
      return {
        kind: 'merge-driver', payload: { path: file, ...result }, text: '', exitCode: 1,
        notes: [`tt merge-driver: ${result.reason}. Cannot merge ${file} field by field: git reports a conflict; the file keeps our side, without conflict markers. Fix or pick a side (git checkout --ours/--theirs -- ${file}), then git add it`],
      };
    }
    const notes = [
      ...(result.bodyMerged ? [`tt merge-driver: ${file}: the text was edited on both sides; both are kept, marked (tt doctor lists such files)`] : []),
      ...(result.notice ? [`tt merge-driver: ${file}: claimed for two agents; the earlier claim wins, and tt sync tells the other (${result.notice})`] : []),
    ];
    return { kind: 'merge-driver', payload: { path: file, ...result }, text: '', notes };
  },
});
