/** The MCP tool table (its schemas and the operations behind them), and the server in-process (no town needed). */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { MAX_WAIT_S, TOOLS } from '../../src/mcp/tools.js';
import { toolError } from '../../src/mcp/invoke.js';
import { createTinytownServer } from '../../src/mcp/server.js';
import { NotFoundError } from '../../src/errors.js';

const schema = (name: string) => z.strictObject(TOOLS.find((spec) => spec.name === name)!.input);

describe('MCP tool table', () => {
  it('names every tool once, in the MCP tool-name alphabet, each with a runnable operation', () => {
    const names = TOOLS.map((spec) => spec.name);
    expect(new Set(names).size).toBe(names.length);
    for (const spec of TOOLS) {
      expect(spec.name).toMatch(/^[a-z][a-z_]{0,63}$/);
      expect(typeof spec.run, spec.name).toBe('function');
      expect(spec.description.length, spec.name).toBeLessThan(140);
    }
  });

  it('checks input before anything runs: required fields, choices, bounds, no unknown fields', () => {
    expect(schema('reject').safeParse({ id: 't-abc' }).success).toBe(false);
    expect(schema('reject').safeParse({ id: 't-abc', reason: 'fix it' }).success).toBe(true);
    expect(schema('approve').safeParse({ id: 't-abc' }).success).toBe(true);
    expect(schema('assign').safeParse({ agent: 'backend', description: 'x', priority: 'whenever' }).success).toBe(false);
    expect(schema('assign').safeParse({ agent: 'backend', description: 'x', priority: 'high', tags: ['api'] }).success).toBe(true);
    expect(schema('inbox_wait').safeParse({ timeout: MAX_WAIT_S + 1 }).success).toBe(false);
    expect(schema('send').safeParse({ to: 'backend', message: 'hi', type: 'query' }).success).toBe(true);
    expect(schema('send').safeParse({ to: 'backend', message: 'hi', type: 'order' }).success).toBe(false);
    expect(schema('send').safeParse({ to: 'backend', message: 'hi', from: 'reviewer' }).success).toBe(false);
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
