import { readdirSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { agentNames } from '../../app/agents.js';
import { townPaths } from '../../store/paths.js';
import type { Town } from '../../store/town.js';
import { defineCommand, type CliContext } from '../command.js';
import { completionScript, completionWords, type CompletionSources } from '../completion-words.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];
const TASK_FILE = /^t-[0-9a-z]{6}\.md$/;

/** Agents and task ids of the town here; outside a town there are none (completion never prints an error). */
function townSources(cli: CliContext): CompletionSources {
  const town = (): Town | undefined => {
    try {
      return cli.town();
    } catch {
      return undefined;
    }
  };
  return {
    agents() {
      const here = town();
      return here ? [...agentNames(here), 'supervisor'] : [];
    },
    taskIds() {
      const here = town();
      try {
        return here ? readdirSync(path.join(here.root, townPaths.tasksDir)).filter((name) => TASK_FILE.test(name)).map((name) => name.slice(0, -3)).sort() : [];
      } catch {
        return [];
      }
    },
  };
}

export const completionCommand = defineCommand({
  path: ['completion'],
  describe: 'Print a shell completion script (commands, options, agent names, task ids)',
  positionals: [{ name: 'shell', describe: `${SHELLS.join(', ')} (default: from $SHELL)`, required: false }],
  options: {
    words: { type: 'string', describe: 'For the scripts: the words before the cursor (after "tt"); prints the candidates, one a line' },
    current: { type: 'string', describe: 'For the scripts, with --words: the word at the cursor' },
  },
  examples: [
    ['source <(tt completion bash)', 'in ~/.bashrc'],
    ['tt completion fish > ~/.config/fish/completions/tt.fish', 'fish'],
  ],
  async run(args, cli) {
    if (args.words !== undefined || args.current !== undefined) {
      // main hands over the registry (which imports this command): no import of it from here
      const commands = cli.runtime.registry ?? [];
      const words = (args.words ?? '').split(/\s+/).filter(Boolean);
      const candidates = completionWords(commands, words, args.current ?? '', townSources(cli));
      return { kind: 'completion', payload: { candidates }, text: candidates.join('\n') };
    }
    const fromEnv = path.basename(cli.runtime.env.SHELL ?? '') as Shell;
    const chosen = (args.shell ?? (SHELLS.includes(fromEnv) ? fromEnv : 'bash')) as Shell;
    if (!SHELLS.includes(chosen)) throw new UsageError(`no completion for the shell "${args.shell}": use ${SHELLS.join(', ')}`);
    return { kind: 'completion', payload: { shell: chosen, script: completionScript(chosen) }, text: completionScript(chosen).trimEnd() };
  },
});
