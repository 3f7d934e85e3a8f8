/** The MCP tools of issue 20: task_edit, task_reassign, search, and the inbox tools' limit, through callTool on a real town. */
import { describe, expect, it } from 'vitest';
import { callTool, TOOLS } from '../../src/mcp/tools.js';
import { tempRepo, trailersOf } from '../helpers/repo.js';
import { townWithTeam, tt } from '../helpers/tt.js';

async function call(dir: string, name: string, input: Record<string, unknown>, as = 'conductor'): Promise<Record<string, unknown>> {
  const spec = TOOLS.find((tool) => tool.name === name)!;
  const result = await callTool(spec, input, { cwd: dir, env: { TINYTOWN_AGENT: as }, log: () => {} });
  if (result.isError) throw new Error(result.content[0]!.text);
  return JSON.parse(result.content[0]!.text) as Record<string, unknown>;
}

describe('MCP: task_edit, task_reassign, search, inbox limit', () => {
  it('each is the CLI operation: the same commit, the same document', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const id = (await tt(dir, ['assign', 'backend', 'Build the API', '--json'])).json<{ task: { id: string } }>().task.id;
    expect(await call(dir, 'task_edit', { id, priority: 'urgent', tags: ['api'] })).toMatchObject({ kind: 'task', changed: ['priority', 'tags'], task: { priority: 'urgent', tags: ['api'] } });
    expect(trailersOf(dir)['Tinytown-Action']).toEqual(['edit']);
    expect(await call(dir, 'task_reassign', { id, agent: 'frontend' })).toMatchObject({ kind: 'task', previous_assignee: 'backend', task: { assignee: 'frontend' } });
    expect(trailersOf(dir)['Tinytown-Action']).toEqual(['reassign']);
    const found = await call(dir, 'search', { text: 'build THE api', tasks: true });
    expect(found).toMatchObject({ kind: 'search', matches: { tasks: 1, messages: 0 }, results: [{ kind: 'task', id }] });
    expect(await call(dir, 'task_list', { tag: 'api', priority: 'urgent' })).toMatchObject({ kind: 'task-list', tasks: [{ id }] });
    await tt(dir, ['send', 'frontend', 'one more']);
    const inbox = await call(dir, 'inbox', { agent: 'frontend', limit: 1 });
    expect(inbox).toMatchObject({ kind: 'inbox', agent: 'frontend', unread: 2 });
    expect(inbox.messages).toHaveLength(1);
    const taken = await call(dir, 'inbox_mark_read', { limit: 1 }, 'frontend');
    expect(taken).toMatchObject({ unread: 2 });
    expect(await call(dir, 'inbox', { agent: 'frontend' })).toMatchObject({ unread: 1 });
  });
});
