import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpeechDetector, type SpeechDetectorOptions, type SpeechEvent } from '../../src/agent/speech-detector.js';
import { concatPcm, silence, tone } from '../../src/audio/index.js';
import { nonZeroVad } from '../support/scripted-vad.js';

const RATE = 8000;

/** Build audio from [kind, ms] parts: 's' = digital silence, 'v' = a tone (voiced for the scripted VAD). */
function script(parts: ReadonlyArray<readonly ['s' | 'v', number]>, rate = RATE, amplitude = 0.5): Int16Array {
  return concatPcm(parts.map(([k, ms]) => (k === 's' ? silence(ms, rate) : tone(300, ms, rate, { amplitude, fadeMs: 0, phaseSamples: 1 }))));
}

function run(audio: Int16Array, options: SpeechDetectorOptions = {}, chunk = 160, frameMs = 20, rate = RATE): SpeechEvent[] {
  const det = new SpeechDetector(nonZeroVad(rate, frameMs), { energyFloorDbfs: null, ...options });
  const events: SpeechEvent[] = [];
  for (let i = 0; i < audio.length; i += chunk) events.push(...det.push(audio.subarray(i, i + chunk)));
  events.push(...det.end());
  return events;
}

describe('SpeechDetector hysteresis (scripted VAD, exact times)', () => {
  it('a 100 ms click does not start speech with minSpeechMs 200', () => {
    const audio = script([['s', 500], ['v', 100], ['s', 1000]]);
    expect(run(audio, { minSpeechMs: 200 })).toEqual([]);
  });

  it('speech starts exactly when minSpeechMs of voiced audio has passed, reporting when it began', () => {
    const audio = script([['s', 500], ['v', 800], ['s', 1000]]);
    expect(run(audio, { minSpeechMs: 200, minSilenceMs: 300 })).toEqual([
      { type: 'speech_start', startMs: 500, atMs: 700 },
      { type: 'speech_end', endMs: 1300, atMs: 1600, durationMs: 800 },
    ]);
  });

  it('a 150 ms pause inside speech does not end it with minSilenceMs 300', () => {
    const audio = script([['s', 200], ['v', 600], ['s', 150], ['v', 600], ['s', 1000]]);
    expect(run(audio, { minSpeechMs: 200, minSilenceMs: 300 })).toEqual([
      { type: 'speech_start', startMs: 200, atMs: 400 },
      // The 150 ms pause ends mid-frame, so the last voiced frame is [1540, 1560).
      { type: 'speech_end', endMs: 1560, atMs: 1860, durationMs: 1360 },
    ]);
  });

  it('a pause of exactly minSilenceMs ends the run at the frame that completes it', () => {
    const audio = script([['s', 200], ['v', 600], ['s', 300], ['v', 600], ['s', 1000]]);
    expect(run(audio, { minSpeechMs: 200, minSilenceMs: 300 })).toEqual([
      { type: 'speech_start', startMs: 200, atMs: 400 },
      { type: 'speech_end', endMs: 800, atMs: 1100, durationMs: 600 },
      { type: 'speech_start', startMs: 1100, atMs: 1300 },
      { type: 'speech_end', endMs: 1700, atMs: 2000, durationMs: 600 },
    ]);
  });

  it('onset tolerates gaps up to onsetGapMs, and is strict with 0', () => {
    const audio = script([['s', 100], ['v', 100], ['s', 40], ['v', 120], ['s', 1000]]);
    expect(run(audio, { minSpeechMs: 200, minSilenceMs: 300, onsetGapMs: 40 })).toEqual([
      { type: 'speech_start', startMs: 100, atMs: 340 },
      { type: 'speech_end', endMs: 360, atMs: 660, durationMs: 260 },
    ]);
    expect(run(audio, { minSpeechMs: 200, minSilenceMs: 300, onsetGapMs: 0 })).toEqual([]);
    // A gap longer than the tolerance restarts the count from the next voiced frame.
    const longGap = script([['s', 100], ['v', 100], ['s', 60], ['v', 200], ['s', 1000]]);
    expect(run(longGap, { minSpeechMs: 200, minSilenceMs: 300, onsetGapMs: 40 })).toEqual([
      { type: 'speech_start', startMs: 260, atMs: 460 },
      { type: 'speech_end', endMs: 460, atMs: 760, durationMs: 200 },
    ]);
  });

  it('event times follow 10 ms and 30 ms frames, and 16 kHz audio', () => {
    const a10 = script([['s', 95], ['v', 300], ['s', 600]]);
    // 95 ms of silence puts the first non-zero sample in the frame [90, 100).
    expect(run(a10, { minSpeechMs: 100, minSilenceMs: 200 }, 77, 10)).toEqual([
      { type: 'speech_start', startMs: 90, atMs: 190 },
      { type: 'speech_end', endMs: 400, atMs: 600, durationMs: 310 },
    ]);
    const a30 = script([['s', 90], ['v', 300], ['s', 600]]);
    expect(run(a30, { minSpeechMs: 100, minSilenceMs: 200 }, 1000, 30)).toEqual([
      { type: 'speech_start', startMs: 90, atMs: 210 },
      { type: 'speech_end', endMs: 390, atMs: 600, durationMs: 300 },
    ]);
    const a16 = script([['s', 100], ['v', 300], ['s', 600]], 16000);
    expect(run(a16, { minSpeechMs: 100, minSilenceMs: 200 }, 999, 20, 16000)).toEqual([
      { type: 'speech_start', startMs: 100, atMs: 200 },
      { type: 'speech_end', endMs: 400, atMs: 600, durationMs: 300 },
    ]);
  });

  it('end() closes an open run at its last voiced frame', () => {
    const audio = script([['s', 100], ['v', 500], ['s', 100]]);
    const det = new SpeechDetector(nonZeroVad(RATE), { energyFloorDbfs: null, minSpeechMs: 200, minSilenceMs: 300 });
    expect(det.push(audio)).toEqual([{ type: 'speech_start', startMs: 100, atMs: 300 }]);
    expect(det.speaking).toBe(true);
    expect(det.end()).toEqual([{ type: 'speech_end', endMs: 600, atMs: 700, durationMs: 500 }]);
    expect(det.speaking).toBe(false);
    expect(det.end()).toEqual([]);
  });

  it('exposes speaking, the run length, trailing silence and the last frame level', () => {
    const det = new SpeechDetector(nonZeroVad(RATE), { energyFloorDbfs: null, minSpeechMs: 100, minSilenceMs: 300 });
    expect(det.levelDbfs).toBe(Number.NEGATIVE_INFINITY);
    det.push(silence(200, RATE));
    expect(det.speaking).toBe(false);
    expect(det.speechMs).toBe(0);
    det.push(tone(300, 400, RATE, { amplitude: 0.5, fadeMs: 0, phaseSamples: 1 }));
    expect(det.speaking).toBe(true);
    expect(det.speechMs).toBe(400);
    expect(det.silenceMs).toBe(0);
    // A full-scale sine at amplitude 0.5 has RMS 0.5/sqrt(2): -9.03 dBFS.
    expect(det.levelDbfs).toBeCloseTo(20 * Math.log10(0.5 / Math.SQRT2), 1);
    expect(det.probability).toBe(1);
    det.push(silence(100, RATE));
    expect(det.speechMs).toBe(500);
    expect(det.silenceMs).toBe(100);
    expect(det.levelDbfs).toBe(Number.NEGATIVE_INFINITY);
    expect(det.processedMs).toBe(700);
    // Half a frame is held back, not classified.
    det.push(silence(10, RATE));
    expect(det.processedMs).toBe(700);
  });

  it('the energy floor ignores quiet frames the VAD calls voiced', () => {
    // amplitude 0.001 -> RMS about -63 dBFS.
    const quiet = script([['s', 100], ['v', 1000], ['s', 500]], RATE, 0.001);
    expect(run(quiet, { energyFloorDbfs: -50 })).toEqual([]);
    expect(run(quiet, { energyFloorDbfs: null }).map((e) => e.type)).toEqual(['speech_start', 'speech_end']);
    const loud = script([['s', 100], ['v', 1000], ['s', 500]], RATE, 0.1);
    expect(run(loud, { energyFloorDbfs: -50 }).map((e) => e.type)).toEqual(['speech_start', 'speech_end']);
  });

  it('reset forgets a half-started run, resets the VAD, and keeps audio time', () => {
    const vad = nonZeroVad(RATE);
    const det = new SpeechDetector(vad, { energyFloorDbfs: null, minSpeechMs: 200 });
    det.push(script([['v', 160]]));
    det.reset();
    expect(vad.resets).toBe(1);
    expect(det.push(script([['v', 100]]))).toEqual([]);
    expect(det.push(script([['v', 100]]))).toEqual([{ type: 'speech_start', startMs: 160, atMs: 360 }]);
    det.destroy();
    expect(vad.destroyed).toBe(true);
  });

  it('rejects nonsense settings with CONFIG_INVALID', () => {
    const vad = nonZeroVad(RATE);
    for (const bad of [{ minSpeechMs: -1 }, { minSilenceMs: Number.NaN }, { onsetGapMs: 1e9 }, { energyFloorDbfs: 3 }, { threshold: 0 }, { threshold: 2 }]) {
      expect(() => new SpeechDetector(vad, bad)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
  });

  it('events do not depend on how the audio is chunked, and keep their invariants (property)', () => {
    const part = fc.tuple(fc.constantFrom<'s' | 'v'>('s', 'v'), fc.integer({ min: 1, max: 40 }).map((f) => f * 20));
    fc.assert(
      fc.property(
        fc.array(part, { minLength: 1, maxLength: 25 }),
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 15 }).map((f) => f * 20),
        fc.integer({ min: 1, max: 30 }).map((f) => f * 20),
        fc.constantFrom(0, 20, 40),
        (parts, sizes, minSpeechMs, minSilenceMs, onsetGapMs) => {
          const audio = script(parts);
          const options = { minSpeechMs, minSilenceMs, onsetGapMs };
          const whole = run(audio, options, audio.length + 1);
          const det = new SpeechDetector(nonZeroVad(RATE), { energyFloorDbfs: null, ...options });
          const chunked: SpeechEvent[] = [];
          for (let i = 0, k = 0; i < audio.length; k++) {
            const n = sizes[k % sizes.length] as number;
            chunked.push(...det.push(audio.subarray(i, i + n)));
            i += n;
          }
          chunked.push(...det.end());
          expect(chunked).toEqual(whole);
          const totalMs = (audio.length * 1000) / RATE;
          whole.forEach((e, i) => {
            expect(e.type).toBe(i % 2 === 0 ? 'speech_start' : 'speech_end');
            if (e.type === 'speech_start') {
              expect(e.atMs - e.startMs).toBeGreaterThanOrEqual(minSpeechMs);
              expect(e.atMs % 20).toBe(0);
            } else {
              const start = whole[i - 1] as Extract<SpeechEvent, { type: 'speech_start' }>;
              expect(e.durationMs).toBe(e.endMs - start.startMs);
              expect(e.endMs).toBeGreaterThanOrEqual(start.atMs);
              // Either the silence reached minSilenceMs exactly, or the audio ended first.
              if (e.atMs - e.endMs !== minSilenceMs) {
                expect(e.atMs).toBe(Math.floor(totalMs / 20) * 20);
                expect(e.atMs - e.endMs).toBeLessThan(minSilenceMs);
              }
            }
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
