import { describe, expect, it } from 'vitest';
import { parseLogRecord, type TownEvent } from '../../src/git/log.js';
import { markdownText, renderSummaryMarkdown, summarise } from '../../src/app/summary.js';
import type { Task } from '../../src/core/types.js';

function event(commit: string, subject: string, trailers: string): TownEvent {
  const parsed = parseLogRecord([commit, '2026-11-25T21:20:00+00:00', 'x', subject, trailers].join('\x1f'));
  if (!parsed) throw new Error('bad fixture');
  return parsed;
}

const api = 't-api000';
const ui = 't-u10000';
const events = [
  event('1111111111', `tt(conductor): assign ${api} to backend: Build the API`, `Tinytown-Action: assign\nTinytown-Agent: conductor\nTinytown-Task: ${api}`),
  event('2222222222', `tt(conductor): assign ${ui} to frontend: Build the UI`, `Tinytown-Action: assign\nTinytown-Agent: conductor\nTinytown-Task: ${ui}`),
  event('3333333333', `tt(backend): review ${api} to reviewer: Build the API`, `Tinytown-Action: review\nTinytown-Agent: backend\nTinytown-Task: ${api}`),
  event('4444444444', `tt(reviewer): reject ${api}: Password hashing uses weak algorithm`, `Tinytown-Action: reject\nTinytown-Agent: reviewer\nTinytown-Task: ${api}\nTinytown-Reason: Password hashing uses weak algorithm`),
  event('5555555555', `tt(backend): review ${api} to reviewer: Build the API`, `Tinytown-Action: review\nTinytown-Agent: backend\nTinytown-Task: ${api}`),
  event('6666666666', `tt(reviewer): approve ${api}: Build the API`, `Tinytown-Action: approve\nTinytown-Agent: reviewer\nTinytown-Task: ${api}\nReviewed-by: reviewer\nTinytown-Reviewed-Commit: abcdef0123456789`),
  event('7777777777', 'tt(conductor): send to backend: hi', 'Tinytown-Action: send\nTinytown-Agent: conductor'),
];

const uiTask = {
  id: ui, title: 'Build the UI', state: 'running', assignee: 'frontend', reviewer: null,
} as Task;

describe('tt summary', () => {
  it('renders the coordination of a scripted history (golden)', () => {
    const summary = summarise(events, [uiTask], 'abc..HEAD', 'since the merge-base with main (abc)');
    expect(renderSummaryMarkdown(summary)).toBe(`### Coordination (since the merge-base with main (abc))

**Approved**

- \`t-api000\` Build the API — approved by **reviewer** at \`abcdef01\` (66666666)

**Changes requested**

- \`t-api000\` Password hashing uses weak algorithm — **reviewer**: Password hashing uses weak algorithm

**Handed off for review**

- \`t-api000\` Build the API — backend → reviewer
- \`t-api000\` Build the API — backend → reviewer

**Opened**

- \`t-api000\` Build the API — by conductor
- \`t-u10000\` Build the UI — by conductor

**Still open**

- \`t-u10000\` Build the UI — running, frontend`);
  });

  it('adds each task\'s usage, as reported, and the total over the tasks of the range', () => {
    const apiTask = { id: api, title: 'Build the API', state: 'completed', assignee: 'backend', reviewer: 'reviewer', usage: { rounds: 4, input_tokens: 52_000, output_tokens: 3100, cost_usd: 0.1234 } } as Task;
    const used = { ...uiTask, usage: { rounds: 2, input_tokens: 8000, output_tokens: 900, cost_usd: null } };
    const elsewhere = { ...uiTask, id: 't-e15e00', usage: { rounds: 9, input_tokens: 1, output_tokens: 1, cost_usd: 9 } } as Task;
    const summary = summarise(events, [apiTask, used, elsewhere], 'abc..HEAD', 'abc');
    expect(summary.usage_total).toEqual({ rounds: 6, input_tokens: 60_000, output_tokens: 4000, cost_usd: 0.1234 });
    expect(renderSummaryMarkdown(summary)).toContain(`**Usage (as the agent CLIs reported it; each task's totals so far)**

- \`t-api000\` Build the API — 4 rounds · 52,000 tokens in · 3,100 out · $0.1234
- \`t-u10000\` Build the UI — 2 rounds · 8,000 tokens in · 900 out
- all 2 tasks: 6 rounds · 60,000 tokens in · 4,000 out · $0.1234`);
    expect(renderSummaryMarkdown(summarise(events, [uiTask], 'abc..HEAD', 'abc'))).not.toContain('Usage');
  });

  it('says so when a range holds no coordination', () => {
    expect(renderSummaryMarkdown(summarise([], [], 'HEAD', 'all history'))).toContain('No coordination in this range.');
  });
});

describe('markdownText', () => {
  it('keeps user text inert and on one line in a pull-request description', () => {
    expect(markdownText('Build the API')).toBe('Build the API');
    expect(markdownText('x\n\n**Approved**\n- `t-aaaaaa` [pwned](https://evil.example) <img src=x> @everyone')).toBe(
      'x \\*\\*Approved\\*\\* - \\`t-aaaaaa\\` \\[pwned\\]\\(https://evil.example\\) \\<img src=x\\> \\@everyone',
    );
  });
});
