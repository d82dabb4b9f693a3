import { describe, expect, it } from 'vitest';
import { decodeWav, encodeMulaw, encodeWav, interleaveStereo, isWav, parseWav, stripWavHeader, tone } from '../../src/audio/index.js';

function wavWith(tag: number, channels: number, rate: number, bits: number, data: Uint8Array, extraChunk = false): Uint8Array {
  const extra = extraChunk ? 8 + 6 : 0;
  const out = new Uint8Array(44 + extra + data.length);
  const dv = new DataView(out.buffer);
  const ascii = (at: number, s: string) => { for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i); };
  ascii(0, 'RIFF');
  dv.setUint32(4, out.length - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  dv.setUint32(16, 16, true);
  dv.setUint16(20, tag, true);
  dv.setUint16(22, channels, true);
  dv.setUint32(24, rate, true);
  dv.setUint32(28, (rate * channels * bits) / 8, true);
  dv.setUint16(32, (channels * bits) / 8, true);
  dv.setUint16(34, bits, true);
  let at = 36;
  if (extraChunk) {
    ascii(at, 'LIST');
    dv.setUint32(at + 4, 6, true);
    at += 14;
  }
  ascii(at, 'data');
  dv.setUint32(at + 4, data.length, true);
  out.set(data, at + 8);
  return out;
}

describe('WAV', () => {
  it('detects, parses and strips a header, reading rate, channels and encoding', () => {
    const pcm = tone(440, 100, 16000);
    const wav = encodeWav(pcm, 16000);
    expect(isWav(wav)).toBe(true);
    const info = parseWav(wav);
    expect(info).toMatchObject({ encoding: 'pcm', sampleRate: 16000, channels: 1, bitsPerSample: 16, headerBytes: 44 });
    expect(stripWavHeader(wav).length).toBe(pcm.length * 2);
    const raw = new Uint8Array([1, 2, 3]);
    expect(stripWavHeader(raw)).toBe(raw);
    expect(Array.from(decodeWav(wav).samples)).toEqual(Array.from(pcm));
  });

  it('skips unknown chunks and decodes 8-bit, 24-bit, float, mu-law and stereo to mono PCM16', () => {
    expect(decodeWav(wavWith(1, 1, 8000, 8, new Uint8Array([128, 255, 0]), true)).samples).toEqual(Int16Array.from([0, 127 << 8, -32768]));
    const b24 = new Uint8Array([0x00, 0x34, 0x12]);
    expect(decodeWav(wavWith(1, 1, 8000, 24, b24)).samples[0]).toBe(0x1234);
    const f32 = new Uint8Array(new Float32Array([0.5, -1]).buffer);
    expect(Array.from(decodeWav(wavWith(3, 1, 8000, 32, f32)).samples)).toEqual([Math.round(0.5 * 32767), -32767]);
    const mu = encodeMulaw(Int16Array.from([1000, -1000]));
    const muDecoded = decodeWav(wavWith(7, 1, 8000, 8, mu));
    expect(muDecoded.sampleRate).toBe(8000);
    expect(Math.abs((muDecoded.samples[0] as number) - 1000)).toBeLessThan(40);
    const stereo = interleaveStereo(Int16Array.from([100, 200]), Int16Array.from([300]));
    expect(Array.from(decodeWav(encodeWav(stereo, 8000, 2)).samples)).toEqual([200, 100]);
  });

  it('tolerates streamed WAVs with unknown sizes', () => {
    const wav = encodeWav(Int16Array.from([5, 6, 7]), 8000);
    new DataView(wav.buffer).setUint32(40, 0xffffffff, true);
    expect(parseWav(wav).data.length).toBe(6);
  });

  it('rejects broken files with coded errors', () => {
    expect(() => parseWav(new Uint8Array(10))).toThrowError(expect.objectContaining({ code: 'AUDIO_INVALID_WAV' }));
    const noData = encodeWav(new Int16Array(0), 8000).subarray(0, 36);
    expect(() => parseWav(noData)).toThrowError(expect.objectContaining({ code: 'AUDIO_INVALID_WAV' }));
    expect(() => parseWav(wavWith(85, 1, 8000, 16, new Uint8Array(4)))).toThrowError(expect.objectContaining({ code: 'AUDIO_UNSUPPORTED_ENCODING' }));
  });
});
