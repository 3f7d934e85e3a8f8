import { defineCommand, fromAnswer } from '../command.js';
import { spawn } from '../../agents/operations.js';

export const spawnCommand = defineCommand({
  path: ['spawn'],
  describe: 'Register an agent (agents/<name>.md from templates/roles/<role>.md) and start its loop in the background',
  positionals: [{ name: 'name', describe: 'Agent name: a-z, 0-9, "-", starting with a letter, at most 32' }],
  options: {
    role: { type: 'string', describe: 'conductor | worker | reviewer | researcher | tester | any word (default: worker; reviewer for an agent named reviewer)' },
    cli: { type: 'string', describe: 'Agent CLI preset or town.yml clis entry (default: town.yml default_cli)' },
    nickname: { type: 'string', describe: 'Another name the agent answers to' },
    parent: { type: 'string', describe: 'The agent it reports to (default: the acting agent)' },
    start: { type: 'boolean', default: true, describe: 'Start its loop (--no-start: register only)' },
    foreground: { type: 'boolean', describe: 'Run the loop in this terminal instead of the background' },
    'max-rounds': { type: 'number', describe: 'Stop after this many rounds (default: town.yml agent.max_rounds)' },
    worktree: { type: 'boolean', describe: 'Run its CLI in a git worktree of its own; each task on branch tt/<task-id> (default: town.yml agent.worktree)' },
    mcp: { type: 'boolean', describe: "Give its rounds tinytown's MCP server (tt mcp) on the CLI's command line: claude and codex (default: town.yml agent.mcp)" },
  },
  examples: [['tt spawn backend', 'a worker'], ['tt spawn backend --worktree', 'a worker in a worktree of its own'], ['tt spawn backend --mcp', 'a worker whose rounds get the tinytown MCP tools'], ['tt spawn reviewer', 'the quality gate (role reviewer)']],
  async run(args, cli) {
    const { json: _json, ...input } = args;
    const answer = await spawn(cli.session, input);
    const { agent, pid, stopped, notStarted } = answer.data;
    if (stopped !== undefined) return fromAnswer(answer, `${agent.name} stopped: ${stopped}`);
    if (notStarted !== undefined) return fromAnswer(answer, `Spawned ${agent.name} (${agent.role}, cli ${agent.cli}); registered, not started (see the warning)`);
    return fromAnswer(answer, `Spawned ${agent.name} (${agent.role}, cli ${agent.cli}); ${pid ? `running in the background (pid ${pid}; tt status --deep)` : 'registered, not started'}`);
  },
});
