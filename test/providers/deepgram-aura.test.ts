// DeepgramAuraTts against the wire-faithful fake Aura WebSocket on loopback: the TTS contract
// (happy path in the call's mu-law 8 kHz, segments in order, barge-in by Clear, a drop
// mid-audio with the segment finished on a new socket, auth error at start-up, a retried
// rate limit on the handshake).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeepgramAuraTts, type DeepgramAuraTtsOptions } from '../../src/providers/deepgram-aura/index.js';
import type { TtsSession } from '../../src/providers/types.js';
import { type FakeDeepgramAura, startFakeDeepgramAura } from '../../src/testing/fakes/deepgram-aura.js';
import { collect, rejectionOf } from '../support/async.js';

let fake: FakeDeepgramAura;
let session: TtsSession | undefined;
beforeEach(async () => {
  fake = await startFakeDeepgramAura();
});
afterEach(async () => {
  await session?.close();
  session = undefined;
  await fake.close();
});

const tts = (o: Partial<DeepgramAuraTtsOptions> = {}): DeepgramAuraTts => new DeepgramAuraTts({ apiKey: fake.apiKey, baseUrl: fake.url, env: {}, retry: { random: () => 0, baseDelayMs: 20 }, ...o });
const open = async (t: DeepgramAuraTts = tts()): Promise<TtsSession> => {
  session = await t.open({ signal: new AbortController().signal, callId: 'c', streamId: 's', now: () => performance.now(), preferred: [{ encoding: 'mulaw', sampleRate: 8000 }] });
  return session;
};
const bytes = (chunks: Uint8Array[]): number => chunks.reduce((n, c) => n + c.length, 0);

describe('DeepgramAuraTts against the fake Aura socket', () => {
  it('speaks mu-law 8 kHz natively (Speak + Flush), segments in order, each only its own audio', async () => {
    const s = await open();
    expect(s.audio).toEqual({ encoding: 'mulaw', sampleRate: 8000 });
    const a = collect(s.synthesize('Hello there.', { signal: new AbortController().signal }));
    const b = collect(s.synthesize('How can I help you today?', { signal: new AbortController().signal }));
    const [ca, cb] = await Promise.all([a, b]);
    expect(fake.connections.entries[0]?.query).toMatchObject({ model: 'aura-2-thalia-en', encoding: 'mulaw', sample_rate: '8000' });
    expect(fake.segments.entries.map((x) => [x.text, x.outcome])).toEqual([
      ['Hello there.', 'flushed'],
      ['How can I help you today?', 'flushed'],
    ]);
    expect(bytes(ca)).toBe(fake.segments.entries[0]?.audioBytes);
    expect(bytes(cb)).toBe(fake.segments.entries[1]?.audioBytes);
    expect(fake.received.entries.map((m) => m.type)).toEqual(['Speak', 'Flush', 'Speak', 'Flush']);
  });

  it('barge-in: aborting a segment sends Clear, its late audio is dropped, and the next segment is clean', async () => {
    await fake.close();
    fake = await startFakeDeepgramAura({ realTimeFactor: 0.5 });
    const s = await open();
    const abort = new AbortController();
    let got = 0;
    for await (const c of s.synthesize('This is a long sentence that the caller interrupts in the middle of it.', { signal: abort.signal })) {
      got += c.length;
      if (got > 800) abort.abort();
    }
    const next = await collect(s.synthesize('Sure.', { signal: new AbortController().signal }));
    expect(fake.received.entries.map((m) => m.type)).toContain('Clear');
    expect(fake.segments.entries.map((x) => x.outcome)).toEqual(['cleared', 'flushed']);
    expect(bytes(next)).toBe(fake.segments.entries[1]?.audioBytes);
  });

  it('a socket dropped mid-audio is reconnected and the segment re-requested; the iterator ends normally', async () => {
    fake.dropNextConnection(1200);
    const s = await open();
    const chunks = await collect(s.synthesize('Your package left our warehouse this morning.', { signal: new AbortController().signal }));
    expect(fake.connections.entries.filter((c) => c.outcome === 'accepted')).toHaveLength(2);
    expect(fake.segments.entries.map((x) => x.outcome)).toEqual(['dropped', 'flushed']);
    expect(bytes(chunks)).toBeGreaterThan(0);
  });

  it('a bad key fails verify() at start-up with PROVIDER_AUTH_FAILED naming DEEPGRAM_API_KEY, never the key', async () => {
    const error = await rejectionOf(tts({ apiKey: 'wrong-key-0123456789abcdef' }).verify(new AbortController().signal));
    expect(error.code).toBe('PROVIDER_AUTH_FAILED');
    expect(error.message).toContain('DEEPGRAM_API_KEY');
    expect(error.message).not.toContain('wrong-key-0123456789abcdef');
    await expect(tts().verify(new AbortController().signal)).resolves.toBeUndefined();
  });

  it('a 429 on the handshake is retried, then the session opens and speaks', async () => {
    fake.failNextConnections({ status: 429, retryAfterS: 0 });
    const s = await open();
    expect(bytes(await collect(s.synthesize('Hi.', { signal: new AbortController().signal })))).toBeGreaterThan(0);
    expect(fake.connections.entries.map((c) => c.outcome)).toEqual([429, 'accepted']);
  });
});
