/**
 * The deterministic brain of the real-CLI suite (protocol.ts): it plays a
 * worker and a reviewer from the prompt tt built for the round, the way the
 * scripted agent (src/agents/scripted.ts) does, but one step at a time — each
 * call sees the conversation so far and answers the next tool call, so the
 * real CLI runs every command and reports every result back through its own
 * model API.
 *
 * The story it plays (the conductor's task descriptions drive it):
 * - worker, task_assign: start the task, write and commit work/<id>.md, hand a
 *   follow-up to the agent a line "Hand the follow-up to <agent>: <title>"
 *   of the task names, then hand off (review, or complete without a reviewer);
 * - worker, changes_requested: add a line answering the review, commit, review again;
 * - reviewer, review_request: read the task's history; reject once with
 *   "[needs-fix]" a task whose title holds it, approve otherwise.
 *
 * Two modes: through tt commands (every step a shell command) or through the
 * tinytown MCP tools (tt's steps as MCP calls by bare name; the file edits
 * and commits still through the shell, as a real agent would do them). It
 * calls a tool even when the request does not list it: Claude Code lists
 * MCP tools lazily, and names none while the server is still connecting
 * (its mock loads them first); a CLI without the server answers with an
 * error, which ends the round.
 */
import { parsePrompt, type PromptMessage } from '../../src/agents/scripted.js';
import type { AgentStep, Brain, Conversation, StepResult } from './protocol.js';

export type BrainMode = 'tt' | 'mcp';

/** The line of a task's description that asks its assignee to hand a follow-up on. */
const FOLLOW_UP = /^Hand the follow-up to ([a-z][a-z0-9-]*): (.+)$/m;

/** The reason the reviewer gives: the marker tells a reader (and the test) which rejection this was. */
export const REJECTION_REASON = 'Add a line that answers this review [needs-fix]';

/** A step still to take, made when it is its turn: the reviewer's decision needs what the history said. */
type StepMaker = (previous: StepResult | undefined) => AgentStep;

/** A word for a POSIX shell: single quotes, each inner quote closed, escaped and reopened. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The exit code a CLI reported back for a shell step, when it says one that is not 0. */
export function failedExitCode(output: string): number | undefined {
  const match = /exit(?:ed with)?[ _]code\W{0,3}(\d+)/i.exec(output);
  const code = match ? Number(match[1]) : 0;
  return code === 0 ? undefined : code;
}

/**
 * Whether an MCP tool call failed: every answer of tt mcp is the document
 * `tt --json` prints, with its schemaVersion; an error is bare text (or the
 * CLI's own refusal), whatever each CLI wraps around it.
 */
function mcpFailed(output: string): boolean {
  return !/schemaVersion/.test(output);
}

/** Whether a task's history, as tt printed it (JSON, maybe quoted again by the CLI), holds a rejection. */
export function historyHasRejection(output: string): boolean {
  return /\\*"action\\*"\s*:\s*\\*"reject\\*"/.test(output);
}

class Plan {
  constructor(readonly mode: BrainMode) {}

  /** One tt call: as a command line, or as the MCP tool doing the same. */
  tt(args: readonly string[], tool: string, toolArgs: Record<string, unknown>): AgentStep {
    return this.mode === 'mcp' ? { kind: 'mcp', tool, args: toolArgs } : { kind: 'shell', command: ['tt', ...args].map(shellWord).join(' ') };
  }

  /** Write (or append to) a work file and commit it, in one shell command, as an agent would. */
  commitWork(file: string, lines: readonly string[], append: boolean, message: string): AgentStep {
    const write = `printf '%s\\n' ${lines.map(shellWord).join(' ')} ${append ? '>>' : '>'} ${shellWord(file)}`;
    return { kind: 'shell', command: `mkdir -p work && ${write} && git add -- ${shellWord(file)} && git commit -q -m ${shellWord(message)}` };
  }

  handOff(id: string, reviewer: boolean, note: string): AgentStep {
    return reviewer
      ? this.tt(['review', id, '--message', note], 'review', { id, message: note })
      : this.tt(['task', 'complete', id, '--result', note], 'task_complete', { id, result: note });
  }

  /** The steps of one message: none for a message that needs nothing. */
  forMessage(message: PromptMessage, agent: string, currentTask: string): StepMaker[] {
    const id = message.task;
    if (!id) return [];
    switch (message.type) {
      case 'task_assign': {
        const title = message.body.split('\n')[0]?.trim() || id;
        const file = `work/${id}.md`;
        const followUp = FOLLOW_UP.exec(message.body);
        const reviewer = new RegExp(`^${escapeRegExp(id)} — .*, reviewer [a-z]`, 'm').test(currentTask);
        return [
          () => this.tt(['task', 'start', id], 'task_start', { id }),
          () => this.commitWork(file, [`# ${title}`, '', `Done by ${agent}.`], false, `${title} (${id})`),
          ...(followUp ? [() => this.tt(['assign', followUp[1]!, followUp[2]!], 'assign', { agent: followUp[1]!, description: followUp[2]! })] : []),
          () => this.handOff(id, reviewer, `Done: ${file}`),
        ];
      }
      case 'changes_requested': {
        const file = `work/${id}.md`;
        return [
          () => this.commitWork(file, ['', 'Fixed after review.'], true, `Address the review of ${id}`),
          () => this.handOff(id, true, `Fixed after review: ${file}`),
        ];
      }
      case 'review_request': {
        const title = /^Please review \S+: (.*)$/m.exec(message.body)?.[1] ?? '';
        return [
          () => this.tt(['history', '--task', id, '--json'], 'task_show', { id, history: true }),
          (previous) => (title.includes('[needs-fix]') && !historyHasRejection(previous?.output ?? '')
            ? this.tt(['reject', id, '--reason', REJECTION_REASON], 'reject', { id, reason: REJECTION_REASON })
            : this.tt(['approve', id, '--message', `LGTM: ${title}`], 'approve', { id, message: `LGTM: ${title}` })),
        ];
      }
      default:
        return [];
    }
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The "## Your current task" section of the prompt. */
function currentTaskSection(prompt: string): string {
  return /^## Your current task\n([\s\S]*?)(?=^## )/m.exec(prompt)?.[1] ?? '';
}

/** Git's lock taken by another commit at the same moment (tt's, or another agent's): worth the same step again. */
const LOCK_CONTENTION = /index\.lock|unable to create '[^']*\.lock'|cannot lock ref/i;
/** Enough for a town of three agents committing at once, few enough to stop a loop that never ends. */
export const MAX_RETRIES = 5;

/** Why a step failed, or undefined when it did not. */
function failure(result: StepResult): string | undefined {
  if (result.step.kind === 'shell') {
    const code = failedExitCode(result.output);
    return code === undefined ? undefined : `\`${result.step.command}\` failed (exit code ${code}): ${result.output.trim().split('\n').slice(-3).join(' / ')}`;
  }
  if (result.step.kind === 'mcp' && mcpFailed(result.output)) return `the MCP tool ${result.step.tool} failed: ${result.output.slice(0, 300)}`;
  return undefined;
}

/**
 * Where the round stands: how many of the plan's steps are done, and why it
 * must stop if it must. A step that failed on git's lock is taken again (as
 * any agent would); any other failure ends the round, never carried past.
 */
function progress(results: readonly StepResult[]): { done: number; stop?: string } {
  let done = 0;
  let retries = 0;
  for (const result of results) {
    const failed = failure(result);
    if (!failed) {
      done++;
      retries = 0;
    } else if (LOCK_CONTENTION.test(result.output) && retries < MAX_RETRIES) {
      retries++;
    } else {
      return { done, stop: failed };
    }
  }
  return { done };
}

/** The brain for one mode: a pure function of the conversation. */
export function createBrain(mode: BrainMode): Brain {
  return (conversation: Conversation): AgentStep => {
    const parsed = parsePrompt(conversation.prompt);
    if (!parsed.agent) return { kind: 'done', text: 'No Tinytown prompt found: nothing to do.' };
    const { done, stop } = progress(conversation.results);
    if (stop) return { kind: 'done', text: `Stopping: ${stop}.` };
    const plan = new Plan(mode);
    const currentTask = currentTaskSection(conversation.prompt);
    const makers = parsed.messages.flatMap((message) => plan.forMessage(message, parsed.agent, currentTask));
    const next = makers[done];
    if (next) return next(conversation.results.at(-1));
    return { kind: 'done', text: makers.length === 0 ? `${parsed.agent}: nothing needs action.` : `${parsed.agent}: done (${makers.length} steps).` };
  };
}
