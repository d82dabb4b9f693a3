import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OPENAI_TTS_AUDIO, OpenAiTts, type OpenAiTtsOptions } from '../../src/providers/openai/index.js';
import { splitInput } from '../../src/providers/openai/tts.js';
import type { ProviderMetric } from '../../src/providers/types.js';
import { type FakeOpenAi, startFakeOpenAi } from '../../src/testing/fakes/openai.js';
import { syntheticSpeechBytes } from '../../src/testing/fakes/synthetic-speech.js';
import { rejectionOf } from '../support/async.js';
import { MULAW_8K, audioOf, ttsOpen } from '../support/tts.js';

let fake: FakeOpenAi;
beforeEach(async () => {
  fake = await startFakeOpenAi();
});
afterEach(async () => {
  await fake.close();
});

function tts(extra: Partial<OpenAiTtsOptions> = {}): OpenAiTts {
  return new OpenAiTts({ baseUrl: fake.baseUrl, apiKey: fake.apiKey, env: {}, retry: { random: () => 0, baseDelayMs: 20 }, ...extra });
}

const expected = (text: string) => syntheticSpeechBytes(text, OPENAI_TTS_AUDIO);

describe('OpenAiTts against the fake OpenAI speech endpoint', () => {
  it('streams 24 kHz PCM16 (declared, whatever the call prefers) with the documented request', async () => {
    const session = await tts({ voice: 'coral', instructions: 'Speak warmly.' }).open(ttsOpen([MULAW_8K]));
    expect(session.audio).toEqual({ encoding: 'pcm16', sampleRate: 24000 });
    expect(session.synthesizeStream).toBeUndefined();
    const audio = await audioOf(session.synthesize('Thanks for calling.', { signal: new AbortController().signal }));
    expect(audio).toEqual(expected('Thanks for calling.'));
    expect(fake.speech.requests.entries[0]?.body).toEqual({ model: 'gpt-4o-mini-tts', input: 'Thanks for calling.', voice: 'coral', response_format: 'pcm', instructions: 'Speak warmly.' });
    await session.close();
  });

  it('yields audio as it streams, before the response is complete, in whole samples', async () => {
    fake.speech.pacing = { realTimeFactor: 0.3, chunkMs: 40 };
    const session = await tts().open(ttsOpen([MULAW_8K]));
    let doneAtFirstChunk: boolean | undefined;
    const sizes: number[] = [];
    for await (const c of session.synthesize('A sentence long enough to stream in several chunks.', { signal: new AbortController().signal })) {
      doneAtFirstChunk ??= fake.speech.events.entries.some((e) => e.type === 'done');
      sizes.push(c.length);
    }
    expect(doneAtFirstChunk).toBe(false);
    expect(sizes.length).toBeGreaterThan(3);
    expect(sizes.every((n) => n % 2 === 0)).toBe(true);
  });

  it('barge-in: abort ends the segment at once and the server sees the request closed', async () => {
    fake.speech.pacing = { realTimeFactor: 1 };
    const session = await tts().open(ttsOpen([MULAW_8K]));
    const ac = new AbortController();
    let chunks = 0;
    for await (const _ of session.synthesize('This will be interrupted almost immediately by the caller.', { signal: ac.signal })) {
      chunks++;
      ac.abort();
    }
    expect(chunks).toBe(1);
    await fake.speech.events.waitFor((e) => e.type === 'aborted', 10_000, 'the server to see the abort');
  });

  it('a drop mid-body is re-requested and the delivered bytes skipped: identical audio', async () => {
    fake.speech.dropNextAfter(9001);
    const metrics: ProviderMetric[] = [];
    const session = await tts().open(ttsOpen([MULAW_8K], { metrics }));
    const audio = await audioOf(session.synthesize('Your appointment is confirmed for Monday at nine.', { signal: new AbortController().signal }));
    expect(audio).toEqual(expected('Your appointment is confirmed for Monday at nine.'));
    expect(fake.speech.texts).toEqual(['Your appointment is confirmed for Monday at nine.', 'Your appointment is confirmed for Monday at nine.']);
    expect(metrics.filter((m) => m.type === 'retry').map((m) => m.type === 'retry' && m.code)).toEqual(['PROVIDER_DISCONNECTED']);
  });

  it('auth error: open() fails with PROVIDER_AUTH_FAILED naming OPENAI_API_KEY', async () => {
    const err = await rejectionOf(tts({ apiKey: 'sk-bad-key-00000000000' }).open(ttsOpen([MULAW_8K])));
    expect(err.code).toBe('PROVIDER_AUTH_FAILED');
    expect(err.message).toContain('OPENAI_API_KEY was rejected (401)');
    expect(err.message).not.toContain('sk-bad-key-00000000000');
  });

  it('rate limit (429 + Retry-After) is retried, then the audio arrives', async () => {
    const metrics: ProviderMetric[] = [];
    const session = await tts().open(ttsOpen([MULAW_8K], { metrics }));
    fake.speech.failNext({ status: 429, retryAfterS: 0.1 });
    expect(await audioOf(session.synthesize('Okay.', { signal: new AbortController().signal }))).toEqual(expected('Okay.'));
    const retry = metrics.find((m) => m.type === 'retry');
    expect(retry).toMatchObject({ code: 'PROVIDER_RATE_LIMITED' });
    expect((retry as { delayMs: number }).delayMs).toBeGreaterThanOrEqual(100);
  });

  it('open() warms the connection every segment reuses', async () => {
    const session = await tts().open(ttsOpen([MULAW_8K]));
    for (const t of ['One.', 'Two.', 'Three.']) {
      // Segments are seconds apart on a call; see the LLM keep-alive test for why this matters.
      await new Promise((r) => setTimeout(r, 50));
      await audioOf(session.synthesize(t, { signal: new AbortController().signal }));
    }
    expect(fake.connections).toBe(1);
  });

  it('reports TTFB no lower than the server delay', async () => {
    fake.speech.pacing = { ttfbMs: 120 };
    const metrics: ProviderMetric[] = [];
    const session = await tts().open(ttsOpen([MULAW_8K], { metrics }));
    await audioOf(session.synthesize('Hi.', { signal: new AbortController().signal }));
    expect((metrics.find((m) => m.type === 'ttfb') as { ms: number }).ms).toBeGreaterThanOrEqual(115);
  });

  it('splits input over the 4096-character limit at sentence boundaries', () => {
    const sentence = 'This is one sentence of filler text. ';
    const long = sentence.repeat(200);
    const parts = splitInput(long);
    expect(parts.join('')).toBe(long);
    expect(parts.every((p) => p.length <= 4096)).toBe(true);
    expect(parts[0]?.endsWith('. ')).toBe(true);
  });
});
