/**
 * `npm run test:agents`: the real agent CLIs run as tt agents (issue 18).
 * For each CLI × {through tt commands, through tt mcp tools} × {root, an
 * unprivileged user}: a town of two workers and a reviewer, the CLI's preset
 * as it is, its model API mocked on 127.0.0.1 and played by the brain. The
 * test is the conductor: it assigns one task and asserts on what the agents
 * made of it — the tasks, the commits and their trailers, the approval, and
 * the usage the CLI reported, recorded on the tasks.
 *
 * A CLI that cannot be installed or run, or whose mock is missing, is
 * reported as skipped with the reason; with TINYTOWN_AGENT_CLIS=required
 * (.ci/run sets it) it fails instead.
 */
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_CLI_NAMES, agentCliCacheRoot, ensureAgentClis, type AgentCliName } from './install-clis.js';
import { FOLLOW_UP_TITLE, HELPER, REVIEWER, TASK_TITLE, TownScenario, WORKER, type TaskView } from './town-scenario.js';
import { readableFolder, townUsers } from './town-user.js';
import type { BrainMode } from './brain.js';

const TT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** What tt needs at run time, for a copy the unprivileged user can read. */
const TT_ENTRIES = ['bin', 'dist', 'templates', 'package.json', 'node_modules'];
const REQUIRED = process.env.TINYTOWN_AGENT_CLIS === 'required';
const MODES: ReadonlyArray<{ mode: BrainMode; label: string }> = [{ mode: 'tt', label: 'through tt commands' }, { mode: 'mcp', label: 'through tt mcp tools' }];

const installed = new Map((await ensureAgentClis(agentCliCacheRoot())).map((cli) => [cli.name, cli]));
const { users, skipped: userSkips } = townUsers();
const copies: string[] = [];
const report: string[] = [];

function skipLoudly(what: string, reason: string, skip: (note: string) => void): void {
  const line = `SKIPPED ${what}: ${reason}`;
  process.stderr.write(`\n!!! test:agents ${line}\n\n`);
  report.push(line);
  if (REQUIRED) throw new Error(`${line} (TINYTOWN_AGENT_CLIS=required)`);
  skip(reason);
}

function seconds(from: string, to: string | null): string {
  return to ? `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s` : '-';
}

function usageText(task: TaskView): string {
  const usage = task.usage;
  return usage ? `${usage.rounds} rounds, ${usage.input_tokens} in, ${usage.output_tokens} out${usage.cost_usd === null ? '' : `, $${usage.cost_usd}`}` : 'none';
}

afterAll(async () => {
  const { rmSync } = await import('node:fs');
  for (const copy of copies) rmSync(copy, { recursive: true, force: true });
  for (const skipped of userSkips) report.push(`SKIPPED ${skipped}`);
  process.stderr.write(`\ntest:agents results (assignment → approval, tt's own timestamps; usage as recorded on the tasks):\n${report.map((line) => `  ${line}`).join('\n')}\n\n`);
});

describe.each(AGENT_CLI_NAMES.map((cli) => ({ cli })))('$cli', ({ cli }: { cli: AgentCliName }) => {
  describe.each(MODES)('$label', ({ mode, label }) => {
    it.for(users.map((user) => [user.label, user] as const))('as %s: assign, start, commit, hand off, reject once, fix, approve', async ([, user], context) => {
      const what = `${cli} ${label} as ${user.label}`;
      const cliInstall = installed.get(cli)!;
      if (cliInstall.skipped !== undefined) return skipLoudly(what, cliInstall.skipped, (note) => context.skip(note));
      const scenario = new TownScenario({
        cli, mode, user,
        cliBinDir: path.join(readableFolder(user, cliInstall.folder, '.installed', ['node_modules', '.installed'], copies), 'node_modules', '.bin'),
        ttRoot: readableFolder(user, TT_ROOT, 'dist/tt.cjs', TT_ENTRIES, copies),
      });
      try {
        const missing = await scenario.setUp();
        if (missing !== undefined) return skipLoudly(what, missing, (note) => context.skip(note));
        const { main, followUp } = await scenario.play();

        expect(main).toMatchObject({ title: TASK_TITLE, state: 'completed', assignee: WORKER, reviewer: REVIEWER, approved_by: REVIEWER });
        expect(followUp).toMatchObject({ title: FOLLOW_UP_TITLE, state: 'completed', assignee: HELPER });
        expect(followUp.result).toMatch(/\S/);

        const log = await scenario.log();
        const mainEvents = log.filter((entry) => entry.task === main.id && ['start', 'review', 'reject', 'approve'].includes(entry.action));
        expect(mainEvents.map((entry) => `${entry.action} by ${entry.agent}`)).toEqual([
          `start by ${WORKER}`, `review by ${WORKER}`, `reject by ${REVIEWER}`, `review by ${WORKER}`, `approve by ${REVIEWER}`,
        ]);
        expect(log.find((entry) => entry.task === followUp.id && entry.action === 'assign')?.agent).toBe(WORKER);
        expect(log.filter((entry) => entry.task === followUp.id && ['start', 'complete'].includes(entry.action)).map((entry) => entry.agent)).toEqual([HELPER, HELPER]);
        // The agents' own code commits, made with git through the CLI's shell tool (no Tinytown trailers).
        const codeCommits = log.filter((entry) => entry.action === '').map((entry) => entry.subject);
        expect(codeCommits).toEqual(expect.arrayContaining([`${TASK_TITLE} (${main.id})`, `Address the review of ${main.id}`, `${FOLLOW_UP_TITLE} (${followUp.id})`]));
        expect(await scenario.fileAtHead(`work/${main.id}.md`)).toContain('Fixed after review.');

        // The usage the CLI reported, summed on each task by tt's loop.
        expect(main.usage!.rounds).toBeGreaterThanOrEqual(4);
        expect(main.usage!.input_tokens).toBeGreaterThan(0);
        expect(main.usage!.output_tokens).toBeGreaterThan(0);
        expect(followUp.usage!.input_tokens).toBeGreaterThan(0);
        expect(scenario.mock!.requests.length).toBeGreaterThan(0);

        report.push(`${what}: ${seconds(main.created, main.completed)} (follow-up done ${seconds(main.created, followUp.completed)} after the assignment); `
          + `usage ${main.id}: ${usageText(main)}; ${followUp.id}: ${usageText(followUp)}; ${scenario.mock!.requests.length} model requests`);
      } finally {
        await scenario.tearDown();
      }
    });
  });
});
