import { afterEach, describe, expect, it } from 'vitest';
import { SarvamStt, type SarvamSttOptions } from '../../src/providers/sarvam/index.js';
import type { AudioSpec, ProviderMetric, SttEvent } from '../../src/providers/types.js';
import { type FakeSarvamStt, type FakeSarvamSttOptions, startFakeSarvamStt } from '../../src/testing/fakes/sarvam-stt.js';
import { rejectionOf, waitUntil } from '../support/async.js';
import { callerPcm, feed, toSpec } from '../support/caller-audio.js';

const L8: AudioSpec = { encoding: 'pcm16', sampleRate: 8000 };

let fake: FakeSarvamStt | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(fakeOptions: FakeSarvamSttOptions = {}, clientOptions: Partial<SarvamSttOptions> = {}) {
  const f = await startFakeSarvamStt(fakeOptions);
  fake = f;
  const stt = new SarvamStt({ apiKey: f.apiKey, baseUrl: f.url, env: {}, retry: { random: () => 0, baseDelayMs: 20 }, reconnect: { random: () => 0, baseDelayMs: 20 }, ...clientOptions });
  return { f, stt };
}

async function openCollecting(stt: SarvamStt, extra: { signal?: AbortSignal; metrics?: ProviderMetric[] } = {}) {
  const events: SttEvent[] = [];
  const session = await stt.open({
    audio: L8,
    language: 'ta-IN',
    signal: extra.signal ?? new AbortController().signal,
    callId: 'call-1',
    streamId: 'stream-1',
    now: () => performance.now(),
    onMetric: (m) => extra.metrics?.push(m),
  });
  const done = (async () => {
    for await (const e of session) events.push(e);
  })();
  return { session, events, done };
}

const finals = (events: SttEvent[]) => events.flatMap((e) => (e.type === 'final' ? [e.text] : []));

describe('SarvamStt against the fake Sarvam streaming STT', () => {
  it('L16 8 kHz: START_SPEECH then one transcript per utterance, in order, on the documented URL and messages', async () => {
    const { f, stt } = await setup({ transcripts: ['வணக்கம்', 'எனக்கு உதவி வேண்டும்'] });
    const { session, events, done } = await openCollecting(stt);
    await feed(session, L8, toSpec(L8, callerPcm(['vanakkam', 'enakku udhavi vendum'], 8000)));
    await waitUntil(() => finals(events).length === 2, 15_000, 'two transcripts');
    await session.close();
    await done;
    expect(finals(events)).toEqual(['வணக்கம்', 'எனக்கு உதவி வேண்டும்']);
    const kinds = events.map((e) => e.type);
    expect(kinds).toEqual(['speech_started', 'final', 'utterance_end', 'speech_started', 'final', 'utterance_end']);
    expect(events.every((e) => e.type !== 'final' || e.speechFinal)).toBe(true);
    expect(f.connections.entries[0]?.query).toMatchObject({ 'language-code': 'ta-IN', model: 'saarika:v2.5', sample_rate: '8000', input_audio_codec: 'pcm_s16le', vad_signals: 'true', flush_signal: 'true' });
    expect(f.log.entries.some((e) => e.dir === 'in' && e.kind === 'audio' && e.bytes === 320)).toBe(true);
  });

  it('barge-in: speech_started arrives while the caller is still talking, before any transcript', async () => {
    const { stt } = await setup({ transcripts: ['रुको'] });
    const { session, events, done } = await openCollecting(stt);
    // Speech with no trailing silence: the utterance is still open.
    await feed(session, L8, toSpec(L8, callerPcm(['ruko ruko ruko'], 8000, 300, 0)));
    await waitUntil(() => events.some((e) => e.type === 'speech_started'), 10_000, 'speech_started');
    expect(finals(events)).toEqual([]);
    // finalize() flushes the open utterance.
    session.finalize();
    await waitUntil(() => finals(events).length === 1, 10_000, 'the flushed transcript');
    await session.close();
    await done;
  });

  it('close() mid-utterance flushes and delivers the last transcript before ending', async () => {
    const { f, stt } = await setup({ transcripts: ['आख़िरी बात'] });
    const { session, events, done } = await openCollecting(stt);
    await feed(session, L8, toSpec(L8, callerPcm(['aakhri baat'], 8000, 300, 0)));
    await waitUntil(() => events.some((e) => e.type === 'speech_started'), 10_000, 'speech_started');
    await session.close();
    await done;
    expect(finals(events)).toEqual(['आख़िरी बात']);
    expect(f.log.entries.some((e) => e.dir === 'in' && e.kind === 'flush')).toBe(true);
  });

  it('a mid-utterance disconnect reconnects and replays untranscribed audio: no transcript lost or repeated', async () => {
    const { f, stt } = await setup({ transcripts: ['पहला', 'दूसरा', 'तीसरा'] });
    // Utterance 2 spans roughly 2.9-4.4 s of audio; drop the first socket in the middle of it.
    f.dropNextConnection(3600);
    const metrics: ProviderMetric[] = [];
    const { session, events, done } = await openCollecting(stt, { metrics });
    // Make the first reconnect attempt fail, so audio piles up while reconnecting.
    f.failNextConnections({ status: 503 });
    await feed(session, L8, toSpec(L8, callerPcm(['first thing', 'second thing please', 'third and last'], 8000)));
    await waitUntil(() => finals(events).length >= 3, 20_000, 'three transcripts');
    await session.close();
    await done;
    expect(finals(events)).toEqual(['पहला', 'दूसरा', 'तीसरा']);
    expect(f.transcripts()).toEqual(['पहला', 'दूसरा', 'तीसरा']);
    // Utterance 2 (about 1.3 s of speech) was heard whole on the new socket: the replay carried its start.
    const second = f.utterances.entries[1];
    expect(second?.connection).toBe(2);
    expect(second?.speechMs).toBeGreaterThan(1150);
    const kinds = events.map((e) => e.type);
    expect(kinds).toContain('reconnecting');
    const reconnected = events.find((e) => e.type === 'reconnected');
    expect(reconnected?.type === 'reconnected' && reconnected.replayedMs).toBeGreaterThan(500);
    expect(f.connections.entries.map((c) => c.outcome)).toEqual(['accepted', 503, 'accepted']);
    expect(metrics.some((m) => m.type === 'reconnect')).toBe(true);
  });

  it('auth error: open() and verify() reject with PROVIDER_AUTH_FAILED naming SARVAM_API_KEY, never the key', async () => {
    const f = await startFakeSarvamStt();
    fake = f;
    const stt = new SarvamStt({ apiKey: 'sv-wrong-key-0123456789', baseUrl: f.url, env: {} });
    const err = await rejectionOf(stt.open({ audio: L8, signal: new AbortController().signal, callId: 'c', streamId: 's', now: () => 0 }));
    expect(err.code).toBe('PROVIDER_AUTH_FAILED');
    expect(err.message).toContain('SARVAM_API_KEY');
    expect(err.message).not.toContain('sv-wrong-key-0123456789');
    expect(err.retryable).toBe(false);
    const v = await rejectionOf(stt.verify(new AbortController().signal));
    expect(v.code).toBe('PROVIDER_AUTH_FAILED');
    expect(f.connections.entries.map((c) => c.outcome)).toEqual([403, 403]);
    expect(() => new SarvamStt({ env: {} })).toThrow(/SARVAM_API_KEY/);
  });

  it('rate limit on connect (429 + Retry-After) is retried, then the session works', async () => {
    const { f, stt } = await setup({ transcripts: ['ठीक है'] });
    f.failNextConnections({ status: 429, retryAfterS: 0.15 });
    const metrics: ProviderMetric[] = [];
    const { session, events, done } = await openCollecting(stt, { metrics });
    expect(metrics.find((m) => m.type === 'retry')).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', attempt: 1 });
    await feed(session, L8, toSpec(L8, callerPcm(['theek hai'], 8000)));
    await waitUntil(() => finals(events).length === 1, 10_000, 'a transcript');
    await session.close();
    await done;
    expect(f.connections.entries.map((c) => c.outcome)).toEqual([429, 'accepted']);
  });
});
