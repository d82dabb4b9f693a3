import { afterEach, describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/audio/pcm.js';
import { bytesPerMs } from '../../src/providers/audio-spec.js';
import { ElevenLabsTts, type ElevenLabsTtsOptions } from '../../src/providers/elevenlabs/index.js';
import { wordStart } from '../../src/providers/tts-mux/text-progress.js';
import type { ProviderMetric } from '../../src/providers/types.js';
import { type FakeElevenLabs, startFakeElevenLabs } from '../../src/testing/fakes/elevenlabs.js';
import { syntheticSpeech } from '../../src/testing/fakes/synthetic-speech.js';
import { syntheticVoice } from '../../src/testing/fakes/tts-voice.js';
import { rejectionOf } from '../support/async.js';
import { L16_16K, MULAW_8K, audioOf, tokens, ttsOpen } from '../support/tts.js';

let fake: FakeElevenLabs | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(options: Partial<ElevenLabsTtsOptions> = {}) {
  const f = await startFakeElevenLabs();
  fake = f;
  const tts = new ElevenLabsTts({ apiKey: f.apiKey, baseUrl: f.baseUrl, env: {}, voiceId: 'voice-1', retry: { random: () => 0, baseDelayMs: 20 }, ...options });
  return { f, tts };
}

const sentOf = (f: FakeElevenLabs) => f.log.entries.flatMap((e) => (e.dir === 'in' ? [e.message] : []));

describe('ElevenLabsTts against the fake ElevenLabs multi-context socket', () => {
  it('mu-law call: asks for ulaw_8000 and streams exactly the audio the vendor generated, in order', async () => {
    const { f, tts } = await setup({ voiceSettings: { stability: 0.5, similarity_boost: 0.8 } });
    const session = await tts.open(ttsOpen([MULAW_8K, L16_16K]));
    expect(session.audio).toEqual(MULAW_8K);
    const audio = await audioOf(session.synthesize('Hello there, how can I help?', { signal: new AbortController().signal }));
    expect(audio).toEqual(syntheticVoice('Hello there, how can I help?', MULAW_8K).bytes);
    const conn = f.connections.entries[0];
    expect(conn?.query).toMatchObject({ model_id: 'eleven_flash_v2_5', output_format: 'ulaw_8000', auto_mode: 'true', sync_alignment: 'true', inactivity_timeout: '180' });
    expect(conn?.headers['xi-api-key']).toBe(f.apiKey);
    const sent = sentOf(f);
    const ctx = sent[0]?.context_id;
    expect(sent).toEqual([
      { text: ' ', context_id: ctx, voice_settings: { stability: 0.5, similarity_boost: 0.8 } },
      { text: 'Hello there, how can I help?', context_id: ctx },
      { context_id: ctx, flush: true },
      { context_id: ctx, close_context: true },
    ]);
    expect(f.contexts.entries).toMatchObject([{ text: 'Hello there, how can I help?', outcome: 'done' }]);
    await session.close();
  });

  it('L16 call: pcm_16000; several segments reuse one socket and voice_settings go only in the first message', async () => {
    const { f, tts } = await setup({ voiceSettings: { stability: 0.4 } });
    const session = await tts.open(ttsOpen([L16_16K]));
    expect(session.audio).toEqual(L16_16K);
    for (const t of ['First sentence.', 'Second one.', 'Third.']) {
      const audio = await audioOf(session.synthesize(t, { signal: new AbortController().signal }));
      expect(audio).toEqual(syntheticVoice(t, L16_16K).bytes);
    }
    expect(f.connections.entries).toHaveLength(1);
    expect(f.connections.entries[0]?.query.output_format).toBe('pcm_16000');
    expect(sentOf(f).filter((m) => m.voice_settings !== undefined)).toHaveLength(1);
    await session.close();
  });

  it('streams text in while the LLM is still producing it: audio starts before the last token is sent', async () => {
    const { f, tts } = await setup();
    const session = await tts.open(ttsOpen([MULAW_8K]));
    const pieces = ['Sure, ', 'I can ', 'help. ', 'What is ', 'your ', 'order ', 'number?'];
    const firstAudioBeforeToken: number[] = [];
    let sentTokens = 0;
    const parts: Uint8Array[] = [];
    for await (const chunk of session.synthesizeStream?.(tokens(pieces, 120, (i) => (sentTokens = i + 1)), { signal: new AbortController().signal }) ?? []) {
      if (parts.length === 0) firstAudioBeforeToken.push(sentTokens);
      parts.push(chunk);
    }
    expect(firstAudioBeforeToken[0]).toBeLessThan(pieces.length);
    expect(f.texts).toEqual([pieces.join('')]);
    expect(concatBytes(parts)).toEqual(concatBytes([syntheticVoice('Sure, I can help. ', MULAW_8K).bytes, syntheticVoice('What is your order number?', MULAW_8K).bytes]));
    const texts = sentOf(f).filter((m) => typeof m.text === 'string' && m.text !== ' ').map((m) => m.text);
    expect(texts).toEqual(pieces);
    await session.close();
  });

  it('concurrent segments on one socket each yield only their own audio', async () => {
    const { f, tts } = await setup();
    f.pacing = { realTimeFactor: 0.05, chunkMs: 40 };
    const session = await tts.open(ttsOpen([MULAW_8K]));
    const texts = ['The first answer is here.', 'A second, different one.', 'And a third.'];
    const audios = await Promise.all(texts.map((t) => audioOf(session.synthesize(t, { signal: new AbortController().signal }))));
    for (const [i, t] of texts.entries()) expect(audios[i]).toEqual(syntheticVoice(t, MULAW_8K).bytes);
    expect(new Set(f.contexts.entries.map((c) => c.id)).size).toBe(3);
    expect(f.connections.entries).toHaveLength(1);
    await session.close();
  });

  it('barge-in mid-stream: abort closes only that context, unsent text is never sent, the socket keeps serving', async () => {
    const { f, tts } = await setup();
    f.pacing = { realTimeFactor: 1, chunkMs: 40 };
    const session = await tts.open(ttsOpen([MULAW_8K]));
    const ac = new AbortController();
    let got = 0;
    const started = Date.now();
    const pieces = ['Okay. ', 'This is ', 'a long answer ', 'that the caller ', 'will interrupt.'];
    for await (const chunk of session.synthesizeStream?.(tokens(pieces, 50), { signal: ac.signal }) ?? []) {
      got += chunk.length;
      ac.abort();
    }
    expect(Date.now() - started).toBeLessThan(3000);
    expect(got).toBeGreaterThan(0);
    const cancelled = await f.contexts.waitFor((c) => c.outcome === 'cancelled', 10_000, 'a cancelled context');
    expect(cancelled.text.length).toBeLessThan(pieces.join('').length);
    expect(sentOf(f).at(-1)).toEqual({ context_id: cancelled.id, close_context: true });
    expect(sentOf(f).some((m) => m.flush === true)).toBe(false);
    f.pacing = {};
    expect((await audioOf(session.synthesize('Next.', { signal: new AbortController().signal }))).length).toBeGreaterThan(0);
    expect(f.connections.entries).toHaveLength(1);
    await session.close();
  });

  it('barge-in on a flushed segment stops the audio at once (ElevenLabs finishes a flushed context server-side)', async () => {
    const { f, tts } = await setup();
    f.pacing = { realTimeFactor: 1, chunkMs: 40 };
    const session = await tts.open(ttsOpen([MULAW_8K]));
    const ac = new AbortController();
    const chunks: number[] = [];
    for await (const chunk of session.synthesize('A long flushed answer that keeps going for a while.', { signal: ac.signal })) {
      chunks.push(chunk.length);
      ac.abort();
    }
    expect(chunks).toHaveLength(1);
    const ctx = sentOf(f)[0]?.context_id;
    await f.log.waitFor((e) => e.dir === 'in' && e.message.close_context === true && e.message.context_id === ctx && sentOf(f).filter((m) => m.close_context === true).length === 2, 10_000, 'close_context after the end-of-input close');
    await session.close();
  });

  it('a drop mid-audio reconnects and re-requests only the unspoken rest, from a word boundary', async () => {
    const { f, tts } = await setup({ voiceSettings: { stability: 0.5 } });
    const text = 'Your package left our warehouse this morning and should arrive on Thursday afternoon';
    const spec = MULAW_8K;
    // No sentence end: the fake generates the whole text on flush, so its timing is one synthetic utterance.
    f.dropNextConnection(8000);
    const metrics: ProviderMetric[] = [];
    const session = await tts.open(ttsOpen([spec], { metrics }));
    const audio = await audioOf(session.synthesize(text, { signal: new AbortController().signal }));
    const [first, second] = f.contexts.entries;
    expect(first?.outcome).toBe('dropped');
    expect(second?.outcome).toBe('done');
    // The client received every chunk the first socket sent (8000 bytes = 1 s), so it resumes at
    // the word in progress at 1 s of speech.
    const deliveredMs = (first?.audioBytes ?? 0) / bytesPerMs(spec);
    const spokenChars = syntheticSpeech(text, 8000).chars.filter((c) => c.startMs < deliveredMs).length;
    const resumeAt = wordStart(text, spokenChars);
    expect(second?.text).toBe(text.slice(resumeAt));
    expect(resumeAt).toBeGreaterThan(0);
    expect(audio.length).toBe((first?.audioBytes ?? 0) + syntheticVoice(text.slice(resumeAt), spec).bytes.length);
    expect(f.connections.entries.map((c) => c.outcome)).toEqual(['accepted', 'accepted']);
    // The new socket's first context carries voice_settings again.
    expect(sentOf(f).filter((m) => m.voice_settings !== undefined)).toHaveLength(2);
    expect(metrics.some((m) => m.type === 'reconnect')).toBe(true);
    await session.close();
  });

  it('a drop while text is still streaming in: text sent during the reconnect is not lost', async () => {
    const { f, tts } = await setup({ retry: { random: () => 0, baseDelayMs: 300 } });
    f.pacing = { realTimeFactor: 0.2 };
    f.dropNextConnection(3000);
    const session = await tts.open(ttsOpen([MULAW_8K]));
    // The first reconnect attempt fails and backs off 150 ms: tokens keep arriving meanwhile.
    f.failNextConnections({ status: 503 });
    const pieces = ['Thanks. ', 'Your order ', 'number is ', 'four five six. ', 'It ships ', 'tomorrow ', 'morning.'];
    const full = pieces.join('');
    const audio = await audioOf(session.synthesizeStream?.(tokens(pieces, 60), { signal: new AbortController().signal }) ?? []);
    const [first, second] = f.contexts.entries;
    expect(first?.outcome).toBe('dropped');
    expect(second?.outcome).toBe('done');
    expect(full.startsWith(first?.text ?? 'x')).toBe(true);
    expect(full.endsWith(second?.text ?? 'x')).toBe(true);
    // The re-request starts no later than where the first context's text ended: nothing skipped.
    expect(full.length - (second?.text.length ?? 0)).toBeLessThanOrEqual(first?.text.length ?? 0);
    expect(audio.length).toBe((first?.audioBytes ?? 0) + (second?.audioBytes ?? 0));
    expect(f.connections.entries.map((c) => c.outcome)).toEqual(['accepted', 503, 'accepted']);
    await session.close();
  });

  it('a socket closed for a bad key mid-call fails the segment with PROVIDER_AUTH_FAILED (no reconnect loop)', async () => {
    const { f, tts } = await setup();
    f.closeNextConnection(800, 1008, 'Invalid API key');
    const session = await tts.open(ttsOpen([MULAW_8K]));
    const err = await rejectionOf(audioOf(session.synthesize('This will not finish because the key was revoked.', { signal: new AbortController().signal })));
    expect(err.code).toBe('PROVIDER_AUTH_FAILED');
    expect(err.message).toContain('ELEVENLABS_API_KEY');
    expect(f.connections.entries).toHaveLength(1);
    await session.close();
  });

  it('auth error: open() and verify() fail with PROVIDER_AUTH_FAILED naming ELEVENLABS_API_KEY', async () => {
    const f = await startFakeElevenLabs();
    fake = f;
    const tts = new ElevenLabsTts({ apiKey: 'xi-wrong-key-0123456789', baseUrl: f.baseUrl, env: {} });
    const err = await rejectionOf(tts.open(ttsOpen([MULAW_8K])));
    expect(err.code).toBe('PROVIDER_AUTH_FAILED');
    expect(err.message).toContain('ELEVENLABS_API_KEY was rejected (401)');
    expect(err.message).toContain('Invalid API key');
    expect(err.message).not.toContain('xi-wrong-key-0123456789');
    expect((await rejectionOf(tts.verify(new AbortController().signal))).code).toBe('PROVIDER_AUTH_FAILED');
    expect(() => new ElevenLabsTts({ env: {} })).toThrow(/ELEVENLABS_API_KEY/);
  });

  it('verify() checks the voice', async () => {
    const f = await startFakeElevenLabs({ voices: ['known'] });
    fake = f;
    await new ElevenLabsTts({ apiKey: f.apiKey, baseUrl: f.baseUrl, env: {}, voiceId: 'known' }).verify(new AbortController().signal);
    const err = await rejectionOf(new ElevenLabsTts({ apiKey: f.apiKey, baseUrl: f.baseUrl, env: {}, voiceId: 'nope' }).verify(new AbortController().signal));
    expect(err.code).toBe('PROVIDER_BAD_REQUEST');
    expect(err.message).toContain('voice nope');
  });

  it('rate limit on connect (429 + Retry-After) is retried', async () => {
    const { f, tts } = await setup();
    f.failNextConnections({ status: 429, retryAfterS: 0.1 });
    const metrics: ProviderMetric[] = [];
    const session = await tts.open(ttsOpen([MULAW_8K], { metrics }));
    expect(metrics.find((m) => m.type === 'retry')).toMatchObject({ code: 'PROVIDER_RATE_LIMITED' });
    expect((await audioOf(session.synthesize('Hi.', { signal: new AbortController().signal }))).length).toBeGreaterThan(0);
    expect(f.connections.entries.map((c) => c.outcome)).toEqual([429, 'accepted']);
    await session.close();
  });

  it('keeps an idle socket alive and closes with close_socket', async () => {
    const { f, tts } = await setup({ keepAliveMs: 150 });
    const session = await tts.open(ttsOpen([MULAW_8K]));
    await f.log.waitFor((e) => e.dir === 'in' && e.message.text === '' && e.message.context_id === undefined, 10_000, 'a keep-alive');
    await session.close();
    await f.log.waitFor((e) => e.dir === 'in' && e.message.close_socket === true, 10_000, 'close_socket');
    expect(await f.log.waitFor((e) => e.dir === 'closed', 10_000, 'the close')).toMatchObject({ code: 1000 });
  });

  it('reports TTFB no lower than the vendor delay', async () => {
    const { f, tts } = await setup();
    f.pacing = { ttfbMs: 120 };
    const metrics: ProviderMetric[] = [];
    const session = await tts.open(ttsOpen([MULAW_8K], { metrics }));
    await audioOf(session.synthesize('Hello.', { signal: new AbortController().signal }));
    const ttfb = metrics.find((m) => m.type === 'ttfb');
    expect(ttfb?.type === 'ttfb' && ttfb.ms).toBeGreaterThanOrEqual(115);
    await session.close();
  });
});
