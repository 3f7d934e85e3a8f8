/**
 * The board in a real browser: a seeded town shown, a message sent with
 * `tt send` appearing without a reload, an approval made from the page (the
 * reviewer's commit), and a write without the token refused. Also takes the
 * screenshot the README shows (test-results/board.png; docs/board.png is a
 * copy someone looked at).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { git, headCommit, tempRepo, trailersOf, treeSnapshot } from '../helpers/repo.js';
import { REPO_ROOT, tt, ttProcess, townWithTeam } from '../helpers/tt.js';
import { startBoard, type RunningBoard } from '../helpers/ui.js';

/** Generous: a shared 2-core machine runs the rest of the suite alongside. */
const UI_TIMEOUT_MS = 15_000;

async function taskId(run: Promise<{ code: number; stdout: string; stderr: string }>): Promise<string> {
  const result = await run;
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { task: { id: string } }).task.id;
}

describe('tt ui in Chromium', () => {
  let dir: string;
  let board: RunningBoard;
  let browser: Browser;
  let page: Page;
  let inReview: string;
  let running: string;

  beforeAll(async () => {
    dir = tempRepo({ lifetime: 'suite' });
    expect((await tt(dir, ['init', '--name', 'webshop'])).code).toBe(0);
    await townWithTeam(dir);
    inReview = await taskId(tt(dir, ['assign', 'backend', 'Build the login API\n\nPOST /login with rate limiting.', '--reviewer', 'reviewer', '--json']));
    expect((await tt(dir, ['task', 'start', inReview, '--as', 'backend'])).code).toBe(0);
    expect((await tt(dir, ['review', inReview, '--as', 'backend', '--message', 'Ready: tests pass'])).code).toBe(0);
    running = await taskId(tt(dir, ['assign', 'frontend', 'Wire the login form', '--priority', 'high', '--json']));
    expect((await tt(dir, ['task', 'start', running, '--as', 'frontend'])).code).toBe(0);
    await taskId(tt(dir, ['backlog', 'add', 'Write the deployment guide', '--json']));
    expect((await tt(dir, ['send', 'frontend', 'The API is on port 8080', '--from', 'backend'])).code).toBe(0);
    board = await startBoard(dir);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });
  afterAll(async () => {
    await browser?.close();
    await board?.stop();
  });

  it('shows the seeded town: agents, the board by state, inboxes and history', async () => {
    await page.goto(board.url);
    const agents = page.locator('[data-agent]');
    await expect.poll(() => agents.evaluateAll((cards) => cards.map((c) => c.getAttribute('data-agent'))), { timeout: UI_TIMEOUT_MS })
      .toEqual(['backend', 'conductor', 'frontend', 'reviewer']);
    await page.locator('[data-agent="frontend"] .current').getByText('Wire the login form').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator(`[data-column="review"] [data-task-card="${inReview}"]`).textContent()).toContain('backend → reviewer');
    expect(await page.locator(`[data-column="running"] [data-task-card="${running}"]`).textContent()).toContain('high');
    expect(await page.locator('[data-column="pending"] .card').textContent()).toContain('Write the deployment guide');
    await page.locator('[data-agent="frontend"] .inbox-toggle').click();
    await page.locator('[data-inbox="frontend"]').getByText('The API is on port 8080').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator('#history [data-action="review"]').count()).toBe(1);
    expect(await page.locator('#banner').isHidden()).toBe(true);
    const shots = path.join(REPO_ROOT, 'test-results');
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'board.png'), fullPage: true });
  });

  it('shows a message sent with tt send without a reload', async () => {
    await page.evaluate(() => Object.assign(globalThis, { notReloaded: true }));
    const sent = await ttProcess(dir, ['send', 'frontend', 'Login form copy is in docs/copy.md', '--from', 'conductor']);
    expect(sent.code, sent.stderr).toBe(0);
    await page.locator('[data-inbox="frontend"]').getByText('Login form copy is in docs/copy.md').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('#history').getByText('to frontend: Login form copy is in docs/copy.md').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded)).toBe(true);
  });

  it('keeps a half-written reason while the task page follows new messages', async () => {
    await page.goto(`${board.url}#/task/${inReview}`);
    expect(page.url()).not.toContain('token='); // taken out of the address bar, kept for the tab
    const reason = page.locator('#reject-form textarea[name="reason"]');
    await reason.fill('The rate limit is per process, not per user');
    const sent = await ttProcess(dir, ['send', 'backend', 'Also check the 429 body', '--task', inReview, '--from', 'reviewer']);
    expect(sent.code, sent.stderr).toBe(0);
    await page.locator('#task-page .messages').getByText('Also check the 429 body').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await reason.inputValue()).toBe('The rate limit is per process, not per user');
    await reason.fill('');
  });

  it('approves from the task page: the reviewer\'s approval commit', async () => {
    const before = headCommit(dir);
    await page.goto(board.url);
    await page.locator(`[data-column="review"] [data-task-card="${inReview}"] a.title`).click();
    await page.locator(`[data-task-page="${inReview}"]`).getByText('POST /login with rate limiting.').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator('#approve-form select[name="as"]').inputValue()).toBe('reviewer');
    await page.locator('#approve-form input[name="message"]').fill('Looks right');
    await page.locator('#approve-form button[type="submit"]').click();
    await page.locator('#flash').getByText(new RegExp(`^Approved.*${inReview} \\(completed\\)`)).waitFor({ timeout: UI_TIMEOUT_MS });
    expect(git(dir, 'rev-parse', 'HEAD~1').trim()).toBe(before);
    expect(git(dir, 'log', '-1', '--format=%an|%s').trim()).toBe(`reviewer|tt(reviewer): approve ${inReview}: Build the login API`);
    const trailers = trailersOf(dir);
    expect(trailers['Tinytown-Action']).toEqual(['approve']);
    expect(trailers['Reviewed-by']).toEqual(['reviewer']);
    expect(trailers['Tinytown-Task']).toEqual([inReview]);
    // The page follows: the task is completed, approved by the reviewer, with the approval in its timeline.
    await page.locator(`[data-task-page="${inReview}"] .badge`).getByText('completed').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator('.timeline [data-action="approve"]').count()).toBe(1);
    await page.goto(`${board.origin}/#/`);
    await page.locator(`[data-column="completed"] [data-task-card="${inReview}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it('pages a long column instead of drawing all of it', async () => {
    await page.goto(board.url);
    for (let i = 1; i <= 30; i++) expect((await tt(dir, ['backlog', 'add', `Backlog chore ${i}`])).code).toBe(0);
    const pending = page.locator('[data-column="pending"]');
    await pending.locator('[data-count]').getByText('31').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await pending.locator('.card').count()).toBe(25);
    await pending.getByText('older ›').click();
    await pending.locator('.pager').getByText('26–31').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await pending.locator('.card').count()).toBe(6);
    await pending.getByText('‹ newer').click();
    await pending.locator('.pager').getByText('1–25').waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it('refuses a write without the token, says so on the page, and changes nothing', async () => {
    const before = treeSnapshot(dir);
    const stranger = await browser.newPage();
    try {
      await stranger.goto(`${board.origin}/`);
      await stranger.locator('#banner').getByText('Read-only').waitFor({ timeout: UI_TIMEOUT_MS });
      await stranger.locator('#send-form select[name="to"] option[value="backend"]').waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
      await stranger.locator('#send-form select[name="to"]').selectOption('backend');
      await stranger.locator('#send-form textarea[name="message"]').fill('sneaky');
      await stranger.locator('#send-form button[type="submit"]').click();
      await stranger.locator('#send-form .result.error').getByText('needs the token').waitFor({ timeout: UI_TIMEOUT_MS });
      // A script on another page cannot write either, token or not: the origin is checked.
      const status = await stranger.evaluate(async ({ origin, token }) => {
        const response = await fetch(`${origin}/api/action/send`, {
          method: 'POST', headers: { 'content-type': 'application/json', 'x-tinytown-token': token, 'x-forwarded-origin': 'test' },
          body: JSON.stringify({ to: 'backend', message: 'sneaky' }),
        });
        return response.status;
      }, { origin: board.origin, token: 'not-the-token' });
      expect(status).toBe(403);
    } finally {
      await stranger.close();
    }
    expect(treeSnapshot(dir)).toBe(before);
  });

  it('shows the CLI\'s error for bad form input and changes nothing', async () => {
    const before = treeSnapshot(dir);
    await page.goto(board.url);
    await page.locator('#assign-form select[name="agent"] option[value="backend"]').waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
    await page.locator('#assign-form textarea[name="description"]').fill('   ');
    await page.locator('#assign-form button[type="submit"]').click();
    const error = page.locator('#assign-form .result.error');
    await error.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await error.textContent()).toMatch(/description/);
    expect(treeSnapshot(dir)).toBe(before);
  });
});
