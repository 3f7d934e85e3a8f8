/**
 * The real-CLI suite's brain (test/agents/brain.ts) and the Gemini mock's
 * decoding, without any CLI: prompts built by tt's own buildPrompt, so a
 * change of the round template that the brain no longer reads fails here,
 * in `npm test`, and not only in the slow suite.
 */
import { describe, expect, it } from 'vitest';
import { buildPrompt } from '../../src/agents/prompt.js';
import type { Agent, Message, Task } from '../../src/core/types.js';
import { createBrain, failedExitCode, historyHasRejection, MAX_RETRIES, REJECTION_REASON } from '../agents/brain.js';
import { decodeConversation, minimalValue } from '../agents/mocks/gemini.js';
import type { AgentStep, StepResult } from '../agents/protocol.js';

const NOW = '2026-01-01T00:00:00.000Z';

function agent(name: string, role: string): Agent {
  return { name, role, cli: 'gemini', nickname: null, parent: null, created: NOW, body: `You are a ${role}.`, extra: {} };
}

function task(id: string, title: string, body: string, reviewer: string | null, state: Task['state'] = 'assigned'): Task {
  return {
    id, title, state, assignee: 'worker-1', reviewer, priority: 'normal', tags: [], parent: null, created: NOW, updated: NOW,
    started: null, completed: null, result: null, approved_by: null, reviewed_commit: null, branch: null, review_commit: null, usage: null, body, extra: {},
  };
}

function message(type: Message['type'], from: string, taskId: string, body: string): Message {
  return { id: `m-${type}`, from, to: 'x', type, task: taskId, urgent: false, created: NOW, reply_to: null, kind: null, body, extra: {} };
}

const MAIN = task('t-main01', 'Write the greeting [needs-fix]', 'Write the greeting [needs-fix]\nHand the follow-up to worker-2: Translate the greeting\n', 'reviewer');
const assignPrompt = buildPrompt({ town: 't', agent: agent('worker-1', 'worker'), round: 1, task: MAIN, messages: [message('task_assign', 'conductor', MAIN.id, MAIN.body)] });
const ok = (output = 'ok'): string => output;

/** Plays a whole round: each step answered by `answer`, until the brain is done. */
function playRound(prompt: string, brain: ReturnType<typeof createBrain>, answer: (step: AgentStep) => string, tools: string[] = []): AgentStep[] {
  const results: StepResult[] = [];
  for (;;) {
    const step = brain({ prompt, results, tools });
    if (step.kind === 'done') return [...results.map((result) => result.step), step];
    results.push({ step, output: answer(step) });
    if (results.length > 20) throw new Error('the brain does not stop');
  }
}

describe('the brain, through tt commands', () => {
  const brain = createBrain('tt');

  it('a worker starts its task, commits, hands the follow-up on, and hands off for review', () => {
    const steps = playRound(assignPrompt, brain, () => ok('Exit Code: 0'));
    expect(steps.map((step) => (step.kind === 'shell' ? step.command : step.kind))).toEqual([
      'tt task start t-main01',
      expect.stringMatching(/^mkdir -p work && printf .* > work\/t-main01\.md && git add -- work\/t-main01\.md && git commit -q -m 'Write the greeting \[needs-fix\] \(t-main01\)'$/),
      "tt assign worker-2 'Translate the greeting'",
      "tt review t-main01 --message 'Done: work/t-main01.md'",
      'done',
    ]);
  });

  it('a worker without a reviewer completes the task instead', () => {
    const helperTask = { ...task('t-help01', 'Translate the greeting', 'Translate the greeting\n', null), assignee: 'worker-2' };
    const prompt = buildPrompt({ town: 't', agent: agent('worker-2', 'worker'), round: 1, task: helperTask, messages: [message('task_assign', 'worker-1', helperTask.id, helperTask.body)] });
    const steps = playRound(prompt, brain, () => ok());
    expect(steps.at(-2)).toEqual({ kind: 'shell', command: "tt task complete t-help01 --result 'Done: work/t-help01.md'" });
    expect(steps.some((step) => step.kind === 'shell' && step.command.startsWith('tt assign'))).toBe(false);
  });

  it('stops at the first failed command, and says which', () => {
    const steps = playRound(assignPrompt, brain, (step) => (step.kind === 'shell' && step.command.startsWith('tt task start') ? 'bash: tt: command not found\nExit Code: 127' : ok()));
    expect(steps).toHaveLength(2);
    expect(steps[1]).toMatchObject({ kind: 'done', text: expect.stringContaining('exit code 127') });
  });

  it('takes a step again when git\'s lock was taken by another commit, a few times only', () => {
    let locked = 2;
    const lockedOnce = playRound(assignPrompt, brain, (step) => (step.kind === 'shell' && step.command.includes('git commit') && locked-- > 0
      ? "fatal: Unable to create '/repo/.git/index.lock': File exists.\nExit Code: 128" : ok()));
    expect(lockedOnce.filter((step) => step.kind === 'shell' && step.command.includes('git commit'))).toHaveLength(3);
    expect(lockedOnce.at(-2)).toMatchObject({ command: expect.stringMatching(/^tt review/) });
    const alwaysLocked = playRound(assignPrompt, brain, (step) => (step.kind === 'shell' && step.command.includes('git commit')
      ? "fatal: Unable to create '/repo/.git/index.lock': File exists.\nExit Code: 128" : ok()));
    expect(alwaysLocked.at(-1)).toMatchObject({ kind: 'done', text: expect.stringContaining('exit code 128') });
    expect(alwaysLocked.filter((step) => step.kind === 'shell' && step.command.includes('git commit'))).toHaveLength(MAX_RETRIES + 1);
  });

  it('a reviewer rejects a [needs-fix] task once, then approves it', () => {
    const review = message('review_request', 'worker-1', MAIN.id, `Please review ${MAIN.id}: ${MAIN.title}\n\nDone: work/t-main01.md\n`);
    const prompt = buildPrompt({ town: 't', agent: agent('reviewer', 'reviewer'), round: 1, task: undefined, messages: [review] });
    const first = playRound(prompt, brain, () => '{"events": [{"action": "review"}, {"action": "start"}]}');
    expect(first.slice(0, 2)).toEqual([
      { kind: 'shell', command: 'tt history --task t-main01 --json' },
      { kind: 'shell', command: `tt reject t-main01 --reason '${REJECTION_REASON}'` },
    ]);
    const second = playRound(prompt, brain, () => '{"events": [{"action": "review"}, {"action": "reject"}]}');
    expect(second[1]).toEqual({ kind: 'shell', command: "tt approve t-main01 --message 'LGTM: Write the greeting [needs-fix]'" });
  });

  it('a worker asked for changes appends a line, commits and hands off again', () => {
    const rejected = message('changes_requested', 'reviewer', MAIN.id, `reviewer requested changes on ${MAIN.id}: ${MAIN.title}\n\n${REJECTION_REASON}\n`);
    const prompt = buildPrompt({ town: 't', agent: agent('worker-1', 'worker'), round: 2, task: MAIN, messages: [rejected] });
    const steps = playRound(prompt, brain, () => ok());
    expect(steps).toHaveLength(3);
    expect(steps[0]).toMatchObject({ kind: 'shell', command: expect.stringContaining('>> work/t-main01.md') });
    expect(steps[1]).toEqual({ kind: 'shell', command: "tt review t-main01 --message 'Fixed after review: work/t-main01.md'" });
  });

  it('informational messages and prompts that are not tt\'s need nothing', () => {
    const approved = message('approved', 'reviewer', MAIN.id, 'reviewer approved');
    const prompt = buildPrompt({ town: 't', agent: agent('worker-1', 'worker'), round: 3, task: undefined, messages: [approved] });
    expect(brain({ prompt, results: [], tools: [] }).kind).toBe('done');
    expect(brain({ prompt: 'Classify this request', results: [], tools: [] }).kind).toBe('done');
  });
});

describe('the brain, through the tinytown MCP tools', () => {
  const brain = createBrain('mcp');
  const tools = ['run_shell_command', 'mcp_tinytown_task_start', 'mcp_tinytown_review'];

  it('calls tt\'s tools by their bare names, and commits through the shell', () => {
    const steps = playRound(assignPrompt, brain, (step) => (step.kind === 'mcp' ? '{"schemaVersion": 1, "kind": "task"}' : ok()), tools);
    expect(steps.map((step) => (step.kind === 'mcp' ? `${step.tool} ${JSON.stringify(step.args)}` : step.kind))).toEqual([
      'task_start {"id":"t-main01"}',
      'shell',
      'assign {"agent":"worker-2","description":"Translate the greeting"}',
      'review {"id":"t-main01","message":"Done: work/t-main01.md"}',
      'done',
    ]);
  });

  it('stops when a tool answers with an error instead of a tt document', () => {
    const steps = playRound(assignPrompt, brain, (step) => (step.kind === 'mcp' ? 'task t-main01 is running, not assigned' : ok()), tools);
    expect(steps).toHaveLength(2);
    expect(steps[1]).toMatchObject({ kind: 'done', text: expect.stringContaining('task_start failed') });
  });

  it('calls the tool even when the request lists none (listed lazily, or a server still connecting), and stops on the CLI\'s error', () => {
    const steps = playRound(assignPrompt, brain, () => 'Error: No such tool available: mcp__tinytown__task_start', ['Bash', 'ToolSearch']);
    expect(steps[0]).toEqual({ kind: 'mcp', tool: 'task_start', args: { id: 't-main01' } });
    expect(steps[1]).toMatchObject({ kind: 'done', text: expect.stringContaining('No such tool available') });
  });
});

describe('what the brain reads in tool output', () => {
  it('finds a failed exit code however a CLI words it, and only a failed one', () => {
    expect(failedExitCode('Output: x\nExit Code: 1')).toBe(1);
    expect(failedExitCode('Process exited with code 127')).toBe(127);
    expect(failedExitCode('{"exit_code": 2}')).toBe(2);
    expect(failedExitCode('Exit Code: 0')).toBeUndefined();
    expect(failedExitCode('Started t-1 (running)')).toBeUndefined();
  });

  it('finds a rejection in a history printed as JSON, or quoted once more by a CLI', () => {
    expect(historyHasRejection('{"action": "reject"}')).toBe(true);
    expect(historyHasRejection(JSON.stringify(JSON.stringify({ action: 'reject' })))).toBe(true);
    expect(historyHasRejection('{"action": "review", "summary": "reject later"}')).toBe(false);
  });
});

describe('the Gemini mock', () => {
  it('decodes a conversation: the prompt after the session context, each call with its response, the tools offered', () => {
    const conversation = decodeConversation({
      contents: [
        { role: 'user', parts: [{ text: '<session_context>\nThis is the Gemini CLI.' }] },
        { role: 'user', parts: [{ text: 'You are **worker-1**, the worker of the Tinytown town "t".' }] },
        { role: 'model', parts: [{ text: 'thinking', thought: true }, { functionCall: { name: 'run_shell_command', args: { command: 'tt task start t-1' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'run_shell_command', response: { output: 'Started t-1' } } }] },
        { role: 'model', parts: [{ functionCall: { name: 'mcp_tinytown_review', args: { id: 't-1' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'mcp_tinytown_review', response: { content: [{ type: 'text', text: '{}' }] } } }] },
      ],
      tools: [{ functionDeclarations: [{ name: 'run_shell_command' }, { name: 'mcp_tinytown_review' }] }],
    });
    expect(conversation.prompt).toBe('You are **worker-1**, the worker of the Tinytown town "t".');
    expect(conversation.results).toEqual([
      { step: { kind: 'shell', command: 'tt task start t-1' }, output: 'Started t-1' },
      { step: { kind: 'mcp', tool: 'review', args: { id: 't-1' } }, output: '{"content":[{"type":"text","text":"{}"}]}' },
    ]);
    expect(conversation.tools).toEqual(['run_shell_command', 'mcp_tinytown_review']);
  });

  it('answers a side call with the smallest object its schema accepts', () => {
    expect(minimalValue({
      type: 'OBJECT',
      properties: { complexity_reasoning: { type: 'STRING' }, complexity_score: { type: 'INTEGER' }, next_speaker: { type: 'STRING', enum: ['user', 'model'] } },
      required: ['complexity_reasoning', 'complexity_score', 'next_speaker'],
    })).toEqual({ complexity_reasoning: 'mock', complexity_score: 1, next_speaker: 'user' });
  });
});
