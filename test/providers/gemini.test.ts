// GeminiLlm against the wire-faithful fake Gemini API on loopback: the LLM contract (happy
// path, streaming order, barge-in cancel, drop resumed with nothing lost or repeated, auth
// error at start-up, a retried rate limit) and native function calling.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GeminiLlm, type GeminiLlmOptions, buildGeminiBody } from '../../src/providers/gemini/index.js';
import type { LlmEvent, ProviderMetric } from '../../src/providers/types.js';
import { type FakeGemini, startFakeGemini } from '../../src/testing/fakes/gemini.js';
import { collect, rejectionOf } from '../support/async.js';

let fake: FakeGemini;
beforeEach(async () => {
  fake = await startFakeGemini();
});
afterEach(async () => {
  await fake.close();
});

const llm = (o: Partial<GeminiLlmOptions> = {}): GeminiLlm => new GeminiLlm({ model: 'gemini-2.0-flash', apiKey: fake.apiKey, baseUrl: fake.baseUrl, env: {}, retry: { random: () => 0, baseDelayMs: 20 }, ...o });
const textOf = (events: LlmEvent[]): string => events.map((e) => (e.type === 'text' ? e.text : '')).join('');
const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'what are your hours' },
];
const tools = [{ name: 'lookup_hours', description: 'Opening hours', parameters: { type: 'object', properties: { day: { type: 'string' } } } }];
const signal = (): AbortSignal => new AbortController().signal;

describe('GeminiLlm against the fake Gemini API', () => {
  it('streams text in order, then done; sends the key header and the documented body', async () => {
    fake.otherwise({ text: 'We are open from nine to five.' });
    const events = await collect(llm().chat({ messages, tools, signal: signal(), temperature: 0.3 }));
    expect(textOf(events)).toBe('We are open from nine to five.');
    expect(events.filter((e) => e.type === 'text').length).toBeGreaterThan(3);
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop', usage: { promptTokens: 10 } });
    const req = fake.requests.entries[0];
    expect(req?.headers['x-goog-api-key']).toBe(fake.apiKey);
    expect(req?.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'what are your hours' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      tools: [{ functionDeclarations: [{ name: 'lookup_hours', description: 'Opening hours', parameters: tools[0]?.parameters }] }],
      generationConfig: { temperature: 0.3 },
    });
  });

  it('function calling: calls become tool_calls; results go back as functionResponse parts named after the call', async () => {
    fake.otherwise({ functionCalls: [{ name: 'lookup_hours', args: { day: 'monday' } }] });
    const events = await collect(llm().chat({ messages, tools, signal: signal() }));
    expect(events.find((e) => e.type === 'tool_calls')).toEqual({ type: 'tool_calls', calls: [{ id: 'call_0', name: 'lookup_hours', arguments: '{"day":"monday"}' }] });
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'tool_calls' });
    const body = buildGeminiBody(
      [...messages, { role: 'assistant', content: '', toolCalls: [{ id: 'call_0', name: 'lookup_hours', arguments: '{"day":"monday"}' }] }, { role: 'tool', toolCallId: 'call_0', content: '9 to 5' }],
      tools,
    );
    expect((body.contents as unknown[]).slice(1)).toEqual([
      { role: 'model', parts: [{ functionCall: { name: 'lookup_hours', args: { day: 'monday' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'lookup_hours', response: { result: '9 to 5' } } }] },
    ]);
  });

  it('barge-in: aborting mid-stream ends it with PROVIDER_CANCELLED', async () => {
    fake.otherwise({ text: 'one two three four five six seven eight', interTokenMs: 100 });
    const abort = new AbortController();
    let n = 0;
    const error = await rejectionOf(
      (async () => {
        for await (const ev of llm().chat({ messages, signal: abort.signal })) if (ev.type === 'text' && ++n === 2) abort.abort();
      })(),
    );
    expect(error.code).toBe('PROVIDER_CANCELLED');
  });

  it('a drop mid-stream (no finishReason yet) is retried and resumed: whole text, said once', async () => {
    fake.otherwise({ text: 'We are open from nine to five every day.', dropAfterTokens: 3 });
    const events = await collect(llm().chat({ messages, signal: signal() }));
    expect(textOf(events)).toBe('We are open from nine to five every day.');
    expect(fake.requests.entries).toHaveLength(2);
  });

  it('a bad key (400 "API key not valid") fails verify() as PROVIDER_AUTH_FAILED naming GEMINI_API_KEY, never the key', async () => {
    const error = await rejectionOf(llm({ apiKey: 'AIza-wrong-0123456789' }).verify(signal()));
    expect(error.code).toBe('PROVIDER_AUTH_FAILED');
    expect(error.message).toContain('GEMINI_API_KEY');
    expect(error.message).not.toContain('AIza-wrong-0123456789');
    await expect(llm().verify(signal())).resolves.toBeUndefined();
  });

  it('a 429 RESOURCE_EXHAUSTED is retried, then answers', async () => {
    fake.failNext({ status: 429, retryAfterS: 0 });
    const metrics: ProviderMetric[] = [];
    expect(textOf(await collect(llm().chat({ messages, signal: signal(), onMetric: (m) => metrics.push(m) })))).toBe('OK.');
    expect(metrics.find((m) => m.type === 'retry')).toMatchObject({ code: 'PROVIDER_RATE_LIMITED' });
  });
});
