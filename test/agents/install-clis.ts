/**
 * The real agent CLIs for `npm run test:agents`, at pinned versions, installed
 * with npm into a cache folder outside the project — never into its
 * dependencies or its package-lock — and reused when already there:
 * `${TINYTOWN_AGENT_CLI_CACHE:-${XDG_CACHE_HOME:-~/.cache}/tinytown/agent-clis}/<cli>-<version>/`.
 *
 * Run as a script (`tsx test/agents/install-clis.ts`) before the suite, so the
 * download is not timed as a test; the suite calls `ensureAgentClis` again and
 * finds them there. A CLI that cannot be installed or does not run is
 * returned with the reason, for the suite to report it as skipped, loudly.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type AgentCliName = 'claude' | 'codex' | 'gemini';

/** The versions the suite runs (and the README's preset table names). */
export const PINNED_CLIS: Readonly<Record<AgentCliName, { readonly npm: string; readonly version: string }>> = {
  claude: { npm: '@anthropic-ai/claude-code', version: '2.1.332' },
  codex: { npm: '@openai/codex', version: '0.171.0' },
  gemini: { npm: '@google/gemini-cli', version: '0.61.0' },
};

export const AGENT_CLI_NAMES = Object.keys(PINNED_CLIS) as AgentCliName[];

/** Generous: a cold npm cache downloads a few hundred megabytes. */
const INSTALL_TIMEOUT_MS = 10 * 60_000;
const VERSION_TIMEOUT_MS = 60_000;

export type InstalledCli =
  | { readonly name: AgentCliName; readonly version: string; readonly folder: string; readonly binDir: string; readonly skipped?: undefined }
  | { readonly name: AgentCliName; readonly version: string; readonly skipped: string };

/** Where the CLIs are kept: the variable, else the user's cache folder. */
export function agentCliCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TINYTOWN_AGENT_CLI_CACHE) return path.resolve(env.TINYTOWN_AGENT_CLI_CACHE);
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'tinytown', 'agent-clis');
}

function run(file: string, args: readonly string[], options: { cwd?: string; timeoutMs: number }): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd, timeout: options.timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}${error && typeof error.code !== 'number' ? error.message : ''}` });
    });
  });
}

/** The last lines of a long output, for a reason that fits on a screen. */
function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** The CLI's version as it prints it: the proof that it runs here. */
async function checkRuns(name: AgentCliName, binDir: string, version: string): Promise<string | undefined> {
  const result = await run(path.join(binDir, name), ['--version'], { timeoutMs: VERSION_TIMEOUT_MS });
  if (result.code !== 0) return `${name} --version exited ${result.code}: ${tail(result.output)}`;
  if (!result.output.includes(version)) return `${name} --version printed "${tail(result.output, 2)}", not ${version}`;
  return undefined;
}

const COMPLETE_MARKER = '.installed';

/** One CLI, installed when missing (into a temporary folder renamed at the end, so a half install is never reused). */
export async function ensureAgentCli(name: AgentCliName, root = agentCliCacheRoot(), log: (line: string) => void = () => {}): Promise<InstalledCli> {
  const { npm, version } = PINNED_CLIS[name];
  const folder = path.join(root, `${name}-${version}`);
  const binDir = path.join(folder, 'node_modules', '.bin');
  if (!existsSync(path.join(folder, COMPLETE_MARKER))) {
    log(`installing ${npm}@${version} into ${folder}`);
    const staging = `${folder}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    writeFileSync(path.join(staging, 'package.json'), `${JSON.stringify({ name: `tinytown-agent-cli-${name}`, private: true }, null, 2)}\n`);
    const install = await run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', `${npm}@${version}`], { cwd: staging, timeoutMs: INSTALL_TIMEOUT_MS });
    if (install.code !== 0) {
      rmSync(staging, { recursive: true, force: true });
      return { name, version, skipped: `npm install ${npm}@${version} failed (exit ${install.code}): ${tail(install.output)}` };
    }
    writeFileSync(path.join(staging, COMPLETE_MARKER), `${npm}@${version}\n`);
    rmSync(folder, { recursive: true, force: true });
    renameSync(staging, folder);
  }
  const broken = await checkRuns(name, binDir, version);
  if (broken) return { name, version, skipped: `${npm}@${version} is installed in ${folder} but does not run: ${broken}` };
  return { name, version, folder, binDir };
}

/** Every pinned CLI, one after the other (npm in parallel on a small machine only fights itself). */
export async function ensureAgentClis(root = agentCliCacheRoot(), log: (line: string) => void = () => {}): Promise<InstalledCli[]> {
  const installed: InstalledCli[] = [];
  for (const name of AGENT_CLI_NAMES) installed.push(await ensureAgentCli(name, root, log));
  return installed;
}

/** The installed CLIs' marker files, for a quick look at what the cache holds. */
export function describeCache(root = agentCliCacheRoot()): string[] {
  return AGENT_CLI_NAMES.map((name) => {
    const marker = path.join(root, `${name}-${PINNED_CLIS[name].version}`, COMPLETE_MARKER);
    return existsSync(marker) ? readFileSync(marker, 'utf8').trim() : `${name}: not installed`;
  });
}

// As a script: install what is missing, say where, and fail loudly on a CLI that cannot run.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = agentCliCacheRoot();
  const started = Date.now();
  const installed = await ensureAgentClis(root, (line) => process.stderr.write(`test:agents: ${line}\n`));
  for (const cli of installed) {
    process.stderr.write(cli.skipped !== undefined
      ? `test:agents: SKIPPED ${cli.name} ${cli.version}: ${cli.skipped}\n`
      : `test:agents: ${cli.name} ${cli.version} ready in ${cli.folder}\n`);
  }
  process.stderr.write(`test:agents: agent CLIs checked in ${((Date.now() - started) / 1000).toFixed(1)} s (cache ${root})\n`);
}
