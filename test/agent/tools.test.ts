// Function calling: JSON schemas from zod, validation, running with a timeout, coded failures.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ToolContext, defineTool, runTool, toolSchema } from '../../src/agent/tools.js';

describe('tools', () => {
  const ctx: ToolContext = { signal: new AbortController().signal, callId: 'c', say: async () => {}, hangup: async () => {}, transfer: async () => {}, sendDtmf: () => {}, collectDigits: async () => ({ digits: '', reason: 'timeout' }) };
  const book = defineTool({
    name: 'book_table',
    description: 'Book a table',
    parameters: z.object({ people: z.number().int().min(1), time: z.string() }),
    execute: ({ people, time }) => ({ confirmed: true, people, time }),
  });

  it('gives the LLM a JSON schema of the zod parameters', () => {
    const s = toolSchema(book);
    expect(s).toMatchObject({ name: 'book_table', parameters: { type: 'object', properties: { people: { type: 'integer' }, time: { type: 'string' } }, required: ['people', 'time'] } });
  });

  it('validates arguments, runs, stringifies; reports bad JSON, bad args, failures and timeouts with codes', async () => {
    await expect(runTool(book, '{"people":2,"time":"7pm"}', ctx)).resolves.toEqual({ ok: true, content: '{"confirmed":true,"people":2,"time":"7pm"}' });
    await expect(runTool(book, '{"people":0,"time":"7pm"}', ctx)).resolves.toMatchObject({ ok: false, error: { code: 'AGENT_TOOL_INVALID_ARGS' } });
    await expect(runTool(book, 'not json', ctx)).resolves.toMatchObject({ ok: false, error: { code: 'AGENT_TOOL_INVALID_ARGS' } });
    const broken = defineTool({ name: 'broken', description: '', parameters: z.object({}), execute: () => { throw new Error('db down'); } });
    await expect(runTool(broken, '{}', ctx)).resolves.toMatchObject({ ok: false, content: expect.stringContaining('db down'), error: { code: 'AGENT_TOOL_FAILED' } });
    const slow = defineTool({ name: 'slow', description: '', parameters: z.object({}), timeoutMs: 20, execute: () => new Promise(() => {}) });
    await expect(runTool(slow, '', ctx)).resolves.toMatchObject({ ok: false, error: { code: 'AGENT_TOOL_FAILED' } });
    expect(() => defineTool({ name: 'bad name!', description: '', parameters: z.object({}), execute: () => 1 })).toThrowError(/must match/);
  });
});
