// Fallback chains at the provider seam, against the wire-faithful fakes on loopback: which
// failures move a request to the next provider, what the next one is asked, how standing is
// kept across calls (demoted, probed, restored), and what never fails over (a barge-in).
import { afterEach, describe, expect, it } from 'vitest';
import { ElevenLabsTts } from '../../src/providers/elevenlabs/index.js';
import { DeepgramStt } from '../../src/providers/deepgram/index.js';
import { ContinuationFilter, continuationMessages } from '../../src/providers/fallback/continuation.js';
import { fallback, FallbackLlm, FallbackStt, FallbackTts } from '../../src/providers/fallback/index.js';
import { OpenAiLlm } from '../../src/providers/openai/llm.js';
import type { LlmEvent, ProviderMetric } from '../../src/providers/types.js';
import { startFakeDeepgram } from '../../src/testing/fakes/deepgram.js';
import { startFakeElevenLabs } from '../../src/testing/fakes/elevenlabs.js';
import { type FakeOpenAi, startFakeOpenAi } from '../../src/testing/fakes/openai.js';
import { collect, rejectionOf, waitUntil } from '../support/async.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c().catch(() => {});
});

async function fakeLlm(reply: string): Promise<FakeOpenAi> {
  const f = await startFakeOpenAi();
  f.chat.otherwise({ text: reply });
  closers.push(() => f.close());
  return f;
}

const client = (f: FakeOpenAi): OpenAiLlm => new OpenAiLlm({ model: 'gpt-4o-mini', baseUrl: f.baseUrl, apiKey: f.apiKey, env: {}, retry: { random: () => 0, baseDelayMs: 20 } });
const textOf = (events: LlmEvent[]): string => events.map((e) => (e.type === 'text' ? e.text : '')).join('');
const messages = [{ role: 'user' as const, content: 'what are your hours' }];

describe('continuation after a cut (pure)', () => {
  it('asks the next model to go on from what was said, and drops a restart that repeats it', () => {
    expect(continuationMessages(messages, '')).toBe(messages);
    expect(continuationMessages(messages, 'We are open').slice(1, 2)).toEqual([{ role: 'assistant', content: 'We are open' }]);
    const restart = new ContinuationFilter('We are open');
    expect(['We ', 'are ', 'open ', 'from ', 'nine.'].map((d) => restart.feed(d)).join('')).toBe(' from nine.');
    const goesOn = new ContinuationFilter('We are open');
    expect(['from ', 'nine.'].map((d) => goesOn.feed(d)).join('')).toBe(' from nine.');
    const spaced = new ContinuationFilter('We are open ');
    expect(spaced.feed('from nine.')).toBe('from nine.');
    const short = new ContinuationFilter('We are open');
    expect(short.feed('We ')).toBe('');
    expect(short.flush()).toBe('');
  });
});

describe('LLM chain', () => {
  it('a primary answering 503 hands the request to the next; it is demoted, probed in the background and restored', async () => {
    const a = await fakeLlm('From A.');
    const b = await fakeLlm('From B.');
    a.chat.failNext({ status: 503 }, 2);
    const chain = fallback([client(a), client(b)], { probeIntervalMs: 100 });
    const metrics: ProviderMetric[] = [];
    const events = await collect(chain.chat({ messages, signal: new AbortController().signal, onMetric: (m) => metrics.push(m) }));
    expect(textOf(events)).toBe('From B.');
    expect(events.at(-1)).toMatchObject({ type: 'done' });
    const f = metrics.find((m) => m.type === 'failover');
    expect(f).toMatchObject({ type: 'failover', kind: 'llm', from: '127.0.0.1', to: '127.0.0.1', error: { code: 'PROVIDER_UNAVAILABLE' } });
    expect(chain.health.healthy(0)).toBe(false);
    // While A is down, a new call goes to B first.
    expect(textOf(await collect(chain.chat({ messages, signal: new AbortController().signal })))).toBe('From B.');
    expect(b.chat.requests.entries.length).toBe(2);
    // The probe (GET /models) succeeds: A is back in front.
    await waitUntil(() => chain.health.healthy(0), 5000, 'A restored');
    expect(textOf(await collect(chain.chat({ messages, signal: new AbortController().signal })))).toBe('From A.');
  });

  it('a refused connection and a first token beyond the budget both move on', async () => {
    const dead = await startFakeOpenAi();
    const deadClient = client(dead);
    await dead.close();
    const slow = await fakeLlm('never');
    slow.chat.otherwise({ text: 'never', ttftMs: 60_000 });
    const b = await fakeLlm('From B.');
    const chain = new FallbackLlm([deadClient, client(slow), client(b)], { firstByteTimeoutMs: 300 });
    const metrics: ProviderMetric[] = [];
    const events = await collect(chain.chat({ messages, signal: new AbortController().signal, onMetric: (m) => metrics.push(m) }));
    expect(textOf(events)).toBe('From B.');
    expect(chain.health.standings().map((s) => s.healthy)).toEqual([false, false, true]);
    expect(chain.health.standings().map((s) => s.lastError)).toEqual(['PROVIDER_UNAVAILABLE', 'PROVIDER_TIMEOUT', undefined]);
    expect(metrics.filter((m) => m.type === 'failover')).toHaveLength(1);
  });

  it('a barge-in (the request aborted) is a cancel, never a failover', async () => {
    const a = await fakeLlm('one two three four five six seven');
    a.chat.otherwise({ text: 'one two three four five six seven', interTokenMs: 100 });
    const b = await fakeLlm('From B.');
    const chain = fallback([client(a), client(b)]);
    const abort = new AbortController();
    const seen: string[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const ev of chain.chat({ messages, signal: abort.signal })) {
          if (ev.type === 'text') seen.push(ev.text);
          if (seen.length === 2) abort.abort();
        }
      })(),
    );
    expect(error.code).toBe('PROVIDER_CANCELLED');
    expect(b.chat.requests.entries).toHaveLength(0);
    expect(chain.health.healthy(0)).toBe(true);
  });

  it('when every provider fails, the last error is thrown', async () => {
    const a = await fakeLlm('x');
    const b = await fakeLlm('y');
    a.chat.failNext({ status: 401 });
    b.chat.failNext({ status: 400 });
    const error = await rejectionOf(collect(fallback([client(a), client(b)]).chat({ messages, signal: new AbortController().signal })));
    expect(error.code).toBe('PROVIDER_BAD_REQUEST');
  });
});

describe('package', () => {
  it('exports the chains from callwire/providers/fallback (built dist)', async () => {
    const spec = 'callwire/providers/fallback';
    const mod = (await import(spec)) as Record<string, unknown>;
    expect(Object.keys(mod)).toEqual(expect.arrayContaining(['fallback', 'FallbackStt', 'FallbackLlm', 'FallbackTts', 'ChainHealth']));
  });
});

describe('STT chain', () => {
  it('opens on the next provider when the primary is down, accepts only the formats all share, and rejects bad settings', async () => {
    const a = await startFakeDeepgram();
    const b = await startFakeDeepgram();
    closers.push(() => b.close());
    const dgA = new DeepgramStt({ apiKey: a.apiKey, baseUrl: a.url, retry: { attempts: 1 } });
    await a.close();
    const chain = fallback([dgA, new DeepgramStt({ apiKey: b.apiKey, baseUrl: b.url })]);
    expect(chain).toBeInstanceOf(FallbackStt);
    expect(chain.inputFormats).toEqual(dgA.inputFormats);
    const abort = new AbortController();
    const session = await chain.open({ signal: abort.signal, callId: 'c', streamId: 's', now: () => performance.now(), audio: { encoding: 'mulaw', sampleRate: 8000 } });
    expect(b.connections.entries.filter((c) => c.outcome === 'accepted')).toHaveLength(1);
    expect(chain.health.healthy(0)).toBe(false);
    await session.close();
    expect(() => fallback([dgA] as never)).toThrow(/at least two providers/);
    expect(() => new FallbackStt([dgA, { name: 'x', inputFormats: [{ encoding: 'pcm16', sampleRate: 44100 }], open: async () => session }])).toThrow(/share no input format/);
    expect(() => fallback([dgA, dgA], { firstByteTimeoutMs: 5 })).toThrow(/firstByteTimeoutMs/);
  });
});

describe('TTS chain', () => {
  it('a voice that sends no audio within the budget is replaced for that segment and the next', async () => {
    const a = await startFakeElevenLabs({ pacing: { ttfbMs: 60_000 } });
    const b = await startFakeElevenLabs({ pacing: { ttfbMs: 20 } });
    closers.push(() => a.close(), () => b.close());
    const chain = fallback([new ElevenLabsTts({ apiKey: a.apiKey, baseUrl: a.baseUrl, env: {} }), new ElevenLabsTts({ apiKey: b.apiKey, baseUrl: b.baseUrl, env: {} })], { firstByteTimeoutMs: 300 });
    expect(chain).toBeInstanceOf(FallbackTts);
    const metrics: ProviderMetric[] = [];
    const abort = new AbortController();
    const session = await chain.open({ signal: abort.signal, callId: 'c', streamId: 's', now: () => performance.now(), preferred: [{ encoding: 'mulaw', sampleRate: 8000 }], onMetric: (m) => metrics.push(m) });
    const first = await collect(session.synthesize('Hello there.', { signal: abort.signal }));
    expect(first.reduce((n, c) => n + c.length, 0)).toBeGreaterThan(800);
    expect(metrics.filter((m) => m.type === 'failover').map((m) => m.type === 'failover' && m.error.code)).toEqual(['PROVIDER_TIMEOUT']);
    await collect(session.synthesize('And again.', { signal: abort.signal }));
    expect(b.texts.map((t) => t.trim())).toEqual(['Hello there.', 'And again.']);
    await session.close();
  });
});
