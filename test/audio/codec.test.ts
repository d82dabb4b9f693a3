import { describe, expect, it } from 'vitest';
import { WireDecoder, WireEncoder, dtmfTone, highBandRatio, rms, silence, tone, wireToPcm } from '../../src/audio/index.js';
import { STREAM_FORMATS } from '../../src/protocol/index.js';

describe('wire codec', () => {
  it('encodes 24 kHz TTS audio to each stream format with the right frame sizes, and decodes back', () => {
    for (const f of Object.values(STREAM_FORMATS)) {
      const enc = new WireEncoder(f, 24000);
      const dec = new WireDecoder(f, 16000);
      const wire = enc.encode(tone(440, 20, 24000, { amplitude: 0.5 }));
      expect(wire.length).toBe(f.frameBytes);
      const back = dec.decode(wire);
      expect(back.length).toBe(320);
      enc.destroy();
      dec.destroy();
    }
  });

  it('a tone survives mu-law at about its level', () => {
    const f = STREAM_FORMATS['mulaw/8000'];
    const enc = new WireEncoder(f, 8000);
    const pcm = tone(1000, 200, 8000, { amplitude: 0.5, fadeMs: 0 });
    const back = wireToPcm(f, enc.encode(pcm));
    expect(Math.abs(rms(back) - rms(pcm)) / rms(pcm)).toBeLessThan(0.02);
  });

  it('levels: rms of silence is 0; the high-band ratio separates a 3.4 kHz tone from a 300 Hz tone at 8 kHz', () => {
    expect(rms(silence(20, 8000))).toBe(0);
    expect(highBandRatio(tone(3400, 200, 8000))).toBeGreaterThan(0.8);
    expect(highBandRatio(tone(300, 200, 8000))).toBeLessThan(0.1);
  });
});

describe('dtmfTone', () => {
  it('makes a tone for every digit and refuses prototype member names with a code', () => {
    for (const d of '0123456789ABCD*#') expect(rms(dtmfTone(d, 20, 8000))).toBeGreaterThan(0.1);
    for (const d of ['__proto__', 'constructor', 'toString', 'E', '']) {
      expect(() => dtmfTone(d, 20, 8000)).toThrow(expect.objectContaining({ code: 'AUDIO_INVALID_FORMAT' }));
    }
  });
});

describe('signal durations and rates', () => {
  it('refuses a negative, non-finite or over-an-hour duration and a bad rate with a code, not a RangeError', () => {
    const code = (c: string) => expect.objectContaining({ code: c });
    for (const ms of [-1, -20, Number.NaN, Number.POSITIVE_INFINITY, 3_600_001, 1e12]) {
      expect(() => silence(ms, 8000)).toThrow(code('AUDIO_INVALID_FORMAT'));
      expect(() => tone(440, ms, 8000)).toThrow(code('AUDIO_INVALID_FORMAT'));
      expect(() => dtmfTone('1', ms, 8000)).toThrow(code('AUDIO_INVALID_FORMAT'));
    }
    for (const rate of [-8000, 0, 8000.5, Number.NaN, 1e9]) {
      expect(() => silence(20, rate)).toThrow(code('AUDIO_UNSUPPORTED_RATE'));
      expect(() => tone(440, 20, rate)).toThrow(code('AUDIO_UNSUPPORTED_RATE'));
    }
    expect(silence(0, 8000).length).toBe(0);
    expect(silence(3_600_000, 8000).length).toBe(28_800_000);
  });
});
