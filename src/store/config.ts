/**
 * town.yml: plain YAML, read into a typed config with defaults (its parse
 * cached, see readTownConfig), and edited through the YAML library's document
 * model so `tt config KEY VALUE` keeps the user's comments and layout. Both
 * through yaml.ts, the one YAML module.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { ValidationError } from '../errors.js';
import type { TownConfig } from '../core/types.js';
import { PRESET_COMMAND_LINES } from '../core/presets.js';
import { TOWN_DIR_NAME, townPaths } from './paths.js';
import { FolderCache } from './record-cache.js';
import { parseYaml, parseYamlDocument, setYamlIn, YamlSyntaxError } from './yaml.js';

/** The built-in presets' command lines; the table itself is core/presets.ts. */
export const BUILTIN_CLIS: Readonly<Record<string, string>> = PRESET_COMMAND_LINES;

export const DEFAULT_CONFIG: TownConfig = {
  name: 'town',
  default_cli: 'claude',
  clis: {},
  git: { auto_commit: true },
  agent: { max_rounds: 10, idle_timeout_s: 300, stale_after_s: 120, worktree: false, mcp: false },
};

function expectNumber(value: unknown, key: string, fallback: number, file: string): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  throw new ValidationError(`${file}: "${key}" must be a non-negative number`, file, key);
}

function expectBoolean(value: unknown, key: string, fallback: boolean, file: string): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  throw new ValidationError(`${file}: "${key}" must be true or false`, file, key);
}

function expectRecord(value: unknown, key: string, file: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new ValidationError(`${file}: "${key}" must be a mapping`, file, key);
}

export function parseTownConfig(text: string, file: string): TownConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    if (!(error instanceof YamlSyntaxError)) throw error;
    throw new ValidationError(`${file}${error.line ? `:${error.line}` : ''}: YAML error: ${error.message.split('\n')[0]}`, file, undefined, error.line);
  }
  const data = expectRecord(raw, '(top level)', file);
  const git = expectRecord(data.git, 'git', file);
  const agent = expectRecord(data.agent, 'agent', file);
  const clis: Record<string, string> = {};
  for (const [name, command] of Object.entries(expectRecord(data.clis, 'clis', file))) {
    if (typeof command !== 'string' || command.trim() === '') {
      throw new ValidationError(`${file}: clis.${name} must be a command line`, file, `clis.${name}`);
    }
    clis[name] = command;
  }
  if (git.auto_commit !== undefined && typeof git.auto_commit !== 'boolean') {
    throw new ValidationError(`${file}: git.auto_commit must be true or false`, file, 'git.auto_commit');
  }
  const d = DEFAULT_CONFIG;
  return {
    name: typeof data.name === 'string' && data.name ? data.name : d.name,
    default_cli: typeof data.default_cli === 'string' && data.default_cli ? data.default_cli : d.default_cli,
    clis,
    git: { auto_commit: (git.auto_commit as boolean | undefined) ?? d.git.auto_commit },
    agent: {
      max_rounds: expectNumber(agent.max_rounds, 'agent.max_rounds', d.agent.max_rounds, file),
      idle_timeout_s: expectNumber(agent.idle_timeout_s, 'agent.idle_timeout_s', d.agent.idle_timeout_s, file),
      stale_after_s: expectNumber(agent.stale_after_s, 'agent.stale_after_s', d.agent.stale_after_s, file),
      worktree: expectBoolean(agent.worktree, 'agent.worktree', d.agent.worktree, file),
      mcp: expectBoolean(agent.mcp, 'agent.mcp', d.agent.mcp, file),
    },
  };
}

/**
 * town.yml, parsed: every tt call reads it, and it is the one YAML file most
 * calls would load the YAML library for. So the parsed config is cached under
 * the state folder's cache/parsed/ (record-cache.ts), under the one cache rule (stat-cache.ts).
 */
export function readTownConfig(root: string): TownConfig {
  const file = townPaths.config;
  const full = path.join(root, file);
  const cache = FolderCache.open<TownConfig>(root, TOWN_DIR_NAME, 'town-config');
  let stat: Stats | undefined;
  try {
    stat = statSync(full);
  } catch {
    stat = undefined;
  }
  const index = cache.validate(CONFIG_NAME, stat);
  const cached = index >= 0 ? cache.cached(index) : undefined;
  if (cached && 'record' in cached) return cached.record;
  const config = parseTownConfig(readFileSync(full, 'utf8'), file);
  cache.learn(CONFIG_NAME, stat, { record: config });
  cache.save();
  return config;
}

const CONFIG_NAME = path.posix.basename(townPaths.config);

export function readConfigText(root: string): string {
  return readFileSync(path.join(root, townPaths.config), 'utf8');
}

/** A value typed on the command line: YAML scalars, so `false` and `5` are not strings. */
export function parseConfigValue(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}

/** Sets a dotted key in town.yml's text, keeping comments; the result is validated before use. */
export async function setConfigValue(text: string, key: string, value: unknown): Promise<string> {
  const document = parseYamlDocument(text);
  setYamlIn(document, key.split('.'), value);
  return document.toString();
}

export function getConfigValue(config: TownConfig, key: string): unknown {
  let value: unknown = config;
  for (const part of key.split('.')) {
    if (value === null || typeof value !== 'object' || !(part in value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The command line for a CLI name: town.yml's `clis` first, then the built-in presets. */
export function resolveCliCommand(config: TownConfig, cli: string): string | undefined {
  return config.clis[cli] ?? BUILTIN_CLIS[cli];
}
