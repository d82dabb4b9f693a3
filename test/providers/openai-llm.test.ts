import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpenAiLlm, type OpenAiLlmOptions } from '../../src/providers/openai/llm.js';
import type { LlmEvent, ProviderMetric } from '../../src/providers/types.js';
import { type FakeOpenAi, startFakeOpenAi } from '../../src/testing/fakes/openai.js';
import { collect, rejectionOf } from '../support/async.js';

let fake: FakeOpenAi;
const noJitter = { random: () => 0 };

function llm(extra: Partial<OpenAiLlmOptions> = {}): OpenAiLlm {
  return new OpenAiLlm({ model: 'gpt-4o-mini', baseUrl: fake.baseUrl, apiKey: fake.apiKey, env: {}, retry: { ...noJitter, baseDelayMs: 20 }, ...extra });
}

function textOf(events: LlmEvent[]): string {
  return events.map((e) => (e.type === 'text' ? e.text : '')).join('');
}

const user = (content: string) => [{ role: 'system' as const, content: 'be brief' }, { role: 'user' as const, content }];

beforeEach(async () => {
  fake = await startFakeOpenAi();
});
afterEach(async () => {
  await fake.close();
});

describe('OpenAiLlm against the fake OpenAI server', () => {
  it('streams text deltas, then done with finish reason and usage; sends the documented request', async () => {
    fake.chat.reply({ text: 'Hello there, how can I help?' });
    const events = await collect(llm().chat({ messages: user('hi'), signal: new AbortController().signal, temperature: 0.2 }));
    expect(textOf(events)).toBe('Hello there, how can I help?');
    expect(events.filter((e) => e.type === 'text').length).toBeGreaterThan(1);
    const done = events.at(-1);
    expect(done).toMatchObject({ type: 'done', finishReason: 'stop' });
    expect(done?.type === 'done' && done.usage?.completionTokens).toBe(6);
    const req = fake.chat.requests.entries[0];
    expect(req?.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(req?.body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, temperature: 0.2 });
    expect(req?.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hi' },
    ]);
  });

  it('yields each token as it arrives, before the server has finished', async () => {
    fake.chat.reply({ text: 'one two three four', interTokenMs: 150 });
    const seenDoneAtFirstToken: boolean[] = [];
    for await (const e of llm().chat({ messages: user('count'), signal: new AbortController().signal })) {
      if (e.type === 'text') seenDoneAtFirstToken.push(fake.chat.events.entries.some((x) => x.type === 'done'));
    }
    expect(seenDoneAtFirstToken[0]).toBe(false);
    const tokenTimes = fake.chat.events.filter((x) => x.type === 'token').map((x) => x.at);
    expect(tokenTimes).toHaveLength(4);
  });

  it('assembles streamed tool-call deltas and sends tool results back in OpenAI shape', async () => {
    fake.chat.reply({
      toolCalls: [
        { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } },
        { name: 'get_time', arguments: { tz: 'Europe/Paris' } },
      ],
    });
    const events = await collect(llm().chat({ messages: user('weather?'), signal: new AbortController().signal, tools: [{ name: 'get_weather', description: 'w', parameters: { type: 'object' } }] }));
    const calls = events.find((e) => e.type === 'tool_calls');
    expect(calls?.type === 'tool_calls' && calls.calls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([
      ['get_weather', { city: 'Paris', unit: 'celsius' }],
      ['get_time', { tz: 'Europe/Paris' }],
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'tool_calls' });
    expect(fake.chat.requests.entries[0]?.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'w', parameters: { type: 'object' } } }]);

    const call = calls?.type === 'tool_calls' ? calls.calls[0] : undefined;
    fake.chat.reply({ text: 'It is sunny.' });
    await collect(
      llm().chat({
        signal: new AbortController().signal,
        messages: [
          ...user('weather?'),
          { role: 'assistant', content: '', toolCalls: call ? [call] : [] },
          { role: 'tool', toolCallId: call?.id ?? '', content: '{"sky":"sunny"}' },
        ],
      }),
    );
    expect(fake.chat.requests.entries[1]?.messages.slice(2)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: call?.id, type: 'function', function: { name: 'get_weather', arguments: call?.arguments } }] },
      { role: 'tool', tool_call_id: call?.id, content: '{"sky":"sunny"}' },
    ]);
  });

  it('barge-in: aborting stops the HTTP stream at once and the server sees the close', async () => {
    fake.chat.reply({ text: 'a long answer that keeps going and going and going', interTokenMs: 100 });
    const ac = new AbortController();
    const got: string[] = [];
    const err = await rejectionOf(
      (async () => {
        for await (const e of llm().chat({ messages: user('talk'), signal: ac.signal })) {
          if (e.type === 'text') {
            got.push(e.text);
            ac.abort();
          }
        }
      })(),
    );
    expect(err.code).toBe('PROVIDER_CANCELLED');
    expect(got).toEqual(['a ']);
    const aborted = await fake.chat.events.waitFor((e) => e.type === 'aborted', 10_000, 'the server to see the abort');
    expect(aborted.type === 'aborted' && aborted.tokensSent).toBeLessThan(10);
  });

  it('breaking out of the loop also cancels the request', async () => {
    fake.chat.reply({ text: 'one two three four five six', interTokenMs: 100 });
    for await (const e of llm().chat({ messages: user('x'), signal: new AbortController().signal })) {
      if (e.type === 'text') break;
    }
    await fake.chat.events.waitFor((e) => e.type === 'aborted', 10_000, 'the server to see the abort');
  });

  it('a mid-stream disconnect is retried and the text resumes with nothing lost or repeated', async () => {
    fake.chat.reply({ text: 'The quick brown fox jumps over the lazy dog.', dropAfterTokens: 3, interTokenMs: 5 });
    const metrics: ProviderMetric[] = [];
    const events = await collect(llm().chat({ messages: user('fox'), signal: new AbortController().signal, onMetric: (m) => metrics.push(m) }));
    expect(textOf(events)).toBe('The quick brown fox jumps over the lazy dog.');
    expect(fake.chat.requests.entries).toHaveLength(2);
    expect(fake.chat.events.filter((e) => e.type === 'dropped')).toHaveLength(1);
    expect(metrics.filter((m) => m.type === 'retry').map((m) => m.type === 'retry' && m.code)).toEqual(['PROVIDER_DISCONNECTED']);
    expect(metrics.filter((m) => m.type === 'ttfb')).toHaveLength(1);
  });

  it('a resumed stream that regenerates different text ends with a non-retryable error, keeping what was said', async () => {
    fake.chat.reply({ text: 'Alpha beta gamma delta.', dropAfterTokens: 2, retryReply: { text: 'Totally different words here.' } });
    const got: string[] = [];
    const err = await rejectionOf(
      (async () => {
        for await (const e of llm().chat({ messages: user('x'), signal: new AbortController().signal })) if (e.type === 'text') got.push(e.text);
      })(),
    );
    expect(err.code).toBe('PROVIDER_DISCONNECTED');
    expect(err.retryable).toBe(false);
    expect(got.join('')).toBe('Alpha beta ');
  });

  it('a mid-stream server_error event is retried', async () => {
    fake.chat.reply({ text: 'Recovered answer here.', errorAfterTokens: { tokens: 1, code: 'server_error', message: 'boom' } });
    const events = await collect(llm().chat({ messages: user('x'), signal: new AbortController().signal }));
    expect(textOf(events)).toBe('Recovered answer here.');
  });

  it('auth error: verify() and chat() fail with PROVIDER_AUTH_FAILED naming the env var, never the key', async () => {
    const bad = llm({ apiKey: 'sk-wrong-key-1234567890' });
    const err = await rejectionOf(bad.verify(new AbortController().signal));
    expect(err.code).toBe('PROVIDER_AUTH_FAILED');
    expect(err.message).toContain('OPENAI_API_KEY was rejected (401)');
    expect(err.message).not.toContain('sk-wrong-key-1234567890');
    const err2 = await rejectionOf(collect(bad.chat({ messages: user('x'), signal: new AbortController().signal })));
    expect(err2.code).toBe('PROVIDER_AUTH_FAILED');
    expect(fake.chat.requests.entries).toHaveLength(0);
  });

  it('a missing key for api.openai.com is a CONFIG_MISSING error at construction', () => {
    expect(() => new OpenAiLlm({ model: 'gpt-4o-mini', env: {} })).toThrow(/OPENAI_API_KEY/);
  });

  it('rate limit: a 429 with Retry-After is retried after at least that long, then succeeds', async () => {
    fake.chat.failNext({ status: 429, retryAfterS: 0.2 });
    fake.chat.reply({ text: 'after the limit' });
    const metrics: ProviderMetric[] = [];
    const events = await collect(llm().chat({ messages: user('x'), signal: new AbortController().signal, onMetric: (m) => metrics.push(m) }));
    expect(textOf(events)).toBe('after the limit');
    const retry = metrics.find((m) => m.type === 'retry');
    expect(retry).toMatchObject({ type: 'retry', code: 'PROVIDER_RATE_LIMITED', attempt: 1 });
    expect(retry?.type === 'retry' && retry.delayMs).toBeGreaterThanOrEqual(200);
    const [fault, request] = fake.chat.events.entries;
    expect(fault?.type).toBe('fault');
    expect(request?.type).toBe('request');
    expect((request?.at ?? 0) - (fault?.at ?? 0)).toBeGreaterThanOrEqual(195);
  });

  it('rate limit with a Retry-After longer than the cap, or a spent quota, fails at once', async () => {
    fake.chat.failNext({ status: 429, retryAfterS: 60 });
    const err = await rejectionOf(collect(llm().chat({ messages: user('x'), signal: new AbortController().signal })));
    expect(err.code).toBe('PROVIDER_RATE_LIMITED');
    fake.chat.failNext({ status: 429, body: { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } } });
    const quota = await rejectionOf(collect(llm().chat({ messages: user('x'), signal: new AbortController().signal })));
    expect(quota.code).toBe('PROVIDER_QUOTA_EXCEEDED');
    expect(fake.chat.events.filter((e) => e.type === 'fault')).toHaveLength(2);
  });

  it('warm() opens the connection that every later turn reuses', async () => {
    const client = llm();
    await client.warm(new AbortController().signal);
    for (let i = 0; i < 3; i++) {
      // Turns on a call are seconds apart; undici returns a finished connection to its pool a
      // tick after the body ends, so back-to-back requests would open a second one.
      await new Promise((r) => setTimeout(r, 50));
      fake.chat.reply({ text: `turn ${i}` });
      await collect(client.chat({ messages: user(`turn ${i}`), signal: new AbortController().signal }));
    }
    expect(fake.connections).toBe(1);
  });

  it('verify() names a model the server does not offer', async () => {
    const err = await rejectionOf(llm({ model: 'gpt-9' }).verify(new AbortController().signal));
    expect(err.code).toBe('PROVIDER_BAD_REQUEST');
    expect(err.message).toContain('"gpt-9"');
    expect(err.message).toContain('gpt-4o-mini');
    await llm({ model: 'gpt-9', checkModel: false }).verify(new AbortController().signal);
  });

  it('scripts by matcher on the last user message and records the chat context sent', async () => {
    fake.chat.when(/weather/i, { text: 'Sunny.' }).otherwise({ text: 'Pardon?' });
    const a = await collect(llm().chat({ messages: user('What is the weather?'), signal: new AbortController().signal }));
    const b = await collect(llm().chat({ messages: user('Hmm'), signal: new AbortController().signal }));
    expect([textOf(a), textOf(b)]).toEqual(['Sunny.', 'Pardon?']);
    expect(fake.chat.requests.entries.map((r) => r.lastUser)).toEqual(['What is the weather?', 'Hmm']);
  });

  it('reports TTFT no lower than the server delay', async () => {
    fake.chat.ttftMs = 120;
    fake.chat.reply({ text: 'hi' });
    const metrics: ProviderMetric[] = [];
    await collect(llm().chat({ messages: user('x'), signal: new AbortController().signal, onMetric: (m) => metrics.push(m) }));
    const ttfb = metrics.find((m) => m.type === 'ttfb');
    expect(ttfb?.type === 'ttfb' && ttfb.ms).toBeGreaterThanOrEqual(115);
  });
});
