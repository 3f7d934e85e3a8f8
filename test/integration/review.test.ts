import { writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, headCommit, tempRepo, trailersOf, treeSnapshot } from '../helpers/repo.js';
import { townWithTeam, tt } from '../helpers/tt.js';

type TaskJson = { task: { id: string; state: string; reviewer: string | null; approved_by: string | null; reviewed_commit: string | null } };

describe('review as commits', () => {
  it('runs assign → start → review → reject → fix → review → approve, with every decision a commit', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const worker = { TINYTOWN_AGENT: 'backend' };
    const id = (await tt(dir, ['assign', 'backend', 'Build the API', '--reviewer', 'reviewer', '--json'])).json<TaskJson>().task.id;
    expect((await tt(dir, ['task', 'start', id], worker)).code).toBe(0);

    writeFileSync(path.join(dir, 'api.ts'), 'export const api = 1;\n');
    git(dir, 'add', 'api.ts');
    git(dir, 'commit', '-q', '-m', 'Add the API');

    const handoff = await tt(dir, ['review', id, '--message', 'API ready in api.ts', '--json'], worker);
    expect(handoff.code, handoff.stderr).toBe(0);
    expect(handoff.json<TaskJson>().task).toMatchObject({ state: 'review', reviewer: 'reviewer' });
    const request = (await tt(dir, ['inbox', 'reviewer', '--json'])).json<{ messages: Array<{ type: string; body: string; task: string }> }>().messages;
    expect(request).toHaveLength(1);
    expect(request[0]).toMatchObject({ type: 'review_request', task: id });
    expect(request[0]!.body).toContain('API ready in api.ts');
    expect(request[0]!.body).toContain('Add the API');
    expect(request[0]!.body).toMatch(/api\.ts \| 1 \+/);

    // A worker approving its own task is refused, and nothing changes.
    const before = treeSnapshot(dir);
    const selfApproval = await tt(dir, ['approve', id], worker);
    expect(selfApproval.code).toBe(1);
    expect(selfApproval.stderr).toContain('backend cannot approve');
    expect(treeSnapshot(dir)).toBe(before);

    const rejected = await tt(dir, ['reject', id, '--reason', 'Password hashing uses a weak algorithm', '--cc', 'conductor', '--as', 'reviewer', '--json']);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.json<TaskJson>().task.state).toBe('assigned');
    expect(trailersOf(dir)).toMatchObject({
      'Tinytown-Action': ['reject'], 'Tinytown-Agent': ['reviewer'], 'Tinytown-Task': [id],
      'Tinytown-Reason': ['Password hashing uses a weak algorithm'], 'Tinytown-Reviewed-Commit': [git(dir, 'log', '-1', '--format=%H', '--', 'api.ts').trim()],
    });
    const fixes = (await tt(dir, ['inbox', 'backend', '--json'])).json<{ messages: Array<{ type: string; body: string }> }>().messages;
    expect(fixes.find((m) => m.type === 'changes_requested')?.body).toContain('Password hashing uses a weak algorithm');
    expect((await tt(dir, ['inbox', 'conductor', '--json'])).json<{ messages: Array<{ type: string }> }>().messages.map((m) => m.type)).toContain('changes_requested');

    appendFileSync(path.join(dir, 'api.ts'), 'export const hash = "argon2";\n');
    git(dir, 'commit', '-q', '-am', 'Use argon2');
    const codeCommit = headCommit(dir);
    expect((await tt(dir, ['review', id], worker)).code).toBe(0);

    const approved = await tt(dir, ['approve', id, '--message', 'LGTM, API is solid', '--as', 'reviewer', '--json']);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.json<TaskJson>().task).toMatchObject({ state: 'completed', approved_by: 'reviewer', reviewed_commit: codeCommit });

    const approvals = git(dir, 'log', '--format=%H', '--grep', '^Tinytown-Action: approve').split('\n').filter(Boolean);
    expect(approvals).toHaveLength(1);
    expect(trailersOf(dir, approvals[0])).toMatchObject({
      'Tinytown-Action': ['approve'], 'Tinytown-Task': [id], 'Reviewed-by': ['reviewer'], 'Tinytown-Reviewed-Commit': [codeCommit],
    });
    expect(git(dir, 'log', '-1', '--format=%an', approvals[0]!).trim()).toBe('reviewer');
    const approvedMessages = (await tt(dir, ['inbox', 'backend', '--json'])).json<{ messages: Array<{ type: string; body: string }> }>().messages;
    expect(approvedMessages.find((m) => m.type === 'approved')?.body).toContain('LGTM, API is solid');

    // Approving again (not in review) is refused with the state named.
    const again = await tt(dir, ['approve', id, '--as', 'reviewer']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('it is completed');

    const history = (await tt(dir, ['history', '--json'])).json<{ events: Array<{ action: string }> }>().events.map((e) => e.action);
    expect(history.slice(0, 5)).toEqual(['approve', 'review', 'reject', 'review', 'start']);
    const timeline = await tt(dir, ['task', 'show', id, '--history', '--json']);
    expect(timeline.json<{ history: Array<{ action: string }> }>().history.map((e) => e.action)).toEqual(['assign', 'start', 'review', 'reject', 'review', 'approve']);
    expect((await tt(dir, ['history', '--task', id, '--agent', 'reviewer', '--json'])).json<{ events: unknown[] }>().events).toHaveLength(2);
  });

  it('lets the conductor decide, refuses anyone else, and needs a reviewer to hand off to', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    expect((await tt(dir, ['spawn', 'second-reviewer', '--role', 'reviewer', '--no-start'])).code).toBe(0);
    const id = (await tt(dir, ['assign', 'backend', 'Small fix', '--json'])).json<TaskJson>().task.id;
    const noReviewer = await tt(dir, ['review', id], { TINYTOWN_AGENT: 'backend' });
    expect(noReviewer.code).toBe(2);
    expect(noReviewer.stderr).toContain('--to REVIEWER');
    expect((await tt(dir, ['review', id, '--to', 'second-reviewer'], { TINYTOWN_AGENT: 'backend' })).code).toBe(0);
    expect((await tt(dir, ['reject', id, '--reason', 'no'], { TINYTOWN_AGENT: 'frontend' })).stderr).toContain('frontend cannot reject');
    expect((await tt(dir, ['reject', id], { TINYTOWN_AGENT: 'second-reviewer' })).code).toBe(2);
    const byConductor = await tt(dir, ['approve', id, '--json']);
    expect(byConductor.code).toBe(0);
    expect(byConductor.json<TaskJson>().task.approved_by).toBe('conductor');
    expect(trailersOf(dir)['Reviewed-by']).toEqual(['conductor']);
  });

  it('refuses `task complete` on a reviewed task and points at tt review', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const id = (await tt(dir, ['assign', 'backend', 'Reviewed work', '--reviewer', 'reviewer', '--json'])).json<TaskJson>().task.id;
    const run = await tt(dir, ['task', 'complete', id, '--result', 'done'], { TINYTOWN_AGENT: 'backend' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`tt review ${id}`);
  });
});
