// AssemblyAI Universal-Streaming v3 against its wire-faithful fake: the STT provider contract
// (happy path, streaming order, cancel, mid-stream disconnect with replay, auth error at
// start-up, a retried rate limit) as test/providers/deepgram.test.ts runs it for Deepgram.
import { afterEach, describe, expect, it } from 'vitest';
import { silence } from '../../src/audio/generate.js';
import { AssemblyAiStt, type AssemblyAiSttOptions } from '../../src/providers/assemblyai/index.js';
import type { AudioSpec, ProviderMetric, SttEvent } from '../../src/providers/types.js';
import { type FakeAssemblyAi, type FakeAssemblyAiOptions, startFakeAssemblyAi } from '../../src/testing/fakes/assemblyai.js';
import { rejectionOf, waitUntil } from '../support/async.js';
import { callerPcm, feed, toSpec } from '../support/caller-audio.js';

const MULAW: AudioSpec = { encoding: 'mulaw', sampleRate: 8000 };
const L16: AudioSpec = { encoding: 'pcm16', sampleRate: 16000 };

let fake: FakeAssemblyAi | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(fakeOptions: FakeAssemblyAiOptions = {}, clientOptions: Partial<AssemblyAiSttOptions> = {}) {
  const f = await startFakeAssemblyAi(fakeOptions);
  fake = f;
  const stt = new AssemblyAiStt({ apiKey: f.apiKey, baseUrl: f.url, env: {}, retry: { random: () => 0, baseDelayMs: 20 }, reconnect: { random: () => 0, baseDelayMs: 20 }, ...clientOptions });
  return { f, stt };
}

async function openCollecting(stt: AssemblyAiStt, audio: AudioSpec, extra: { signal?: AbortSignal; metrics?: ProviderMetric[] } = {}) {
  const events: SttEvent[] = [];
  const failure: { error?: unknown } = {};
  const session = await stt.open({ audio, signal: extra.signal ?? new AbortController().signal, callId: 'call-1', streamId: 'stream-1', now: () => performance.now(), onMetric: (m) => extra.metrics?.push(m) });
  const done = (async () => {
    try {
      for await (const e of session) events.push(e);
    } catch (error) {
      failure.error = error;
    }
  })();
  return { session, events, done, failure };
}

const finals = (events: SttEvent[]) => events.flatMap((e) => (e.type === 'final' ? [e.text] : []));

describe('AssemblyAiStt against the fake AssemblyAI', () => {
  it('mu-law 8 kHz native: partial turns, formatted end-of-turn finals, in order; Terminate ends cleanly', async () => {
    const { f, stt } = await setup({ transcripts: ['Hello there.', 'I need help with my order.'] });
    const { session, events, done } = await openCollecting(stt, MULAW);
    await feed(session, MULAW, toSpec(MULAW, callerPcm(['hello there', 'i need help with my order'], 8000)));
    await waitUntil(() => finals(events).length === 2, 15_000, 'two finals');
    await session.close();
    await done;

    expect(finals(events)).toEqual(['Hello there.', 'I need help with my order.']);
    const kinds = events.map((e) => e.type);
    const started = kinds.indexOf('speech_started');
    const interim = kinds.indexOf('interim');
    const final = kinds.indexOf('final');
    const uend = kinds.indexOf('utterance_end');
    expect(started >= 0 && started < interim && interim < final && final < uend).toBe(true);
    const interims = events.slice(0, final).flatMap((e) => (e.type === 'interim' ? [e.text.split(' ').length] : []));
    expect([...interims].sort((a, b) => a - b)).toEqual(interims);
    // Word times are session audio ms: the first turn starts after 500 ms of silence.
    const w = events.find((e) => e.type === 'final');
    expect(w?.type === 'final' && w.words?.[0]?.startMs).toBeGreaterThan(400);
    expect(w?.type === 'final' && w.words?.[0]?.startMs).toBeLessThan(700);

    expect(f.connections.entries[0]?.query).toMatchObject({ encoding: 'pcm_mulaw', sample_rate: '8000', format_turns: 'true', speech_model: 'universal-streaming-english' });
    // Every audio message is within the documented 50-1000 ms although frames were 20 ms.
    const audio = f.log.entries.flatMap((e) => (e.dir === 'in' && e.kind === 'audio' ? [e.bytes / 8] : []));
    expect(audio.length).toBeGreaterThan(10);
    expect(audio.every((ms) => ms >= 50 && ms <= 1000)).toBe(true);
    expect(f.log.entries.some((e) => e.dir === 'in' && e.kind === 'text' && e.type === 'Terminate')).toBe(true);
    const closed = await f.log.waitFor((e) => e.dir === 'closed', 5000, 'the server-side close');
    expect(closed).toMatchObject({ code: 1000 });
    expect(f.sent('Termination')).toHaveLength(1);
  });

  it('L16 16 kHz is sent as pcm_s16le; ForceEndpoint ends a turn that has not ended yet', async () => {
    const { f, stt } = await setup({ transcripts: ['Still talking'] });
    const { session, events, done } = await openCollecting(stt, L16);
    await feed(session, L16, toSpec(L16, callerPcm(['still talking now'], 16000, 300, 0)));
    expect(finals(events)).toEqual([]);
    session.finalize();
    await waitUntil(() => finals(events).length === 1, 10_000, 'the forced final');
    expect(f.connections.entries[0]?.query).toMatchObject({ encoding: 'pcm_s16le', sample_rate: '16000' });
    expect(f.log.entries.some((e) => e.dir === 'in' && e.kind === 'text' && e.type === 'ForceEndpoint')).toBe(true);
    await session.close();
    await done;
  });

  it('one large push is split into messages of 50-1000 ms each', async () => {
    const { f, stt } = await setup({ transcripts: ['Okay.'] });
    const { session, events, done } = await openCollecting(stt, MULAW);
    session.push(toSpec(MULAW, callerPcm(['okay'], 8000)));
    await waitUntil(() => finals(events).length === 1, 10_000, 'a final');
    await session.close();
    await done;
    const audio = f.log.entries.flatMap((e) => (e.dir === 'in' && e.kind === 'audio' ? [e.bytes / 8] : []));
    expect(audio.length).toBeGreaterThan(1);
    expect(audio.every((ms) => ms >= 50 && ms <= 1000)).toBe(true);
  });

  it('barge-in / call end (signal aborted) closes the stream promptly and ends the events', async () => {
    const { f, stt } = await setup();
    const ac = new AbortController();
    const { session, done, failure } = await openCollecting(stt, MULAW, { signal: ac.signal });
    session.push(toSpec(MULAW, silence(200, 8000)));
    ac.abort();
    await done;
    expect(failure.error).toBeUndefined();
    await f.log.waitFor((e) => e.dir === 'closed', 10_000, 'the server to see the close');
  });

  it('a mid-turn disconnect reconnects and replays un-finalised audio: no transcript lost or repeated', async () => {
    const { f, stt } = await setup({ transcripts: ['First thing.', 'Second thing please.', 'Third and last.'] });
    // Turn 2 spans roughly 2.9-4.4 s of audio; drop the first socket in the middle of it,
    // and fail the first reconnect so audio piles up meanwhile.
    f.dropNextConnection(3600);
    const metrics: ProviderMetric[] = [];
    const { session, events, done } = await openCollecting(stt, MULAW, { metrics });
    f.failNextConnections({ status: 503 });
    await feed(session, MULAW, toSpec(MULAW, callerPcm(['first thing', 'second thing please', 'third and last'], 8000)));
    await waitUntil(() => finals(events).length >= 3, 20_000, 'three finals');
    await session.close();
    await done;
    expect(finals(events)).toEqual(['First thing.', 'Second thing please.', 'Third and last.']);
    const reconnected = events.find((e) => e.type === 'reconnected');
    expect(reconnected?.type === 'reconnected' && reconnected.replayedMs).toBeGreaterThan(500);
    expect(f.connections.entries.map((c) => c.outcome)).toEqual(['accepted', 503, 'accepted']);
    expect(f.turns.entries.map((t) => [t.index, t.connection])).toEqual([
      [0, 0],
      [1, 2],
      [2, 2],
    ]);
    const second = events.filter((e) => e.type === 'final')[1];
    const startMs = second?.type === 'final' ? (second.words?.[0]?.startMs ?? 0) : 0;
    expect(startMs).toBeGreaterThan(2700);
    expect(startMs).toBeLessThan(3200);
    expect(metrics.some((m) => m.type === 'reconnect')).toBe(true);
  });

  it('auth error: open() and verify() reject with PROVIDER_AUTH_FAILED naming ASSEMBLYAI_API_KEY, never the key', async () => {
    const f = await startFakeAssemblyAi();
    fake = f;
    const stt = new AssemblyAiStt({ apiKey: 'aai-wrong-key-0123456789', baseUrl: f.url, env: {} });
    const err = await rejectionOf(stt.open({ audio: MULAW, signal: new AbortController().signal, callId: 'c', streamId: 's', now: () => 0 }));
    expect(err.code).toBe('PROVIDER_AUTH_FAILED');
    expect(err.message).toContain('ASSEMBLYAI_API_KEY was rejected (close 1008)');
    expect(err.message).toContain('Missing Authorization header');
    expect(err.message).not.toContain('aai-wrong-key-0123456789');
    expect(err.retryable).toBe(false);
    const v = await rejectionOf(stt.verify(new AbortController().signal));
    expect(v.code).toBe('PROVIDER_AUTH_FAILED');
    expect(f.connections.entries.map((c) => c.outcome)).toEqual(['unauthorized', 'unauthorized']);
    expect(() => new AssemblyAiStt({ env: {} })).toThrow(/ASSEMBLYAI_API_KEY/);
  });

  it('rate limit (close 1008 "Too many concurrent sessions") is retried, then the session works', async () => {
    const { f, stt } = await setup({ transcripts: ['Okay.'] });
    f.rateLimitNextConnections(1);
    const metrics: ProviderMetric[] = [];
    const { session, events, done } = await openCollecting(stt, MULAW, { metrics });
    expect(metrics.find((m) => m.type === 'retry')).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', attempt: 1 });
    await feed(session, MULAW, toSpec(MULAW, callerPcm(['okay'], 8000)));
    await waitUntil(() => finals(events).length === 1, 10_000, 'a final');
    await session.close();
    await done;
    expect(f.connections.entries.map((c) => c.outcome)).toEqual(['rate-limited', 'accepted']);
  });
});
