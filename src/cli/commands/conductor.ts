import { spawn } from 'node:child_process';
import path from 'node:path';
import { defineCommand } from '../command.js';
import { townStatus } from '../../app/status.js';
import { listAgents } from '../../store/reader.js';
import { statePaths, writeStateFile } from '../../store/state-dir.js';
import { CONDUCTOR } from '../../core/types.js';
import { conductorContext, interactiveArgv } from '../../agents/conductor-context.js';
import { agentCommand, findExecutable } from '../../agents/cli-command.js';
import { UsageError } from '../../errors.js';
import { findPreset } from '../../core/presets.js';

export const conductorCommand = defineCommand({
  path: ['conductor'],
  describe: 'Write the conductor\'s context file (the town, its agents and tasks, the report-back loop) and start the conductor\'s CLI interactively with it',
  options: {
    cli: { type: 'string', describe: 'Which CLI (default: the conductor agent\'s cli, else town.yml default_cli)' },
    print: { type: 'boolean', describe: 'Only print the context (and write the file); start nothing' },
  },
  async run(args, cli) {
    const town = cli.town();
    const context = conductorContext(townStatus(town));
    const file = statePaths.conductorContext(town.root);
    writeStateFile(file, context);
    if (args.print) return { kind: 'conductor', payload: { context_file: path.relative(town.root, file), context }, text: context.trimEnd() };
    const cliName = args.cli ?? listAgents(town.root).items.find((a) => a.name === CONDUCTOR)?.cli ?? town.config.default_cli;
    const preset = findPreset(cliName);
    if (preset && !('interactive' in preset)) {
      // The scripted agent answers prompts in an agent's loop; there is no conversation to start.
      throw new UsageError(`the ${cliName} CLI has no interactive mode for the conductor to talk to; the context is in ${path.relative(cli.runtime.cwd, file)} (tt conductor --print shows it), or name another CLI with --cli`);
    }
    const argv = interactiveArgv(cliName, agentCommand(town.config, cliName).argv[0]!, context);
    if (!findExecutable(argv[0]!, cli.runtime.env)) {
      throw new UsageError(`the ${cliName} CLI is not installed ("${argv[0]}" is not on PATH); the context is in ${path.relative(cli.runtime.cwd, file)} — or use --cli, or --print`);
    }
    const code = await new Promise<number>((resolve) => {
      const child = spawn(argv[0]!, argv.slice(1), { cwd: town.root, stdio: 'inherit', env: { ...cli.runtime.env, TINYTOWN_AGENT: CONDUCTOR, TINYTOWN_TOWN: town.root } });
      child.on('error', () => resolve(1));
      child.on('close', (exit) => resolve(exit ?? 1));
    });
    return { kind: 'conductor', payload: { context_file: path.relative(town.root, file), exit_code: code }, text: '', exitCode: code === 0 ? 0 : 1 };
  },
});
