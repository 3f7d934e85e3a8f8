import { commitNotes, defineCommand } from '../command.js';
import { initTown } from '../../app/init.js';

export const initCommand = defineCommand({
  path: ['init'],
  describe: 'Create a town in this git repository (in a clone of a repo with a town: set up what is local)',
  options: { name: { type: 'string', describe: 'Town name (default: the folder name)' } },
  async run(args, cli) {
    const { town, created, commit } = await initTown({ cwd: cli.runtime.cwd, name: args.name, now: cli.runtime.now });
    const text = created
      ? `Initialised town "${town.config.name}" in ${town.dir}\nNext: tt spawn backend · tt spawn reviewer --role reviewer · tt assign backend "…"`
      : `Town "${town.config.name}" already exists in ${town.dir}; local set-up checked`;
    return { kind: 'town', payload: { town: { name: town.config.name, root: town.root }, created }, text, notes: commitNotes(commit) };
  },
});
