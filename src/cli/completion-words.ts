/**
 * What `tt <TAB>` offers, from the command definitions themselves (so a new
 * command or option completes without touching this file): command and
 * subcommand names, options, option choices, agent names and task ids. Pure:
 * the agent names and task ids are asked for only when they are wanted.
 */
import { GLOBAL_OPTIONS, type CommandDefinition, type CommandGroup, type OptionSpec } from './command.js';

type Registry = ReadonlyArray<CommandDefinition | CommandGroup>;

export interface CompletionSources {
  agents(): string[];
  taskIds(): string[];
}

/** Option and positional names whose values are agents or tasks. */
const AGENT_VALUES = new Set(['agent', 'as', 'from', 'to', 'reviewer', 'cc', 'parent']);
const TASK_VALUES = new Set(['id', 'task']);

function takesValue(spec: OptionSpec | undefined): boolean {
  return spec !== undefined && spec.type !== 'boolean';
}

function valuesFor(name: string, spec: { choices?: readonly string[] } | undefined, sources: CompletionSources): string[] {
  if (spec?.choices) return [...spec.choices];
  if (AGENT_VALUES.has(name)) return sources.agents();
  if (TASK_VALUES.has(name)) return sources.taskIds();
  if (name === 'shell') return ['bash', 'zsh', 'fish'];
  return [];
}

/** Candidates for `current`, the word at the cursor, after `words` (the words before it, without `tt`). */
export function completionWords(registry: Registry, words: readonly string[], current: string, sources: CompletionSources): string[] {
  let group: CommandGroup | undefined;
  let definition: CommandDefinition | undefined;
  const positionals: string[] = [];
  let expecting: [name: string, spec: OptionSpec] | undefined;
  const options = () => ({ ...definition?.options, ...GLOBAL_OPTIONS });
  for (const word of words) {
    if (expecting) {
      expecting = undefined;
      continue;
    }
    if (word.startsWith('-') && word.length > 1) {
      const name = word.replace(/^--?/, '');
      if (!name.includes('=')) {
        const spec = options()[name];
        if (takesValue(spec)) expecting = [name, spec!];
      }
      continue;
    }
    if (definition) positionals.push(word);
    else if (group) definition = group.subcommands.find((sub) => sub.path[1] === word);
    else {
      const entry = registry.find((e) => ('subcommands' in e ? e.name : e.path[0]) === word);
      if (entry && 'subcommands' in entry) group = entry;
      else definition = entry as CommandDefinition | undefined;
      if (!entry) return [];
    }
  }
  const matching = (list: readonly string[]) => [...new Set(list)].filter((word) => word.startsWith(current));
  if (expecting) return matching(valuesFor(expecting[0], expecting[1], sources));
  if (current.startsWith('-')) {
    const eq = current.indexOf('=');
    if (eq > 0) {
      // --state=run… : the option's values after its own "="
      const name = current.slice(2, eq);
      return valuesFor(name, options()[name], sources).map((value) => `${current.slice(0, eq + 1)}${value}`).filter((word) => word.startsWith(current));
    }
    return matching(Object.keys(options()).map((name) => `--${name}`));
  }
  if (!definition) {
    if (group) return matching(group.subcommands.map((sub) => sub.path[1]!));
    return matching(registry.map((e) => ('subcommands' in e ? e.name : e.path[0]!)));
  }
  const positional = definition.positionals?.[positionals.length];
  return positional ? matching(valuesFor(positional.name, undefined, sources)) : [];
}

/** The script a shell sources: each asks `tt completion --words … --current …` for the candidates. */
export function completionScript(shell: 'bash' | 'zsh' | 'fish'): string {
  switch (shell) {
    case 'bash':
      return `# tt completion for bash. Add to ~/.bashrc:  source <(tt completion bash)
_tt_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local words="\${COMP_WORDS[*]:1:COMP_CWORD-1}"
  local IFS=$'\\n'
  COMPREPLY=($(command tt completion --words="$words" --current="$cur" 2>/dev/null))
}
complete -o default -F _tt_complete tt
`;
    case 'zsh':
      return `#compdef tt
# tt completion for zsh. Add to ~/.zshrc (after compinit):  source <(tt completion zsh)
_tt() {
  local -a candidates
  candidates=(\${(f)"$(command tt completion --words="\${(j: :)words[2,CURRENT-1]}" --current="\${words[CURRENT]}" 2>/dev/null)"})
  if (( \${#candidates} )); then compadd -- $candidates; else _files; fi
}
compdef _tt tt
`;
    case 'fish':
      return `# tt completion for fish. Save as ~/.config/fish/completions/tt.fish:  tt completion fish > ~/.config/fish/completions/tt.fish
function __tt_complete
    set -l tokens (commandline -opc)
    set -e tokens[1]
    command tt completion --words="$tokens" --current=(commandline -ct) 2>/dev/null
end
complete -c tt -f -a '(__tt_complete)'
`;
  }
}
