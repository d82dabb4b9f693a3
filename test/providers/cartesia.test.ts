import { afterEach, describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/audio/pcm.js';
import { bytesPerMs } from '../../src/providers/audio-spec.js';
import { CartesiaTts, type CartesiaTtsOptions } from '../../src/providers/cartesia/index.js';
import { advanceByWords, wordStart } from '../../src/providers/tts-mux/text-progress.js';
import type { ProviderMetric } from '../../src/providers/types.js';
import { type FakeCartesia, startFakeCartesia } from '../../src/testing/fakes/cartesia.js';
import { syntheticSpeech } from '../../src/testing/fakes/synthetic-speech.js';
import { syntheticVoice, wordsEndingIn } from '../../src/testing/fakes/tts-voice.js';
import { rejectionOf } from '../support/async.js';
import { L16_16K, MULAW_8K, audioOf, tokens, ttsOpen } from '../support/tts.js';

let fake: FakeCartesia | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(options: Partial<CartesiaTtsOptions> = {}) {
  const f = await startFakeCartesia();
  fake = f;
  const tts = new CartesiaTts({ apiKey: f.apiKey, baseUrl: f.baseUrl, env: {}, voiceId: 'voice-1', retry: { random: () => 0, baseDelayMs: 20 }, ...options });
  return { f, tts };
}

const sentOf = (f: FakeCartesia) => f.log.entries.flatMap((e) => (e.dir === 'in' ? [e.message] : []));

describe('CartesiaTts against the fake Cartesia socket', () => {
  it('mu-law call: raw pcm_mulaw 8000 straight through, with the documented request shape', async () => {
    const { f, tts } = await setup();
    const session = await tts.open(ttsOpen([MULAW_8K]));
    expect(session.audio).toEqual(MULAW_8K);
    const audio = await audioOf(session.synthesize('Your table is booked for seven.', { signal: new AbortController().signal }));
    expect(audio).toEqual(syntheticVoice('Your table is booked for seven.', MULAW_8K).bytes);
    const conn = f.connections.entries[0];
    expect(conn?.query.cartesia_version).toBe('2025-04-16');
    expect(conn?.headers.authorization).toBe(`Bearer ${f.apiKey}`);
    const [first, last] = sentOf(f);
    expect(first).toEqual({
      model_id: 'sonic-2',
      transcript: 'Your table is booked for seven.',
      voice: { mode: 'id', id: 'voice-1' },
      language: 'en',
      output_format: { container: 'raw', encoding: 'pcm_mulaw', sample_rate: 8000 },
      context_id: first?.context_id,
      continue: true,
      add_timestamps: true,
    });
    expect(last).toMatchObject({ transcript: '', continue: false, context_id: first?.context_id });
    expect(f.contexts.entries).toMatchObject([{ outcome: 'done', text: 'Your table is booked for seven.' }]);
    await session.close();
  });

  it('L16 call: pcm_s16le 16000; segments reuse one socket', async () => {
    const { f, tts } = await setup();
    const session = await tts.open(ttsOpen([L16_16K, MULAW_8K]));
    expect(session.audio).toEqual(L16_16K);
    for (const t of ['One.', 'Two.', 'Three.']) {
      expect(await audioOf(session.synthesize(t, { signal: new AbortController().signal }))).toEqual(syntheticVoice(t, L16_16K).bytes);
    }
    expect(f.connections.entries).toHaveLength(1);
    await session.close();
  });

  it('streamed input uses continuations; audio starts before the text ends', async () => {
    const { f, tts } = await setup();
    const session = await tts.open(ttsOpen([MULAW_8K]));
    const pieces = ['Let me ', 'check ', 'that ', 'for you.'];
    let sentTokens = 0;
    let atFirstAudio = -1;
    const parts: Uint8Array[] = [];
    for await (const c of session.synthesizeStream?.(tokens(pieces, 120, (i) => (sentTokens = i + 1)), { signal: new AbortController().signal }) ?? []) {
      if (atFirstAudio < 0) atFirstAudio = sentTokens;
      parts.push(c);
    }
    expect(atFirstAudio).toBeLessThan(pieces.length);
    expect(concatBytes(parts)).toEqual(concatBytes(pieces.map((p) => syntheticVoice(p, MULAW_8K).bytes)));
    const inputs = sentOf(f);
    expect(inputs.map((m) => [m.transcript, m.continue])).toEqual([...pieces.map((p) => [p, true]), ['', false]]);
    await session.close();
  });

  it('concurrent segments each yield only their own audio', async () => {
    const { f, tts } = await setup();
    f.pacing = { realTimeFactor: 0.05 };
    const session = await tts.open(ttsOpen([MULAW_8K]));
    const texts = ['First of three.', 'Second, somewhat longer, of three.', 'Third.'];
    const audios = await Promise.all(texts.map((t) => audioOf(session.synthesize(t, { signal: new AbortController().signal }))));
    for (const [i, t] of texts.entries()) expect(audios[i]).toEqual(syntheticVoice(t, MULAW_8K).bytes);
    await session.close();
  });

  it('barge-in: abort sends cancel for that context only; the socket keeps serving', async () => {
    const { f, tts } = await setup();
    f.pacing = { realTimeFactor: 1 };
    const session = await tts.open(ttsOpen([MULAW_8K]));
    const ac = new AbortController();
    const other = audioOf(session.synthesize('Meanwhile this one finishes.', { signal: new AbortController().signal }));
    let got = 0;
    for await (const c of session.synthesize('A long answer that gets interrupted by the caller.', { signal: ac.signal })) {
      got += c.length;
      ac.abort();
    }
    expect(got).toBeGreaterThan(0);
    const cancelled = await f.contexts.waitFor((c) => c.outcome === 'cancelled', 10_000, 'the cancelled context');
    expect(sentOf(f).some((m) => m.cancel === true && m.context_id === cancelled.id)).toBe(true);
    expect(await other).toEqual(syntheticVoice('Meanwhile this one finishes.', MULAW_8K).bytes);
    expect(f.connections.entries).toHaveLength(1);
    await session.close();
  });

  it('a drop mid-audio reconnects and re-requests the rest from the first unspoken word (word timestamps)', async () => {
    const { f, tts } = await setup();
    const text = 'Your refund of forty dollars was approved and will reach your card within five days';
    f.dropNextConnection(8000);
    const session = await tts.open(ttsOpen([MULAW_8K]));
    const audio = await audioOf(session.synthesize(text, { signal: new AbortController().signal }));
    const [first, second] = f.contexts.entries;
    expect(first?.outcome).toBe('dropped');
    const deliveredMs = (first?.audioBytes ?? 0) / bytesPerMs(MULAW_8K);
    const spoken = wordsEndingIn(syntheticSpeech(text, 8000).chars, -1, deliveredMs, false).map((w) => w.word);
    const resumeAt = wordStart(text, advanceByWords(text, 0, spoken));
    expect(spoken.length).toBeGreaterThan(0);
    expect(second?.text).toBe(text.slice(resumeAt));
    expect(audio.length).toBe((first?.audioBytes ?? 0) + syntheticVoice(text.slice(resumeAt), MULAW_8K).bytes.length);
    await session.close();
  });

  it('auth error: open() and verify() fail with PROVIDER_AUTH_FAILED naming CARTESIA_API_KEY', async () => {
    const f = await startFakeCartesia();
    fake = f;
    const tts = new CartesiaTts({ apiKey: 'sk_car_wrong_0123456789', baseUrl: f.baseUrl, env: {} });
    const err = await rejectionOf(tts.open(ttsOpen([MULAW_8K])));
    expect(err.code).toBe('PROVIDER_AUTH_FAILED');
    expect(err.message).toContain('CARTESIA_API_KEY was rejected (401)');
    expect(err.message).not.toContain('sk_car_wrong_0123456789');
    expect((await rejectionOf(tts.verify(new AbortController().signal))).code).toBe('PROVIDER_AUTH_FAILED');
    expect(() => new CartesiaTts({ env: {} })).toThrow(/CARTESIA_API_KEY/);
  });

  it('rate limits are retried: a 429 handshake, and a 429 concurrency_limited error on a context', async () => {
    const { f, tts } = await setup();
    f.failNextConnections({ status: 429, retryAfterS: 0.1 });
    const metrics: ProviderMetric[] = [];
    const session = await tts.open(ttsOpen([MULAW_8K], { metrics }));
    f.rateLimitNextContexts(1);
    const audio = await audioOf(session.synthesize('Retried after the limit.', { signal: new AbortController().signal }));
    expect(audio).toEqual(syntheticVoice('Retried after the limit.', MULAW_8K).bytes);
    expect(metrics.filter((m) => m.type === 'retry').map((m) => m.type === 'retry' && m.code)).toEqual(['PROVIDER_RATE_LIMITED', 'PROVIDER_RATE_LIMITED']);
    expect(f.log.entries.some((e) => e.dir === 'out' && e.kind === 'error')).toBe(true);
    expect(f.connections.entries.map((c) => c.outcome)).toEqual([429, 'accepted']);
    await session.close();
  });

  it('a vendor that goes quiet on a segment is timed out, cancelled and asked again', async () => {
    const { f, tts } = await setup({ audioTimeoutMs: 300 });
    f.pacing = { ttfbMs: 60_000 };
    const metrics: ProviderMetric[] = [];
    const session = await tts.open(ttsOpen([MULAW_8K], { metrics }));
    const audio = audioOf(session.synthesize('Are you there?', { signal: new AbortController().signal }));
    await f.log.waitFor((e) => e.dir === 'in' && e.message.continue === false, 10_000, 'the end of input');
    f.pacing = {};
    expect(await audio).toEqual(syntheticVoice('Are you there?', MULAW_8K).bytes);
    expect(metrics.find((m) => m.type === 'retry')).toMatchObject({ code: 'PROVIDER_TIMEOUT' });
    expect(f.contexts.entries.map((c) => c.outcome)).toEqual(['cancelled', 'done']);
    await session.close();
  });

  it('a non-retryable context error fails only that segment with a clear code', async () => {
    const { f, tts } = await setup({ modelId: 'sonic-unknown' });
    const session = await tts.open(ttsOpen([MULAW_8K]));
    const err = await rejectionOf(audioOf(session.synthesize('Hello.', { signal: new AbortController().signal })));
    expect(err.code).toBe('PROVIDER_BAD_REQUEST');
    expect(err.message).toContain('sonic-unknown');
    expect(f.connections.entries).toHaveLength(1);
    await session.close();
  });

  it('reports TTFB no lower than the vendor delay', async () => {
    const { f, tts } = await setup();
    f.pacing = { ttfbMs: 120 };
    const metrics: ProviderMetric[] = [];
    const session = await tts.open(ttsOpen([MULAW_8K], { metrics }));
    await audioOf(session.synthesize('Hello.', { signal: new AbortController().signal }));
    expect((metrics.find((m) => m.type === 'ttfb') as { ms: number }).ms).toBeGreaterThanOrEqual(115);
    await session.close();
  });
});
