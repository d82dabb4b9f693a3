// SarvamTts against the wire-faithful fake Sarvam TTS socket on loopback: the TTS contract
// (happy path in L16 8 kHz, segments in order, barge-in, a drop mid-audio with the segment
// finished on a new socket, auth error at start-up, a retried rate limit on the handshake).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SarvamTts, type SarvamTtsOptions } from '../../src/providers/sarvam/index.js';
import type { TtsSession } from '../../src/providers/types.js';
import { type FakeSarvamTts, startFakeSarvamTts } from '../../src/testing/fakes/sarvam-tts.js';
import { collect, rejectionOf } from '../support/async.js';

let fake: FakeSarvamTts;
let session: TtsSession | undefined;
beforeEach(async () => {
  fake = await startFakeSarvamTts();
});
afterEach(async () => {
  await session?.close();
  session = undefined;
  await fake.close();
});

const tts = (o: Partial<SarvamTtsOptions> = {}): SarvamTts => new SarvamTts({ apiKey: fake.apiKey, baseUrl: fake.url, env: {}, retry: { random: () => 0, baseDelayMs: 20 }, ...o });
const open = async (t: SarvamTts = tts()): Promise<TtsSession> => {
  session = await t.open({ signal: new AbortController().signal, callId: 'c', streamId: 's', now: () => performance.now(), preferred: [{ encoding: 'mulaw', sampleRate: 8000 }] });
  return session;
};
const bytes = (chunks: Uint8Array[]): number => chunks.reduce((n, c) => n + c.length, 0);

describe('SarvamTts against the fake Sarvam TTS socket', () => {
  it('speaks L16 8 kHz (config, text, flush), segments in order, each only its own audio', async () => {
    const s = await open(tts({ language: 'ta-IN', speaker: 'vidya' }));
    expect(s.audio).toEqual({ encoding: 'pcm16', sampleRate: 8000 });
    const a = collect(s.synthesize('வணக்கம்.', { signal: new AbortController().signal }));
    const b = collect(s.synthesize('நான் உங்களுக்கு எப்படி உதவ முடியும்?', { signal: new AbortController().signal }));
    const [ca, cb] = await Promise.all([a, b]);
    expect(fake.connections.entries[0]?.query).toMatchObject({ model: 'bulbul:v2', send_completion_event: 'true' });
    expect(fake.received.entries[0]).toMatchObject({ type: 'config', data: { target_language_code: 'ta-IN', speaker: 'vidya', speech_sample_rate: '8000', output_audio_codec: 'linear16' } });
    expect(fake.segments.entries.map((x) => [x.text, x.outcome])).toEqual([
      ['வணக்கம்.', 'final'],
      ['நான் உங்களுக்கு எப்படி உதவ முடியும்?', 'final'],
    ]);
    expect(bytes(ca)).toBe(fake.segments.entries[0]?.audioBytes);
    expect(bytes(cb)).toBe(fake.segments.entries[1]?.audioBytes);
    expect(fake.received.entries.map((m) => m.type)).toEqual(['config', 'text', 'flush', 'text', 'flush']);
  });

  it('barge-in: an aborted segment stops at once, its late audio is dropped, and the next segment gets only its own', async () => {
    await fake.close();
    fake = await startFakeSarvamTts({ realTimeFactor: 0.3 });
    const s = await open();
    const abort = new AbortController();
    let got = 0;
    for await (const c of s.synthesize('यह एक लंबा वाक्य है जिसे कॉलर बीच में ही रोक देता है।', { signal: abort.signal })) {
      got += c.length;
      if (got > 3000) abort.abort();
    }
    expect(got).toBeLessThan(fake.segments.entries[0]?.audioBytes ?? Number.POSITIVE_INFINITY);
    const next = await collect(s.synthesize('ठीक है।', { signal: new AbortController().signal }));
    expect(fake.segments.entries.map((x) => x.text)).toEqual(['यह एक लंबा वाक्य है जिसे कॉलर बीच में ही रोक देता है।', 'ठीक है।']);
    expect(bytes(next)).toBe(fake.segments.entries[1]?.audioBytes);
  });

  it('a socket dropped mid-audio is reconnected and the segment re-requested; the iterator ends normally', async () => {
    fake.dropNextConnection(1600);
    const s = await open();
    const chunks = await collect(s.synthesize('आपका पैकेज आज सुबह हमारे गोदाम से निकल गया।', { signal: new AbortController().signal }));
    expect(fake.connections.entries.filter((c) => c.outcome === 'accepted')).toHaveLength(2);
    expect(fake.segments.entries.map((x) => x.outcome)).toEqual(['dropped', 'final']);
    // The second socket was configured again before the re-requested text.
    expect(fake.received.entries.filter((m) => m.connection === 1).map((m) => m.type)).toEqual(['config', 'text', 'flush']);
    expect(bytes(chunks)).toBeGreaterThanOrEqual(fake.segments.entries[1]?.audioBytes ?? 0);
  });

  it('a bad key fails verify() at start-up with PROVIDER_AUTH_FAILED naming SARVAM_API_KEY, never the key', async () => {
    const error = await rejectionOf(tts({ apiKey: 'sv-wrong-0123456789abcdef' }).verify(new AbortController().signal));
    expect(error.code).toBe('PROVIDER_AUTH_FAILED');
    expect(error.message).toContain('SARVAM_API_KEY');
    expect(error.message).not.toContain('sv-wrong-0123456789abcdef');
    await expect(tts().verify(new AbortController().signal)).resolves.toBeUndefined();
  });

  it('a 429 on the handshake is retried, then the session opens and speaks', async () => {
    fake.failNextConnections({ status: 429, retryAfterS: 0 });
    const s = await open();
    expect(bytes(await collect(s.synthesize('नमस्ते।', { signal: new AbortController().signal })))).toBeGreaterThan(0);
    expect(fake.connections.entries.map((c) => c.outcome)).toEqual([429, 'accepted']);
  });
});
