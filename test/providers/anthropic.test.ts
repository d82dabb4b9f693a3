// AnthropicLlm against the wire-faithful fake Anthropic Messages API on loopback: the same
// contract as the other LLM clients (happy path, streaming order, barge-in cancel, a drop
// mid-stream with nothing lost or repeated, auth error at start-up, a retried rate limit),
// plus native tool use and prompt caching of the system prompt and tools.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicLlm, buildMessagesBody } from '../../src/providers/anthropic/index.js';
import type { AnthropicLlmOptions } from '../../src/providers/anthropic/options.js';
import type { LlmEvent, ProviderMetric } from '../../src/providers/types.js';
import { type FakeAnthropic, startFakeAnthropic } from '../../src/testing/fakes/anthropic.js';
import { collect, rejectionOf } from '../support/async.js';

let fake: FakeAnthropic;
beforeEach(async () => {
  fake = await startFakeAnthropic();
});
afterEach(async () => {
  await fake.close();
});

const llm = (o: Partial<AnthropicLlmOptions> = {}): AnthropicLlm =>
  new AnthropicLlm({ model: 'claude-3-5-haiku-20241022', apiKey: fake.apiKey, baseUrl: fake.baseUrl, env: {}, retry: { random: () => 0, baseDelayMs: 20 }, ...o });
const textOf = (events: LlmEvent[]): string => events.map((e) => (e.type === 'text' ? e.text : '')).join('');
const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'what are your hours' },
];
const tools = [{ name: 'lookup_hours', description: 'Opening hours', parameters: { type: 'object', properties: { day: { type: 'string' } } } }];
const signal = (): AbortSignal => new AbortController().signal;

describe('AnthropicLlm against the fake Messages API', () => {
  it('streams text deltas in order, then done; sends the documented headers and body, with the system prompt and tools cached', async () => {
    fake.otherwise({ text: 'We are open from nine to five.' });
    const events = await collect(llm().chat({ messages, tools, signal: signal() }));
    expect(textOf(events)).toBe('We are open from nine to five.');
    expect(events.filter((e) => e.type === 'text').length).toBeGreaterThan(3);
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
    const req = fake.requests.entries[0];
    expect(req?.headers['x-api-key']).toBe(fake.apiKey);
    expect(req?.headers['anthropic-version']).toBe('2023-06-01');
    expect(req?.body).toMatchObject({
      model: 'claude-3-5-haiku-20241022',
      max_tokens: 1024,
      stream: true,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'what are your hours' }] }],
      tools: [{ name: 'lookup_hours', description: 'Opening hours', input_schema: tools[0]?.parameters, cache_control: { type: 'ephemeral' } }],
    });
    // The second turn reads the cached prefix (the fake reports it as Anthropic does).
    const again = await collect(llm().chat({ messages, tools, signal: signal() }));
    const done = again.at(-1);
    expect(done?.type === 'done' && done.usage?.promptTokens).toBeGreaterThan(12);
    await collect(llm({ cachePrompt: false }).chat({ messages, signal: signal() }));
    expect(JSON.stringify(fake.requests.entries[2]?.body)).not.toContain('cache_control');
  });

  it('assembles tool_use blocks from input_json_delta and maps tool results back as tool_result blocks', async () => {
    fake.otherwise({ text: 'Let me check.', toolCalls: [{ name: 'lookup_hours', input: { day: 'monday' }, id: 'toolu_1' }] });
    const events = await collect(llm().chat({ messages, tools, signal: signal() }));
    expect(events.find((e) => e.type === 'tool_calls')).toEqual({ type: 'tool_calls', calls: [{ id: 'toolu_1', name: 'lookup_hours', arguments: '{"day":"monday"}' }] });
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'tool_calls' });
    const body = buildMessagesBody({
      model: 'm',
      maxTokens: 10,
      cachePrompt: false,
      messages: [
        ...messages,
        { role: 'assistant', content: 'Let me check.', toolCalls: [{ id: 'toolu_1', name: 'lookup_hours', arguments: '{"day":"monday"}' }] },
        { role: 'tool', toolCallId: 'toolu_1', content: '9 to 5' },
        { role: 'user', content: 'thanks' },
      ],
    });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'what are your hours' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_1', name: 'lookup_hours', input: { day: 'monday' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '9 to 5' }, { type: 'text', text: 'thanks' }] },
    ]);
  });

  it('barge-in: aborting mid-stream ends it with PROVIDER_CANCELLED at once', async () => {
    fake.otherwise({ text: 'one two three four five six seven eight', interTokenMs: 100 });
    const abort = new AbortController();
    const seen: string[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const ev of llm().chat({ messages, signal: abort.signal })) {
          if (ev.type === 'text') seen.push(ev.text);
          if (seen.length === 2) abort.abort();
        }
      })(),
    );
    expect(error.code).toBe('PROVIDER_CANCELLED');
    expect(seen).toHaveLength(2);
  });

  it('a drop mid-stream is retried and resumed: the text is whole and said once; an overloaded_error event is retried too', async () => {
    fake.when(/hours/, { text: 'We are open from nine to five every day.', dropAfterTokens: 3 });
    const metrics: ProviderMetric[] = [];
    const events = await collect(llm().chat({ messages, signal: signal(), onMetric: (m) => metrics.push(m) }));
    expect(textOf(events)).toBe('We are open from nine to five every day.');
    expect(fake.requests.entries).toHaveLength(2);
    expect(metrics.filter((m) => m.type === 'retry')).toHaveLength(1);
    fake.when(/parking/, { text: 'Parking is free.', errorAfterTokens: { tokens: 1, type: 'overloaded_error', message: 'Overloaded' } });
    const parking = await collect(llm().chat({ messages: [{ role: 'user', content: 'parking?' }], signal: signal() }));
    expect(textOf(parking)).toBe('Parking is free.');
  });

  it('a bad key fails verify() at start-up with PROVIDER_AUTH_FAILED naming ANTHROPIC_API_KEY, never the key', async () => {
    const error = await rejectionOf(llm({ apiKey: 'sk-ant-wrong-0123456789' }).verify(signal()));
    expect(error.code).toBe('PROVIDER_AUTH_FAILED');
    expect(error.message).toContain('ANTHROPIC_API_KEY');
    expect(error.message).not.toContain('sk-ant-wrong-0123456789');
    await expect(llm().verify(signal())).resolves.toBeUndefined();
    expect((await rejectionOf(llm({ model: 'claude-nope' }).verify(signal()))).code).toBe('PROVIDER_BAD_REQUEST');
  });

  it('a 429 with retry-after is retried, then answers', async () => {
    fake.failNext({ status: 429, retryAfterS: 0 });
    const metrics: ProviderMetric[] = [];
    const events = await collect(llm().chat({ messages, signal: signal(), onMetric: (m) => metrics.push(m) }));
    expect(textOf(events)).toBe('OK.');
    expect(metrics.find((m) => m.type === 'retry')).toMatchObject({ code: 'PROVIDER_RATE_LIMITED' });
  });

  it('is exported from callwire/providers/anthropic (built dist), not from the root', async () => {
    const spec = 'callwire/providers/anthropic';
    const mod = (await import(spec)) as Record<string, unknown>;
    expect(typeof mod.AnthropicLlm).toBe('function');
    const root = (await import('callwire' as string)) as Record<string, unknown>;
    expect(root.AnthropicLlm).toBeUndefined();
  });
});
