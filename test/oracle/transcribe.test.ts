// The transcript oracle itself, on real speech: espeak-ng (Debian) and flite (embedded),
// wideband and through the 8 kHz mu-law telephone path.
import { describe, expect, it } from 'vitest';
import { concatPcm, createResampler, decodeMulaw, encodeMulaw, silence } from '../../src/audio/index.js';
import { synthesizeSpeech } from '../../src/providers/flite/index.js';
import { requireEspeak } from '../support/debian.js';
import { speak } from '../support/espeak.js';
import { noise } from '../support/signals.js';
import { highBandDb, normalisePhrase, recognise, requirePocketsphinx, transcribe } from '../support/transcribe.js';

const PHRASES = [
  'I would like to check my order status, please.',
  'Hello, how can I help you today?',
  'Can you transfer me to a human agent?',
  'What time do you open tomorrow?',
  'Please cancel my appointment.',
  'Thank you, goodbye!',
];

/** 8 kHz speech through G.711 mu-law and back, as Plivo carries it. */
function telephone(pcm8k: Int16Array): Int16Array {
  return decodeMulaw(encodeMulaw(pcm8k));
}

function upsample(pcm: Int16Array, from: number, to: number): Int16Array {
  const r = createResampler(from, to);
  const out = concatPcm([r.process(pcm), r.flush()]);
  r.destroy();
  return out;
}

const sphinx = requirePocketsphinx();
const espeak = requireEspeak();

describe.skipIf(!sphinx.ok)('transcript oracle (pocketsphinx + JSGF candidates)', () => {
  it('normalises phrases the way the grammar needs them', () => {
    expect(normalisePhrase("  Hello, how're you -- today?! ")).toBe("hello how're you today");
  });

  it('picks the right phrase of flite kal16 speech, wideband and through 8 kHz mu-law', async () => {
    for (const phrase of PHRASES) {
      const wide = await synthesizeSpeech(phrase, { voice: 'kal16', sampleRate: 16000 });
      expect(await transcribe(wide.samples, 16000, PHRASES)).toBe(phrase);
      const phone = telephone((await synthesizeSpeech(phrase, { voice: 'kal16', sampleRate: 8000 })).samples);
      expect(await transcribe(phone, 8000, PHRASES)).toBe(phrase);
    }
  });

  it('tells near-identical candidates apart (the check a barge-in test relies on: said vs heard)', async () => {
    const near = ['Please cancel my order.', 'Please cancel my appointment.', 'Please confirm my appointment.', 'Your order shipped', 'Your order shipped on Monday'];
    for (const phrase of near) {
      const phone = telephone((await synthesizeSpeech(phrase, { voice: 'kal16', sampleRate: 8000 })).samples);
      expect(await transcribe(phone, 8000, near)).toBe(phrase);
    }
  });

  it('recognises telephone audio that was resampled up again (detected as narrowband)', async () => {
    const phone = telephone((await synthesizeSpeech(PHRASES[3] as string, { voice: 'kal16', sampleRate: 8000 })).samples);
    const at16k = upsample(phone, 8000, 16000);
    expect(highBandDb(at16k, 16000)).toBeLessThan(-50);
    expect(await transcribe(at16k, 16000, PHRASES)).toBe(PHRASES[3]);
  });

  it('transcribes clear wideband flite speech even without a grammar', async () => {
    const wide = await synthesizeSpeech('Hello, how can I help you today?', { voice: 'kal16', sampleRate: 16000 });
    expect(await recognise(wide.samples, 16000)).toBe('hello how can i help you today');
  });

  it('returns nothing for silence or noise, rather than a phrase', async () => {
    expect(await transcribe(silence(2000, 8000), 8000, PHRASES)).toBeUndefined();
    expect(await transcribe(noise(2000, 16000, -30, 5), 16000, PHRASES)).toBeUndefined();
  });

  it('refuses a candidate with a word the dictionary lacks', async () => {
    await expect(recognise(silence(500, 16000), 16000, ['hello callwirezz'])).rejects.toThrow(/lacks callwirezz/);
  });

  it.skipIf(!espeak.ok)('picks the right phrase of espeak-ng speech (wideband)', async () => {
    for (const phrase of PHRASES) {
      const pcm = speak(phrase, 16000, { voice: 'en-us+m3', wpm: 140 });
      expect(highBandDb(pcm, 16000)).toBeGreaterThan(-50);
      expect(await transcribe(pcm, 16000, PHRASES)).toBe(phrase);
    }
  });
});
