import { UsageError } from '../../errors.js';
import { commitNotes, defineCommand } from '../command.js';
import { getConfigValue, parseConfigValue, parseTownConfig, readConfigText, setConfigValue } from '../../store/config.js';
import { townPaths } from '../../store/paths.js';
import { transact } from '../../app/transaction.js';

/** Command lines and names stay text (`clis.x false` is the command "false"); other values are YAML scalars. */
function typedValue(key: string, value: string): unknown {
  return /^(clis\.|name$|default_cli$)/.test(key) ? value : parseConfigValue(value);
}

export const configCommand = defineCommand({
  path: ['config'],
  describe: 'Show town.yml, read one KEY (dotted, e.g. git.auto_commit) or set it to VALUE (comments are kept)',
  positionals: [
    { name: 'key', describe: 'Dotted key such as agent.max_rounds', required: false },
    { name: 'value', describe: 'New value (a YAML scalar: true, 5, text)', required: false },
  ],
  examples: [['tt config git.auto_commit false', 'write files, never commit']],
  async run(args, cli) {
    const town = cli.town();
    const key = args.key;
    const value = args.value;
    if (key === undefined) return { kind: 'config', payload: { config: town.config }, text: readConfigText(town.root).trimEnd() };
    if (!/^[a-z_]+(\.[a-z0-9_-]+)*$/i.test(key)) throw new UsageError(`illegal config key "${key}": use a dotted key such as git.auto_commit`);
    if (value === undefined) {
      const current = getConfigValue(town.config, key);
      if (current === undefined) throw new UsageError(`town.yml has no key "${key}" (tt config shows them all)`);
      return { kind: 'config', payload: { key, value: current }, text: typeof current === 'object' ? JSON.stringify(current, null, 2) : String(current) };
    }
    const ctx = cli.op();
    const { result, commit } = await transact(town, async (writer) => {
      const text = await setConfigValue(readConfigText(town.root), key, typedValue(key, value));
      const config = parseTownConfig(text, townPaths.config); // refuse a value that would break the town
      writer.write(townPaths.config, text);
      return { result: config, change: { action: 'config', agent: ctx.actor, summary: `${key} = ${value}` } };
    });
    return { kind: 'config', payload: { key, value: getConfigValue(result, key) ?? typedValue(key, value) }, text: `${key} = ${value}`, notes: commitNotes(commit) };
  },
});
