/** The MCP tool table against the CLI's command definitions, and the server in-process (no town needed). */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { buildTool, MAX_WAIT_S, TOOLS } from '../../src/mcp/tools.js';
import { toolError } from '../../src/mcp/invoke.js';
import { createTinytownServer } from '../../src/mcp/server.js';
import { NotFoundError } from '../../src/errors.js';

const tool = (name: string) => buildTool(TOOLS.find((spec) => spec.name === name)!);

describe('MCP tool table', () => {
  it('maps every tool onto an existing tt command and its real arguments', () => {
    const names = TOOLS.map((spec) => spec.name);
    expect(new Set(names).size).toBe(names.length);
    for (const spec of TOOLS) {
      expect(spec.name).toMatch(/^[a-z][a-z_]{0,63}$/);
      expect(() => buildTool(spec), spec.name).not.toThrow();
    }
  });

  it('turns MCP input into the args the CLI parser would make', () => {
    expect(tool('send').toArgs({ to: 'reviewer', message: 'hi', type: 'query' }, 'backend')).toMatchObject({ to: 'reviewer', message: 'hi', query: true, info: false, ack: false });
    expect(tool('history').toArgs({}, undefined)).toMatchObject({ n: 20 });
    expect(tool('agent_spawn').toArgs({ name: 'qa' }, undefined)).toMatchObject({ name: 'qa', start: true });
    expect(tool('inbox_mark_read').toArgs({}, 'backend')).toMatchObject({ markRead: true, 'mark-read': true });
    expect(tool('inbox_wait').toArgs({}, 'backend')).toMatchObject({ wait: true, timeout: 30 });
    expect(tool('backlog_claim').toArgs({ id: 't-abc' }, 'backend')).toMatchObject({ id: 't-abc', agent: 'backend' });
    expect(tool('backlog_claim').toArgs({ id: 't-abc', agent: 'frontend' }, 'backend')).toMatchObject({ agent: 'frontend' });
  });

  it('takes required-ness from the command definition', () => {
    expect(tool('reject').shape.reason!.safeParse(undefined).success).toBe(false);
    expect(tool('approve').shape.message!.safeParse(undefined).success).toBe(true);
    expect(tool('assign').shape.priority!.safeParse('whenever').success).toBe(false);
    expect(tool('inbox_wait').shape.timeout!.safeParse(MAX_WAIT_S + 1).success).toBe(false);
  });

  it('turns any error into a tool error: the CLI text for a TinytownError, a bug report otherwise', () => {
    let logged = '';
    expect(toolError(new NotFoundError('no task t-zzz'), (t) => { logged += t; })).toEqual({ content: [{ type: 'text', text: 'no task t-zzz' }], isError: true });
    expect(logged).toBe('');
    const bug = toolError(new TypeError('x is undefined'), (t) => { logged += t; });
    expect(bug.isError).toBe(true);
    expect(bug.content[0]!.text).toMatch(/a bug in tt\): x is undefined/);
    expect(logged).toMatch(/TypeError: x is undefined/);
  });
});

describe('MCP server in-process', () => {
  it('outside a town, every call is a tool error saying so, and the server keeps answering', async () => {
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'tt-no-town-')));
    const server = createTinytownServer({ cwd: dir, env: {}, log: () => {} });
    const client = new Client({ name: 'unit', version: '1.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    try {
      await server.connect(serverSide);
      await client.connect(clientSide);
      for (let round = 0; round < 2; round++) {
        const result = await client.callTool({ name: 'status', arguments: {} });
        expect(result.isError).toBe(true);
        expect((result.content as Array<{ text: string }>)[0]!.text).toMatch(/not inside a Tinytown town/);
      }
      expect((await client.listTools()).tools).toHaveLength(TOOLS.length);
    } finally {
      await client.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
