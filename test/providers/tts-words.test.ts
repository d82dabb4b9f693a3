// Word timings from the streaming TTS clients (ElevenLabs character alignment, Cartesia word
// timestamps) against their fakes, which speak with the synthetic voice's exact timing.
import { afterEach, describe, expect, it } from 'vitest';
import type { TimedWord, TtsSession } from '../../src/providers/types.js';
import { CartesiaTts } from '../../src/providers/cartesia/index.js';
import { ElevenLabsTts } from '../../src/providers/elevenlabs/index.js';
import { startFakeCartesia } from '../../src/testing/fakes/cartesia.js';
import { startFakeElevenLabs } from '../../src/testing/fakes/elevenlabs.js';
import { syntheticSpeech } from '../../src/testing/fakes/synthetic-speech.js';

const TEXT = 'Your table for four is booked at seven, see you then.';
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

function expectedWords(text: string): TimedWord[] {
  const words: TimedWord[] = [];
  let w = '';
  let end = 0;
  for (const c of syntheticSpeech(text, 8000).chars) {
    if (/\s/.test(c.char)) {
      if (w !== '') words.push({ word: w, endMs: end });
      w = '';
    } else {
      w += c.char;
      end = c.startMs + c.durationMs;
    }
  }
  if (w !== '') words.push({ word: w, endMs: end });
  return words;
}

async function wordsOf(session: TtsSession, text: string): Promise<TimedWord[]> {
  const words: TimedWord[] = [];
  for await (const _chunk of session.synthesize(text, { signal: new AbortController().signal, onWords: (w) => words.push(...w) })) {
    // audio is drained; the timings are what this test reads
  }
  return words;
}

const ctx = () => ({ signal: new AbortController().signal, callId: 'c', streamId: 's', now: () => performance.now(), preferred: [{ encoding: 'mulaw' as const, sampleRate: 8000 }] });

describe('TTS word timings', () => {
  it('ElevenLabs: words assembled from character alignment across chunks, on the segment timeline', async () => {
    const fake = await startFakeElevenLabs({ pacing: { ttfbMs: 10, realTimeFactor: 0.1, chunkMs: 100 } });
    closers.push(() => fake.close());
    const session = await new ElevenLabsTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, env: {} }).open(ctx());
    closers.push(() => session.close());
    const got = await wordsOf(session, TEXT);
    const want = expectedWords(TEXT);
    expect(got.map((w) => w.word)).toEqual(want.map((w) => w.word));
    for (const [i, w] of got.entries()) expect(Math.abs(w.endMs - (want[i] as TimedWord).endMs)).toBeLessThanOrEqual(1);
    // A second segment on the same socket starts its own timeline at 0.
    const again = await wordsOf(session, 'Goodbye now.');
    expect(again[0]?.word).toBe('Goodbye');
    expect(again[0]?.endMs).toBe(expectedWords('Goodbye now.')[0]?.endMs);
  });

  it('Cartesia: word timestamps, each word once', async () => {
    const fake = await startFakeCartesia({ pacing: { ttfbMs: 10, realTimeFactor: 0.1, chunkMs: 100 } });
    closers.push(() => fake.close());
    const session = await new CartesiaTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, env: {} }).open(ctx());
    closers.push(() => session.close());
    const got = await wordsOf(session, TEXT);
    const want = expectedWords(TEXT);
    expect(got.map((w) => w.word.replace(/[^\p{L}\p{N}]/gu, ''))).toEqual(want.map((w) => w.word.replace(/[^\p{L}\p{N}]/gu, '')));
    for (const [i, w] of got.entries()) expect(Math.abs(w.endMs - (want[i] as TimedWord).endMs)).toBeLessThanOrEqual(5);
  });
});
