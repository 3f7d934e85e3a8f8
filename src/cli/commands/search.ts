import { defineCommand, fromAnswer } from '../command.js';
import { DEFAULT_SEARCH_LIMIT, search, type SearchData } from '../../app/operations/search.js';
import { TASK_STATES } from '../../core/types.js';
import { ago, groupDigits, renderTable } from '../render.js';
import { PLAIN, type Style } from '../style.js';

function more(shown: number, matches: number): string {
  return matches > shown ? ` (${shown} of ${groupDigits(matches)} — --limit 0 for all)` : '';
}

/** Tasks as a table, messages one line each, both with the text around the match. */
export function renderSearch(data: SearchData, now: Date, style: Style = PLAIN): string {
  const parts: string[] = [];
  if (data.tasks.length > 0) {
    parts.push(`Tasks: ${data.matches.tasks}${more(data.tasks.length, data.matches.tasks)}`);
    parts.push(renderTable([
      ['ID', 'STATE', 'WHO', 'PRIORITY', 'MATCH'].map(style.dim),
      ...data.tasks.map((hit) => [hit.id, style.state(hit.state), hit.assignee ?? '-', style.priority(hit.priority), `${hit.title}${hit.field === 'title' ? '' : style.dim(`  ${hit.field}: ${hit.snippet}`)}`]),
    ]));
  }
  if (data.messages.length > 0) {
    if (parts.length > 0) parts.push('');
    parts.push(`Messages: ${data.matches.messages}${more(data.messages.length, data.matches.messages)}`);
    for (const hit of data.messages) {
      const head = `${hit.from} → ${hit.to} (${hit.type}${hit.read ? ', read' : ''}), ${ago(hit.created, now)}`;
      parts.push(`  ${hit.urgent ? style.urgent('! ') : ''}${style.dim(hit.id)}  ${head}: ${hit.snippet}`);
    }
  }
  return parts.length === 0 ? 'nothing found' : parts.join('\n');
}

export const searchCommand = defineCommand({
  path: ['search'],
  describe: 'Find tasks (title, description, result or reason) and messages (read ones too) holding some text, ignoring case',
  positionals: [{ name: 'text', describe: 'The text to look for (quote several words)' }],
  options: {
    tasks: { type: 'boolean', describe: 'Only tasks', conflicts: ['messages'] },
    messages: { type: 'boolean', describe: 'Only messages', conflicts: ['tasks', 'state'] },
    state: { type: 'string', describe: `Only tasks in these states (comma-separated: ${TASK_STATES.join(', ')}); messages have none` },
    agent: { type: 'string', describe: 'Only tasks it is assigned to or reviews, messages to or from it' },
    limit: { type: 'number', describe: `At most this many tasks and this many messages (default ${DEFAULT_SEARCH_LIMIT}; 0: all)` },
  },
  examples: [
    ['tt search "login bug"', 'tasks most urgent first, then messages newest first'],
    ['tt search timeout --messages --agent backend', 'messages to or from backend'],
  ],
  async run(args, cli) {
    const answer = search(cli.session, args);
    return fromAnswer(answer, args.json ? '' : renderSearch(answer.data, cli.runtime.now(), cli.runtime.style));
  },
});
