/**
 * The scripted agent: a deterministic stand-in for an LLM CLI, for the demo
 * and the tests. It reads its prompt on stdin and acts only through the same
 * `tt` and `git` commands a real agent would run.
 *
 * - Worker: on task_assign, start the task, write work/<task-id>.md with the
 *   description, commit it, and hand off with `tt review` (or `tt task
 *   complete` when the task has no reviewer). On changes_requested, add a line
 *   answering the reason, commit, and hand off again.
 * - Reviewer: on review_request, approve — except a task whose title holds
 *   `[needs-fix]`, which it rejects once with a reason.
 * - Any other task, query or custom message: acknowledge it to its sender.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
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

const HEADER = /^### Message (\S+) · (\S+) from (\S+)(?: · URGENT)? · task (\S+)$/;

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

  /** Commits one work file as this agent; git's own locks are retried (other agents commit too). */
  async commitWork(file: string, message: string): Promise<void> {
    const identity = this.identity;
    const verify = this.inWorktree ? [] : ['--no-verify'];
    for (let attempt = 0; ; attempt++) {
      const add = await this.run('git', ['add', '--', file]);
      const commit = add.code === 0 ? await this.run('git', [...identity, 'commit', '-q', ...verify, '-m', message, '--', file]) : add;
      if (commit.code === 0) return;
      if (attempt >= 20 || !/lock|COMMIT_EDITMSG|empty commit message/i.test(commit.stderr)) throw new Error(`git commit failed: ${commit.stderr.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
    }
  }

  workFile(taskId: string): string {
    return `work/${taskId}.md`;
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
    await this.commitWork(this.workFile(taskId), `${task.title} (${taskId})`);
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
    await this.commitWork(this.workFile(taskId), `Address review of ${taskId}`);
    await this.handOff(task, `Fixed: ${asked}`);
  }

  /**
   * Back on the task's branch; when the review says the branch does not merge
   * cleanly into the town's branch, merge that in and settle every conflict
   * on the task's side (deterministic, as everything here).
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
    await this.run('git', ['checkout', '--ours', '--', ...conflicted]);
    await this.run('git', ['add', '--', ...conflicted]);
    const commit = await this.run('git', [...this.identity, 'commit', '-q', '--no-edit']);
    if (commit.code !== 0) throw new Error(`git commit of the merge failed: ${commit.stderr.trim()}`);
  }

  async review(taskId: string): Promise<void> {
    const task = await this.task(taskId);
    if (task.state !== 'review') return;
    const history = JSON.parse(await this.tt('history', '--task', taskId, '-n', '1000', '--json')) as { events: Array<{ action: string }> };
    const rejectedBefore = history.events.some((event) => event.action === 'reject');
    if (task.title.includes('[needs-fix]') && !rejectedBefore) {
      await this.tt('reject', taskId, '--reason', 'Please add a line that answers this review ([needs-fix])');
    } else {
      await this.tt('approve', taskId, '--message', `LGTM: ${task.title}`);
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
