/**
 * The scripted agent: a deterministic stand-in for an LLM CLI, for the demo
 * and the tests. It reads its prompt on stdin and acts only through the same
 * `tt` and `git` commands a real agent would run.
 *
 * - Worker: on task_assign, start the task, write work/<task-id>.md with the
 *   description, commit it, and hand off with `tt review` (or `tt task
 *   complete` when the task has no reviewer). A description line `Edit: PATH`
 *   also adds the line `- <title> (<agent>)` to that file of the repository,
 *   in the same commit — how tests make agents touch the same files. On
 *   changes_requested, add a line answering the reason, commit, and hand off
 *   again; when the reason is a merge conflict, first merge the town's branch
 *   in and keep both sides' lines (a union merge).
 * - Reviewer: on review_request, approve — except a task whose title holds
 *   `[needs-fix]`, which it rejects once with a reason. An approval tt
 *   refuses because the branch conflicts has already sent the task back to
 *   its worker: the reviewer moves on to its next message.
 * - Any other task, query or custom message: acknowledge it to its sender.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ttInvocation } from '../tt-invocation.js';

export interface PromptMessage {
  id: string;
  type: string;
  from: string;
  task: string | null;
  body: string;
}

export interface ParsedPrompt {
  agent: string;
  role: string;
  messages: PromptMessage[];
}

// `\u00b7` is the middle dot prompt.ts writes, escaped: one non-ASCII character would make the whole bundle a two-byte string for V8.
const HEADER = /^### Message (\S+) \u00b7 (\S+) from (\S+)(?: \u00b7 URGENT)? \u00b7 task (\S+)$/;

/** Reads back what prompt.ts wrote: the agent, its role, and each actionable message. */
export function parsePrompt(prompt: string): ParsedPrompt {
  const identity = /^You are \*\*([a-z][a-z0-9-]*)\*\*, the (\S+) of/m.exec(prompt);
  const messages: PromptMessage[] = [];
  let current: PromptMessage | undefined;
  for (const line of prompt.split('\n')) {
    const header = HEADER.exec(line);
    if (header) {
      current = { id: header[1]!, type: header[2]!, from: header[3]!, task: header[4] === '-' ? null : header[4]!, body: '' };
      messages.push(current);
    } else if (line.startsWith('## ')) {
      current = undefined;
    } else if (current) {
      current.body += `${line}\n`;
    }
  }
  for (const message of messages) message.body = message.body.trim();
  return { agent: identity?.[1] ?? '', role: identity?.[2] ?? '', messages };
}

export type Run = (command: string, args: readonly string[], env?: NodeJS.ProcessEnv) => Promise<{ code: number; stdout: string; stderr: string }>;

function processRunner(root: string, agentEnv: NodeJS.ProcessEnv): Run {
  return (command, args, env = agentEnv) => new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', (error) => resolve({ code: 1, stdout, stderr: error.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

interface TaskView {
  id: string;
  title: string;
  state: string;
  reviewer: string | null;
  branch: string | null;
  body: string;
}

class ScriptedAgent {
  constructor(readonly root: string, readonly agent: string, readonly env: NodeJS.ProcessEnv, readonly run: Run, readonly log: (line: string) => void) {}

  async tt(...args: string[]): Promise<string> {
    const command = ttInvocation(args, this.env);
    const result = await this.run(command.command, command.args, command.env);
    this.log(`$ tt ${args.join(' ')} → ${result.code}${result.stderr.trim() ? ` (${result.stderr.trim()})` : ''}`);
    if (result.code !== 0) throw new Error(`tt ${args[0]} failed: ${result.stderr.trim()}`);
    return result.stdout;
  }

  async task(id: string): Promise<TaskView> {
    return (JSON.parse(await this.tt('task', 'show', id, '--json')) as { task: TaskView }).task;
  }

  /** In a worktree of its own (tt spawn --worktree) it commits as a real agent would: hooks run, tt's reservation hook included. */
  get inWorktree(): boolean {
    return Boolean(this.env.TINYTOWN_WORKTREE);
  }

  get identity(): string[] {
    return ['-c', `user.name=${this.agent}`, '-c', `user.email=${this.agent}@tinytown.invalid`];
  }

  /** Commits these files as this agent; git's own locks are retried (other agents commit too). */
  async commitWork(files: readonly string[], message: string): Promise<void> {
    const identity = this.identity;
    const verify = this.inWorktree ? [] : ['--no-verify'];
    for (let attempt = 0; ; attempt++) {
      const add = await this.run('git', ['add', '--', ...files]);
      const commit = add.code === 0 ? await this.run('git', [...identity, 'commit', '-q', ...verify, '-m', message, '--', ...files]) : add;
      if (commit.code === 0) return;
      if (attempt >= 20 || !/lock|COMMIT_EDITMSG|empty commit message/i.test(commit.stderr)) throw new Error(`git commit failed: ${commit.stderr.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
    }
  }

  workFile(taskId: string): string {
    return `work/${taskId}.md`;
  }

  /**
   * The `Edit: PATH` lines of a description: each file gets the line `- <title>
   * (<agent>)` once (a retried round does not add it twice). Paths stay inside
   * the checkout.
   */
  editRequested(task: TaskView): string[] {
    const files = [...task.body.matchAll(/^Edit: (\S+)\s*$/gm)].map((match) => match[1]!)
      .filter((file) => !path.isAbsolute(file) && !file.split('/').includes('..'));
    const line = `- ${task.title} (${this.agent})\n`;
    for (const file of files) {
      const full = path.join(this.root, file);
      const text = existsSync(full) ? readFileSync(full, 'utf8') : '';
      if (text.split('\n').includes(line.trimEnd())) continue;
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, `${text}${text && !text.endsWith('\n') ? '\n' : ''}${line}`);
    }
    return files;
  }

  async handOff(task: TaskView, note: string): Promise<void> {
    if (task.reviewer) await this.tt('review', task.id, '--message', note);
    else await this.tt('task', 'complete', task.id, '--result', note);
  }

  async doTask(taskId: string): Promise<void> {
    const task = await this.task(taskId);
    if (task.state === 'assigned') await this.tt('task', 'start', taskId);
    else if (task.state !== 'running') return;
    mkdirSync(path.join(this.root, 'work'), { recursive: true });
    writeFileSync(path.join(this.root, this.workFile(taskId)), `# ${task.title}\n\n${task.body.trim()}\n\nDone by ${this.agent} (scripted agent).\n`);
    const edited = this.editRequested(task);
    await this.commitWork([this.workFile(taskId), ...edited], `${task.title} (${taskId})`);
    await this.handOff(task, `Done: ${this.workFile(taskId)}`);
  }

  async fix(taskId: string, reason: string): Promise<void> {
    const task = await this.task(taskId);
    if (task.state !== 'assigned' && task.state !== 'running') return;
    if (this.inWorktree && task.branch) await this.onBranch(task.branch, reason);
    const file = path.join(this.root, this.workFile(taskId));
    if (!existsSync(file)) writeFileSync(file, `# ${task.title}\n`);
    const asked = reason.split('\n').find((line) => line.trim() && !/requested changes on/.test(line))?.trim() ?? 'the review';
    appendFileSync(file, `\nFixed after review: ${asked}\n`);
    await this.commitWork([this.workFile(taskId)], `Address review of ${taskId}`);
    await this.handOff(task, `Fixed: ${asked}`);
  }

  /**
   * Back on the task's branch; when the review says the branch does not merge
   * cleanly into the town's branch, merge that in and settle every conflict
   * by keeping both sides' lines (deterministic, as everything here).
   */
  async onBranch(branch: string, reason: string): Promise<void> {
    const switched = await this.run('git', ['switch', '--quiet', branch]);
    if (switched.code !== 0) throw new Error(`git switch ${branch} failed: ${switched.stderr.trim()}`);
    const base = /does not merge cleanly into (\S+);/.exec(reason)?.[1];
    if (!base) return;
    const merge = await this.run('git', [...this.identity, 'merge', '--quiet', '--no-edit', base]);
    if (merge.code === 0) return;
    const conflicted = (await this.run('git', ['diff', '--name-only', '--diff-filter=U', '-z'])).stdout.split('\0').filter(Boolean);
    if (conflicted.length === 0) throw new Error(`git merge ${base} failed: ${merge.stderr.trim()}`);
    for (const file of conflicted) await this.keepBothSides(file);
    await this.run('git', ['add', '--', ...conflicted]);
    const commit = await this.run('git', [...this.identity, 'commit', '-q', '--no-edit']);
    if (commit.code !== 0) throw new Error(`git commit of the merge failed: ${commit.stderr.trim()}`);
  }

  /** A conflicted file resolved as a union of both sides (`git merge-file --union` over the index's three stages). */
  async keepBothSides(file: string): Promise<void> {
    const scratch = mkdtempSync(path.join(tmpdir(), 'tt-scripted-'));
    try {
      const stages = await Promise.all([2, 1, 3].map(async (stage) => {
        const shown = await this.run('git', ['show', `:${stage}:${file}`]);
        const copy = path.join(scratch, String(stage));
        writeFileSync(copy, shown.code === 0 ? shown.stdout : '');
        return copy;
      }));
      const merged = await this.run('git', ['merge-file', '-p', '--union', ...stages]);
      writeFileSync(path.join(this.root, file), merged.stdout);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  async review(taskId: string): Promise<void> {
    const task = await this.task(taskId);
    if (task.state !== 'review') return;
    const history = JSON.parse(await this.tt('history', '--task', taskId, '-n', '1000', '--json')) as { events: Array<{ action: string }> };
    const rejectedBefore = history.events.some((event) => event.action === 'reject');
    if (task.title.includes('[needs-fix]') && !rejectedBefore) {
      await this.tt('reject', taskId, '--reason', 'Please add a line that answers this review ([needs-fix])');
    } else {
      await this.tt('approve', taskId, '--message', `LGTM: ${task.title}`).catch((error: Error) => {
        // tt sent the task back to its worker, naming the conflicting paths; nothing else for the reviewer to do now.
        if (!/not merged: \S+ conflicts with/.test(error.message)) throw error;
      });
    }
  }

  async handle(message: PromptMessage): Promise<void> {
    switch (message.type) {
      case 'task_assign':
        if (message.task) await this.doTask(message.task);
        return;
      case 'changes_requested':
        if (message.task) await this.fix(message.task, message.body);
        return;
      case 'review_request':
        if (message.task) await this.review(message.task);
        return;
      case 'task':
      case 'query':
      case 'custom':
        await this.tt('send', message.from, '--ack', `ack: ${message.body.split('\n')[0]?.slice(0, 80) ?? ''}`);
        return;
      default:
        // approved, info, ack, task_done, task_failed: nothing to do.
    }
  }
}

export async function runScriptedAgent(prompt: string, root: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  const parsed = parsePrompt(prompt);
  const agent = env.TINYTOWN_AGENT ?? parsed.agent;
  const scripted = new ScriptedAgent(root, agent, env, processRunner(root, env), log);
  log(`scripted agent ${agent} (${parsed.role}): ${parsed.messages.length} message(s)`);
  for (const message of parsed.messages) await scripted.handle(message);
}
