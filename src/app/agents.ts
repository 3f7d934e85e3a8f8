/** Agents: resolving names (nicknames, `supervisor`), registering new ones. */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConflictError, NotFoundError, UsageError } from '../errors.js';
import { AGENT_NAME_PATTERN, closestName, validateAgentName } from '../core/names.js';
import { CONDUCTOR, CONDUCTOR_ALIASES, type Agent } from '../core/types.js';
import { isoNow } from '../core/ids.js';
import { formatAgent } from '../store/records.js';
import { listAgents } from '../store/reader.js';
import { townPaths } from '../store/paths.js';
import { transact } from './transaction.js';
import type { Town } from '../store/town.js';
import { templatePath } from '../package-root.js';
import type { OpContext } from './context.js';

/**
 * Agent names from file names alone: one readdir, no parsing. A file whose
 * name breaks the agent-name rule (agents/Mallory.md, a Cyrillic look-alike)
 * names no agent: mail to it would be a file no reader accepts.
 */
export function agentNames(town: Town): string[] {
  try {
    return readdirSync(path.join(town.root, townPaths.agentsDir))
      .filter((name) => name.endsWith('.md') && !name.startsWith('.'))
      .map((name) => name.slice(0, -3))
      .filter((name) => AGENT_NAME_PATTERN.test(name))
      .sort();
  } catch {
    return [];
  }
}

/**
 * A name as typed → the agent's canonical name. Accepts names, nicknames and
 * the `supervisor` alias; an unknown name is refused with the closest match.
 */
export function resolveAgent(town: Town, input: string, what = 'agent'): string {
  const typed = input.trim();
  if (CONDUCTOR_ALIASES.includes(typed)) return CONDUCTOR;
  const names = agentNames(town);
  if (names.includes(typed)) return typed;
  const agents = listAgents(town.root).items;
  const byNickname = agents.find((agent) => agent.nickname === typed);
  if (byNickname) return byNickname.name;
  validateAgentName(typed, `${what} name`);
  const suggestion = closestName(typed, [...names, ...agents.flatMap((a) => (a.nickname ? [a.nickname] : []))]);
  throw new NotFoundError(`unknown ${what} "${typed}"${suggestion ? `; did you mean "${suggestion}"?` : ''} (tt list shows the agents; tt spawn ${typed} adds one)`);
}

export interface SpawnOptions {
  name: string;
  role?: string | undefined;
  cli?: string | undefined;
  nickname?: string | undefined;
  parent?: string | undefined;
  /** Run its CLI in a worktree of its own (default: town.yml agent.worktree). */
  worktree?: boolean | undefined;
  /** Give its rounds tinytown's MCP server on the CLI's command line (default: town.yml agent.mcp). */
  mcp?: boolean | undefined;
}

/** The roles with instructions in templates/roles/. */
export function knownRoles(): string[] {
  try {
    return readdirSync(path.dirname(templatePath('roles', 'worker.md'))).filter((name) => name.endsWith('.md')).map((name) => name.slice(0, -3)).sort();
  } catch {
    return [];
  }
}

/** True when templates/roles/<role>.md exists: the roles tt knows instructions for. */
export function hasRoleTemplate(role: string): boolean {
  return existsSync(templatePath('roles', `${role}.md`));
}

export function roleInstructions(role: string): string {
  const file = templatePath('roles', `${role}.md`);
  if (existsSync(file)) return readFileSync(file, 'utf8');
  return `You are the ${role} of this town. Do the work your messages and tasks ask for, and report back with tt.\n`;
}

export function newAgent(options: Required<Pick<SpawnOptions, 'name'>> & { role: string; cli: string; nickname: string | null; parent: string | null; worktree?: boolean; mcp?: boolean }, now: Date): Agent {
  const { worktree, mcp, ...fields } = options;
  return { ...fields, created: isoNow(now), ...(worktree ? { worktree: true } : {}), ...(mcp ? { mcp: true } : {}), body: roleInstructions(options.role), extra: {} };
}

/** `beforeWrite` runs after the arguments are validated and before anything is written (spawn checks the CLI there). */
export async function spawnAgent(ctx: OpContext, options: SpawnOptions, beforeWrite?: (agent: { cli: string; mcp: boolean }) => void | Promise<void>): Promise<Agent> {
  const { town } = ctx;
  const name = validateAgentName(options.name);
  if (CONDUCTOR_ALIASES.includes(name) && name !== CONDUCTOR) {
    throw new UsageError(`"${name}" is an alias of the conductor and cannot be an agent's name`);
  }
  const role = options.role ?? (name === 'reviewer' ? 'reviewer' : 'worker');
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(role)) throw new UsageError(`illegal role "${role}": use one word such as worker, reviewer, researcher, tester`);
  const cli = options.cli ?? town.config.default_cli;
  if (!/^[A-Za-z0-9][\w.-]*$/.test(cli)) throw new UsageError(`illegal CLI name "${cli}": name a preset or an entry of town.yml's clis`);
  const nickname = options.nickname ?? null;
  if (nickname !== null) validateAgentName(nickname, 'nickname');
  const parent = options.parent ? resolveAgent(town, options.parent, 'parent agent') : ctx.actor;
  const worktree = options.worktree ?? town.config.agent.worktree;
  if (worktree && !town.gitDir) throw new UsageError(`${name} cannot have a worktree: ${town.root} is not in a git repository (git init first, or spawn it without --worktree)`);
  const mcp = options.mcp ?? town.config.agent.mcp;
  // Said before anything else is checked: an existing agent is the answer, not its CLI.
  if (agentNames(town).includes(name)) throw new ConflictError(`agent "${name}" already exists (tt list shows the agents)`);
  await beforeWrite?.({ cli, mcp });
  const { result } = await transact(town, (writer) => {
    if (agentNames(town).includes(name)) throw new ConflictError(`agent "${name}" already exists (tt list shows the agents)`);
    if (nickname !== null) {
      const clash = listAgents(town.root).items.find((agent) => agent.nickname === nickname || agent.name === nickname);
      if (clash || CONDUCTOR_ALIASES.includes(nickname)) throw new ConflictError(`nickname "${nickname}" is already taken${clash ? ` by ${clash.name}` : ''}`);
    }
    const agent = newAgent({ name, role, cli, nickname, parent, worktree, mcp }, ctx.now());
    writer.write(townPaths.agent(name), formatAgent(agent));
    return { result: agent, change: { action: 'spawn', agent: ctx.actor, summary: `${name} (${role}, ${cli})` } };
  });
  // The inbox exists at once, so hand-written mail can be dropped in (git keeps no empty folder: this is local).
  mkdirSync(path.join(town.root, townPaths.inbox(name)), { recursive: true });
  return result;
}
