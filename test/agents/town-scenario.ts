/**
 * The town of the real-CLI suite: a temporary git repository, `tt init`, two
 * workers and a reviewer spawned with a real agent CLI's preset, its model
 * API played by a mock and the brain. The test acts as the conductor: it
 * assigns one task, and the agents do the rest — start, commit, hand a
 * follow-up to the second worker, review, one rejection, fix, approval.
 *
 * Every tt call is a real process run as the town's user (town-user.ts), so
 * the loops, the CLIs and git run as that user too.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createBrain, type BrainMode } from './brain.js';
import { CLI_SETUPS, startMock } from './cli-setups.js';
import type { AgentCliName } from './install-clis.js';
import type { ModelMock } from './protocol.js';
import { giveTo, openTempDir, runAs, type RunResult, type TownUser } from './town-user.js';

export const WORKER = 'worker-1';
export const HELPER = 'worker-2';
export const REVIEWER = 'reviewer';
export const TASK_TITLE = 'Write the greeting [needs-fix]';
export const FOLLOW_UP_TITLE = 'Translate the greeting';

/** Rounds of real CLIs on a loaded 2-core machine: minutes, not seconds. */
const STORY_TIMEOUT_MS = 6 * 60_000;
const POLL_MS = 1_000;

export interface TaskView {
  id: string;
  title: string;
  state: string;
  assignee: string | null;
  reviewer: string | null;
  approved_by: string | null;
  result: string | null;
  created: string;
  completed: string | null;
  usage: { rounds: number; input_tokens: number; output_tokens: number; cost_usd: number | null } | null;
  body: string;
}

export interface ScenarioOptions {
  cli: AgentCliName;
  mode: BrainMode;
  user: TownUser;
  /** The folder holding the CLI's program, readable by the user. */
  cliBinDir: string;
  /** tt's package folder, readable by the user. */
  ttRoot: string;
}

export class TownScenario {
  readonly base = openTempDir('tt-agents-town-');
  readonly repo = path.join(this.base, 'repo');
  readonly home = path.join(this.base, 'home');
  mock: ModelMock | undefined;
  private env: NodeJS.ProcessEnv = {};

  constructor(readonly options: ScenarioOptions) {}

  get ttJs(): string {
    return path.join(this.options.ttRoot, 'bin', 'tt.js');
  }

  /** Starts the mock and makes the town; a string says why this CLI cannot be run here. */
  async setUp(): Promise<string | undefined> {
    const { cli, mode, user } = this.options;
    const mock = await startMock(cli, createBrain(mode));
    if ('missing' in mock) return mock.missing;
    this.mock = mock;
    const setup = CLI_SETUPS[cli];
    mkdirSync(this.home, { recursive: true });
    writeFileSync(path.join(this.home, '.gitconfig'), '');
    setup.configure(mock.url, this.home);
    this.env = {
      HOME: this.home,
      // The CLI's folder, then node's; tt's own bin/ is the loop's to put first (agents/cli-env.ts).
      PATH: [this.options.cliBinDir, path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
      LANG: 'C.UTF-8',
      TMPDIR: path.join(this.base, 'tmp'),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: path.join(this.home, '.gitconfig'),
      ...setup.env(mock.url, this.home),
    };
    mkdirSync(this.env.TMPDIR!, { recursive: true });
    mkdirSync(this.repo);
    writeFileSync(path.join(this.repo, 'README.md'), '# a town for the real agent CLIs\n');
    giveTo(user, this.base);
    for (const args of [['init', '-q', '-b', 'main'], ['config', 'user.name', 'Test User'], ['config', 'user.email', 'test@example.com'], ['config', 'commit.gpgSign', 'false'], ['add', 'README.md'], ['commit', '-q', '-m', 'initial']]) {
      await this.must('git', args);
    }
    await this.tt(['init']);
    if (mode === 'mcp') {
      const printed = await this.tt(['mcp', '--print-config', cli]);
      await setup.addMcp(printed.stdout, this.home, async (line) => { await this.must('sh', ['-c', line]); });
      giveTo(user, this.home);
    }
    return undefined;
  }

  private async must(program: string, args: readonly string[]): Promise<RunResult> {
    const result = await runAs(this.options.user, program, args, { cwd: this.repo, env: this.env });
    if (result.code !== 0) throw new Error(`${program} ${args.join(' ')} failed (exit ${result.code}) as ${this.options.user.label}:\n${result.stdout}${result.stderr}`);
    return result;
  }

  /** tt as the conductor (no TINYTOWN_AGENT), as a process of the town's user. */
  tt(args: readonly string[]): Promise<RunResult> {
    return this.must(process.execPath, [this.ttJs, ...args]);
  }

  async task(id: string): Promise<TaskView> {
    return (JSON.parse((await this.tt(['task', 'show', id, '--json'])).stdout) as { task: TaskView }).task;
  }

  async tasks(): Promise<TaskView[]> {
    return (JSON.parse((await this.tt(['task', 'list', '--json'])).stdout) as { tasks: TaskView[] }).tasks;
  }

  /** The story: spawn the team, assign the task, and wait for the town to settle. */
  async play(): Promise<{ main: TaskView; followUp: TaskView }> {
    for (const name of [WORKER, HELPER, REVIEWER]) await this.tt(['spawn', name, '--cli', this.options.cli]);
    const assigned = JSON.parse((await this.tt(['assign', WORKER, `${TASK_TITLE}\nHand the follow-up to ${HELPER}: ${FOLLOW_UP_TITLE}`, '--reviewer', REVIEWER, '--json'])).stdout) as { task: TaskView };
    const id = assigned.task.id;
    // Settled: both tasks completed and the usage of the reviewer's last round (after its approval) recorded.
    return this.waitFor(async () => {
      const all = await this.tasks();
      const main = all.find((task) => task.id === id);
      const followUp = all.find((task) => task.title === FOLLOW_UP_TITLE);
      if (!main || !followUp || main.state !== 'completed' || followUp.state !== 'completed') return undefined;
      const [mainNow, followUpNow] = [await this.task(main.id), await this.task(followUp.id)];
      return (mainNow.usage?.rounds ?? 0) >= 4 && (followUpNow.usage?.rounds ?? 0) >= 1 ? { main: mainNow, followUp: followUpNow } : undefined;
    }, 'both tasks completed with their usage recorded');
  }

  private async waitFor<T>(condition: () => Promise<T | undefined>, what: string): Promise<T> {
    const deadline = Date.now() + STORY_TIMEOUT_MS;
    for (;;) {
      const value = await condition();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${STORY_TIMEOUT_MS / 1000} s waiting for ${what}\n\n${await this.diagnosis()}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** What a failed run leaves to read: the board, the tasks, each agent's log tail, the mock's requests. */
  async diagnosis(): Promise<string> {
    const status = await runAs(this.options.user, process.execPath, [this.ttJs, 'status', '--deep'], { cwd: this.repo, env: this.env });
    const logs = path.join(this.repo, '.git', 'tinytown', 'logs');
    const tails = existsSync(logs)
      ? readdirSync(logs).map((file) => `--- ${file}\n${readFileSync(path.join(logs, file), 'utf8').split('\n').slice(-40).join('\n')}`)
      : ['(no agent logs)'];
    const requests = this.mock?.requests.map((request) => `${request.method} ${request.path}`) ?? [];
    return [status.stdout, status.stderr, ...tails, `mock: ${requests.length} requests (${[...new Set(requests)].join(', ')})`].join('\n');
  }

  /** `git log` of the town's branch: subject, author, and the Tinytown trailers. */
  async log(): Promise<Array<{ subject: string; author: string; action: string; agent: string; task: string }>> {
    const format = '%s%x1f%an%x1f%(trailers:key=Tinytown-Action,valueonly,separator=)%x1f%(trailers:key=Tinytown-Agent,valueonly,separator=)%x1f%(trailers:key=Tinytown-Task,valueonly,separator=)%x1e';
    const out = (await this.must('git', ['log', '--reverse', `--format=${format}`])).stdout;
    return out.split('\x1e').map((entry) => entry.trim()).filter(Boolean).map((entry) => {
      const [subject = '', author = '', action = '', agent = '', task = ''] = entry.split('\x1f').map((field) => field.trim());
      return { subject, author, action, agent, task };
    });
  }

  async fileAtHead(file: string): Promise<string> {
    return (await this.must('git', ['show', `HEAD:${file}`])).stdout;
  }

  async tearDown(): Promise<void> {
    if (existsSync(path.join(this.repo, '.tinytown'))) await runAs(this.options.user, process.execPath, [this.ttJs, 'stop'], { cwd: this.repo, env: this.env });
    await this.mock?.close();
    rmSync(this.base, { recursive: true, force: true });
  }
}
