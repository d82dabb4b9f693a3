// The rate check's signal rule on real speech: the embedded flite voices (male kal16, female
// slt) and Debian espeak-ng voices, at the right rate, 16 kHz played as 8 kHz (halved) and
// 8 kHz played as 16 kHz (doubled), through mu-law like a phone call; and what the rule
// refuses to judge (tones, silence, a syllable or two).
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeMulaw, encodeMulaw, silence, tone } from '../../src/audio/index.js';
import { LOW_BAND_TOO_HIGH, PITCH_TOO_HIGH_HZ, PITCH_TOO_LOW_HZ, SPECTRUM_MIN_PITCH_HZ, judgeRate } from '../../src/doctor/index.js';
import { resampleAll, synthesizeSpeech } from '../../src/providers/flite/synthesize.js';
import { requireEspeak } from '../support/debian.js';
import { speak } from '../support/espeak.js';

const TEXT = 'Thank you for calling. Your order has shipped and should arrive on Tuesday.';
const flite = new Map<string, Int16Array>();

/** As heard on a mu-law call. */
function phone(pcm: Int16Array): Int16Array {
  return decodeMulaw(encodeMulaw(pcm));
}

beforeAll(async () => {
  for (const voice of ['kal16', 'slt', 'awb']) flite.set(voice, (await synthesizeSpeech(TEXT, { voice, sampleRate: 16000 })).samples);
});

function expectRightRatePlausible(pcm16: Int16Array): void {
  const at8 = judgeRate(phone(resampleAll(pcm16, 16000, 8000)), 8000);
  expect(at8.kind).toBe('plausible');
  expect(at8.pitch.medianHz).toBeGreaterThan(PITCH_TOO_LOW_HZ + 10);
  expect(at8.pitch.medianHz).toBeLessThan(PITCH_TOO_HIGH_HZ - 50);
  expect(judgeRate(pcm16, 16000).kind).toBe('plausible');
}

describe('judgeRate on flite voices', () => {
  it.each(['kal16', 'slt', 'awb'])('%s at its real rate is plausible, at 8 and at 16 kHz', (voice) => {
    expectRightRatePlausible(flite.get(voice) as Int16Array);
  });

  it('a male voice made at 16 kHz and played as 8 kHz is too low', () => {
    const halved = judgeRate(phone(flite.get('kal16') as Int16Array), 8000);
    expect(halved.kind).toBe('too-low');
    expect(halved.pitch.medianHz).toBeLessThan(PITCH_TOO_LOW_HZ - 5);
  });

  it('a female voice made at 8 kHz and played as 16 kHz is too high', () => {
    const at8 = resampleAll(flite.get('slt') as Int16Array, 16000, 8000);
    expect(judgeRate(at8, 16000).kind).toBe('too-high');
  });

  it('a male voice made at 8 kHz and played as 16 kHz: its pitch looks female, its spectrum gives it away', () => {
    const doubled = judgeRate(resampleAll(flite.get('kal16') as Int16Array, 16000, 8000), 16000);
    expect(doubled.pitch.medianHz).toBeGreaterThan(SPECTRUM_MIN_PITCH_HZ);
    expect(doubled.pitch.medianHz).toBeLessThan(PITCH_TOO_HIGH_HZ);
    expect(doubled).toMatchObject({ kind: 'too-high', by: 'spectrum' });
    expect((doubled as { lowBand: number }).lowBand).toBeLessThan(LOW_BAND_TOO_HIGH - 0.03);
  });

  it('a female voice at its real rate keeps most of its energy below 1 kHz, at 8 and 16 kHz', () => {
    const slt = flite.get('slt') as Int16Array;
    for (const v of [judgeRate(slt, 16000), judgeRate(phone(resampleAll(slt, 16000, 8000)), 8000)]) {
      expect(v.pitch.medianHz).toBeGreaterThan(SPECTRUM_MIN_PITCH_HZ);
      expect(v).toMatchObject({ kind: 'plausible' });
      expect((v as { lowBand: number }).lowBand).toBeGreaterThan(LOW_BAND_TOO_HIGH + 0.1);
    }
  });

  it('does not judge a steady tone, silence, or a syllable or two', () => {
    expect(judgeRate(phone(tone(1000, 3000, 8000, { amplitude: 0.3 })), 8000)).toMatchObject({ kind: 'not-judged', reason: 'steady-tone' });
    expect(judgeRate(silence(3000, 8000), 8000)).toMatchObject({ kind: 'not-judged', reason: 'too-little-speech' });
    const short = (flite.get('kal16') as Int16Array).subarray(0, 4000);
    expect(judgeRate(resampleAll(short, 16000, 8000), 8000)).toMatchObject({ kind: 'not-judged', reason: 'too-little-speech' });
  });
});

const espeak = requireEspeak();

describe.skipIf(!espeak.ok)('judgeRate on espeak-ng voices', () => {
  it.each(['en-us', 'en-us+m3', 'en-us+f3'])('%s at its real rate is plausible', (voice) => {
    expectRightRatePlausible(speak(TEXT, 16000, { voice }));
  });

  it.each(['en-us', 'en-us+m3'])('%s (male) made at 16 kHz and played as 8 kHz is too low', (voice) => {
    expect(judgeRate(phone(speak(TEXT, 16000, { voice })), 8000).kind).toBe('too-low');
  });

  it.each(['en-us', 'en-us+m1', 'en-us+klatt'])('%s (male) made at 8 kHz and played as 16 kHz is too high, by its spectrum', (voice) => {
    expect(judgeRate(speak(TEXT, 8000, { voice }), 16000)).toMatchObject({ kind: 'too-high', by: 'spectrum' });
  });

  it.each(['en-us+f2', 'en-us+f3', 'en-us+f4'])('%s (female) at its real rate, 16 kHz and 8 kHz mu-law, is never flagged', (voice) => {
    const pcm = speak(TEXT, 16000, { voice, wpm: 200 });
    expect(judgeRate(pcm, 16000).kind).toBe('plausible');
    expect(judgeRate(phone(resampleAll(pcm, 16000, 8000)), 8000).kind).toBe('plausible');
  });
});
