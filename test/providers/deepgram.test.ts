import { afterEach, describe, expect, it } from 'vitest';
import { concatPcm } from '../../src/audio/pcm.js';
import { silence, tone } from '../../src/audio/generate.js';
import { DeepgramStt, type DeepgramSttOptions } from '../../src/providers/deepgram/index.js';
import type { AudioSpec, ProviderMetric, SttEvent, SttSession } from '../../src/providers/types.js';
import { type FakeDeepgram, type FakeDeepgramOptions, startFakeDeepgram } from '../../src/testing/fakes/deepgram.js';
import { rejectionOf, waitUntil } from '../support/async.js';
import { callerPcm, feed, toSpec } from '../support/caller-audio.js';
import { synthesizeSpeech } from '../../src/providers/flite/index.js';

const MULAW: AudioSpec = { encoding: 'mulaw', sampleRate: 8000 };
const L16: AudioSpec = { encoding: 'pcm16', sampleRate: 16000 };

let fake: FakeDeepgram | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(fakeOptions: FakeDeepgramOptions = {}, clientOptions: Partial<DeepgramSttOptions> = {}) {
  const f = await startFakeDeepgram(fakeOptions);
  fake = f;
  const stt = new DeepgramStt({ apiKey: f.apiKey, baseUrl: f.url, env: {}, retry: { random: () => 0, baseDelayMs: 20 }, reconnect: { random: () => 0, baseDelayMs: 20 }, ...clientOptions });
  return { f, stt };
}

/** Open a session and collect its events in the background. */
async function openCollecting(stt: DeepgramStt, audio: AudioSpec, extra: { signal?: AbortSignal; metrics?: ProviderMetric[] } = {}) {
  const events: SttEvent[] = [];
  const failure: { error?: unknown } = {};
  const session = await stt.open({
    audio,
    signal: extra.signal ?? new AbortController().signal,
    callId: 'call-1',
    streamId: 'stream-1',
    now: () => performance.now(),
    onMetric: (m) => extra.metrics?.push(m),
  });
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

describe('DeepgramStt against the fake Deepgram', () => {
  it('mu-law 8 kHz: interim results, speech_final finals, SpeechStarted and UtteranceEnd, in order; CloseStream ends cleanly', async () => {
    const { f, stt } = await setup({ transcripts: ['Hello there.', 'I need help with my order.'] });
    const { session, events, done } = await openCollecting(stt, MULAW);
    await feed(session, MULAW, toSpec(MULAW, callerPcm(['hello there', 'i need help with my order'], 8000)));
    await waitUntil(() => events.filter((e) => e.type === 'utterance_end').length === 2, 15_000, 'two UtteranceEnds');
    await session.close();
    await done;

    expect(finals(events)).toEqual(['Hello there.', 'I need help with my order.']);
    expect(events.filter((e) => e.type === 'final').every((e) => e.type === 'final' && e.speechFinal)).toBe(true);
    const kinds = events.map((e) => e.type);
    const first = kinds.indexOf('speech_started');
    const interim = kinds.indexOf('interim');
    const final = kinds.indexOf('final');
    const uend = kinds.indexOf('utterance_end');
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first < interim && interim < final && final < uend).toBe(true);
    // Interims grow word by word before the final.
    const interims = events.slice(0, final).flatMap((e) => (e.type === 'interim' ? [e.text.split(' ').length] : []));
    expect(interims.length).toBeGreaterThan(0);
    expect([...interims].sort((a, b) => a - b)).toEqual(interims);
    // Word times are session audio times: the first utterance starts after 500 ms of silence.
    const w = events.find((e) => e.type === 'final');
    expect(w?.type === 'final' && w.words?.[0]?.startMs).toBeGreaterThan(400);
    expect(w?.type === 'final' && w.words?.[0]?.startMs).toBeLessThan(700);

    const q = f.connections.entries[0]?.query ?? {};
    expect(q).toMatchObject({ encoding: 'mulaw', sample_rate: '8000', channels: '1', interim_results: 'true', endpointing: '300', utterance_end_ms: '1000', vad_events: 'true', tag: 'call-1', model: 'nova-3' });
    const inbound = f.log.entries.filter((e) => e.dir === 'in');
    expect(inbound.filter((e) => e.dir === 'in' && e.kind === 'text').map((e) => e.dir === 'in' && e.kind === 'text' && e.type)).toContain('CloseStream');
    expect(f.sent('Metadata')).toHaveLength(1);
    const closed = await f.log.waitFor((e) => e.dir === 'closed', 5000, 'the server-side close');
    expect(closed).toMatchObject({ dir: 'closed', code: 1000 });
    const metaAt = f.log.entries.findIndex((e) => e.dir === 'out' && e.message.type === 'Metadata');
    const closedAt = f.log.entries.indexOf(closed);
    expect(metaAt).toBeLessThan(closedAt);
  });

  it('L16 16 kHz real speech (flite) is detected as one utterance with audio-time word timings', async () => {
    const { stt } = await setup({ transcripts: ['Hello, how can I help you today?'] });
    const speech = await synthesizeSpeech('Hello, how can I help you today?', { voice: 'kal16' });
    const pcm = concatPcm([silence(600, 16000), speech.samples, silence(1500, 16000)]);
    const { session, events, done } = await openCollecting(stt, L16);
    await feed(session, L16, toSpec(L16, pcm));
    await waitUntil(() => events.some((e) => e.type === 'utterance_end'), 15_000, 'UtteranceEnd');
    await session.close();
    await done;
    expect(finals(events)).toEqual(['Hello, how can I help you today?']);
    const f0 = events.find((e) => e.type === 'final');
    const words = f0?.type === 'final' ? (f0.words ?? []) : [];
    expect(words[0]?.startMs).toBeGreaterThan(450);
    expect(words[0]?.startMs).toBeLessThan(900);
    const speechEndMs = 600 + (speech.samples.length / 16000) * 1000;
    expect(words.at(-1)?.endMs).toBeLessThan(speechEndMs + 350);
  });

  it('a synthetic tone and 8 kHz flite speech (kal) are each detected as an utterance', async () => {
    const { stt } = await setup({ transcripts: ['one', 'two'] });
    const speech = await synthesizeSpeech('Yes please.', { voice: 'kal' });
    expect(speech.sampleRate).toBe(8000);
    const pcm8 = concatPcm([silence(400, 8000), tone([300, 700], 900, 8000, { amplitude: 0.3 }), silence(1200, 8000), speech.samples, silence(1500, 8000)]);
    const { session, events, done } = await openCollecting(stt, MULAW);
    await feed(session, MULAW, toSpec(MULAW, pcm8));
    await waitUntil(() => finals(events).length >= 2, 15_000, 'two finals');
    await session.close();
    await done;
    expect(finals(events)).toEqual(['one', 'two']);
  });

  it('Finalize flushes an utterance that has not ended yet', async () => {
    const { f, stt } = await setup({ transcripts: ['Still talking'] });
    const { session, events, done } = await openCollecting(stt, MULAW);
    await feed(session, MULAW, toSpec(MULAW, callerPcm(['still talking now'], 8000, 300, 0)));
    expect(finals(events)).toEqual([]);
    session.finalize();
    await waitUntil(() => finals(events).length === 1, 10_000, 'the finalized result');
    expect(f.sent('Results').some((m) => m.from_finalize === true)).toBe(true);
    await session.close();
    await done;
  });

  it('KeepAlive keeps an idle stream open past the server idle timeout', async () => {
    const { f, stt } = await setup({ idleTimeoutMs: 1500 }, { keepAliveMs: 200 });
    const { session, done } = await openCollecting(stt, MULAW);
    await f.log.waitFor((e) => e.dir === 'in' && e.kind === 'text' && e.type === 'KeepAlive', 10_000, 'a KeepAlive');
    const start = Date.now();
    await waitUntil(() => Date.now() - start > 3000 || f.log.entries.some((e) => e.dir === 'closed'), 10_000);
    expect(f.log.entries.some((e) => e.dir === 'closed')).toBe(false);
    await session.close();
    await done;
  });

  it('call end (signal aborted) closes the stream promptly and ends the events', async () => {
    const { f, stt } = await setup();
    const ac = new AbortController();
    const { session, done } = await openCollecting(stt, MULAW, { signal: ac.signal });
    session.push(toSpec(MULAW, silence(100, 8000)));
    ac.abort();
    await done;
    await f.log.waitFor((e) => e.dir === 'closed', 10_000, 'the server to see the close');
  });

  it('a mid-utterance disconnect reconnects and replays un-finalised audio: no transcript lost or repeated', async () => {
    const { f, stt } = await setup({ transcripts: ['First thing.', 'Second thing please.', 'Third and last.'] });
    // Utterance 2 spans roughly 2.9-4.4 s of audio; drop the first socket in the middle of it.
    f.dropNextConnection(3600);
    const metrics: ProviderMetric[] = [];
    const { session, events, done } = await openCollecting(stt, MULAW, { metrics });
    // Make the first reconnect attempt fail, so audio piles up while reconnecting.
    f.failNextConnections({ status: 503 });
    await feed(session, MULAW, toSpec(MULAW, callerPcm(['first thing', 'second thing please', 'third and last'], 8000)));
    await waitUntil(() => finals(events).length >= 3, 20_000, 'three finals');
    await session.close();
    await done;
    expect(finals(events)).toEqual(['First thing.', 'Second thing please.', 'Third and last.']);
    const kinds = events.map((e) => e.type);
    expect(kinds).toContain('reconnecting');
    expect(kinds).toContain('reconnected');
    const reconnected = events.find((e) => e.type === 'reconnected');
    expect(reconnected?.type === 'reconnected' && reconnected.replayedMs).toBeGreaterThan(500);
    expect(f.connections.entries.map((c) => c.outcome)).toEqual(['accepted', 503, 'accepted']);
    expect(f.utterances.entries.map((u) => [u.index, u.connection])).toEqual([
      [0, 0],
      [1, 2],
      [2, 2],
    ]);
    // Session times survive the reconnect: utterance 2 starts near 2.9 s of session audio.
    const second = events.filter((e) => e.type === 'final')[1];
    const startMs = second?.type === 'final' ? (second.words?.[0]?.startMs ?? 0) : 0;
    expect(startMs).toBeGreaterThan(2700);
    expect(startMs).toBeLessThan(3200);
    expect(metrics.some((m) => m.type === 'reconnect')).toBe(true);
  });

  it('a server that hangs mid-utterance (reads, answers nothing) is dropped after stallTimeoutMs; the replay brings the transcript, once', async () => {
    const { f, stt } = await setup({ transcripts: ['First thing.', 'Second thing please.', 'Third and last.'] }, { stallTimeoutMs: 1000, keepAliveMs: 200 });
    // Goes silent in the middle of utterance 2 (about 2.9-4.4 s of audio).
    f.stallNextConnection(3600);
    const { session, events, done } = await openCollecting(stt, MULAW);
    await feed(session, MULAW, toSpec(MULAW, callerPcm(['first thing', 'second thing please', 'third and last'], 8000)));
    await waitUntil(() => finals(events).length >= 3, 20_000, 'three finals');
    await session.close();
    await done;
    expect(finals(events)).toEqual(['First thing.', 'Second thing please.', 'Third and last.']);
    const reconnecting = events.find((e) => e.type === 'reconnecting');
    expect(reconnecting?.type === 'reconnecting' && reconnecting.error.code).toBe('PROVIDER_TIMEOUT');
    expect(f.connections.entries.map((c) => c.outcome)).toEqual(['accepted', 'accepted']);
  });

  it('a quiet line is not a stall: no audio, no reconnect', async () => {
    const { f, stt } = await setup({}, { stallTimeoutMs: 300, keepAliveMs: 100 });
    const { session, done } = await openCollecting(stt, MULAW);
    await new Promise((r) => setTimeout(r, 1000));
    await session.close();
    await done;
    expect(f.connections.entries).toHaveLength(1);
  });

  it('auth error: open() and verify() reject with PROVIDER_AUTH_FAILED naming DEEPGRAM_API_KEY', async () => {
    const f = await startFakeDeepgram();
    fake = f;
    const stt = new DeepgramStt({ apiKey: 'dg-wrong-key-0123456789', baseUrl: f.url, env: {} });
    const err = await rejectionOf(stt.open({ audio: MULAW, signal: new AbortController().signal, callId: 'c', streamId: 's', now: () => 0 }));
    expect(err.code).toBe('PROVIDER_AUTH_FAILED');
    expect(err.message).toContain('DEEPGRAM_API_KEY was rejected (401)');
    expect(err.message).toContain('Invalid credentials.');
    expect(err.message).not.toContain('dg-wrong-key-0123456789');
    expect(err.retryable).toBe(false);
    const v = await rejectionOf(stt.verify(new AbortController().signal));
    expect(v.code).toBe('PROVIDER_AUTH_FAILED');
    expect(f.connections.entries.map((c) => c.outcome)).toEqual([401, 401]);
    expect(() => new DeepgramStt({ env: {} })).toThrow(/DEEPGRAM_API_KEY/);
  });

  it('rate limit on connect (429 + Retry-After) is retried, then the session works', async () => {
    const { f, stt } = await setup({ transcripts: ['Okay.'] });
    f.failNextConnections({ status: 429, retryAfterS: 0.15 });
    const metrics: ProviderMetric[] = [];
    const { session, events, done } = await openCollecting(stt, MULAW, { metrics });
    expect(metrics.find((m) => m.type === 'retry')).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', attempt: 1 });
    expect((metrics.find((m) => m.type === 'retry') as { delayMs: number }).delayMs).toBeGreaterThanOrEqual(150);
    await feed(session, MULAW, toSpec(MULAW, callerPcm(['okay'], 8000)));
    await waitUntil(() => finals(events).length === 1, 10_000, 'a final');
    await session.close();
    await done;
    expect(f.connections.entries.map((c) => c.outcome)).toEqual([429, 'accepted']);
  });

  it('undecodable audio (close 1008 DATA-0000) ends the session with PROVIDER_BAD_REQUEST', async () => {
    const { f, stt } = await setup();
    f.closeNextConnection(100, 1008, 'DATA-0000');
    const session: SttSession = await stt.open({ audio: MULAW, signal: new AbortController().signal, callId: 'c', streamId: 's', now: () => 0 });
    const consumed = rejectionOf(
      (async () => {
        for await (const _ of session) {
          // drain
        }
      })(),
    );
    await feed(session, MULAW, toSpec(MULAW, silence(400, 8000)));
    const err = await consumed;
    expect(err.code).toBe('PROVIDER_BAD_REQUEST');
    expect(err.message).toContain('encoding=mulaw');
  });

  it('reports recogniser lag (TTFB) no lower than the fake latency', async () => {
    const { stt } = await setup({ latencyMs: 150, transcripts: ['Hi.'] });
    const metrics: ProviderMetric[] = [];
    const { session, events, done } = await openCollecting(stt, MULAW, { metrics });
    await feed(session, MULAW, toSpec(MULAW, callerPcm(['hi'], 8000)), 1);
    await waitUntil(() => finals(events).length === 1, 10_000, 'a final');
    await session.close();
    await done;
    const ttfb = metrics.filter((m) => m.type === 'ttfb');
    expect(ttfb.length).toBeGreaterThan(0);
    expect(ttfb[0]?.type === 'ttfb' && ttfb[0].ms).toBeGreaterThanOrEqual(145);
  });
});
