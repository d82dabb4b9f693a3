import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpeechDetector, type SpeechEvent } from '../../src/agent/speech-detector.js';
import { concatPcm, dbfs, silence } from '../../src/audio/index.js';
import { WEBRTC_VAD_RATES, webRtcVad } from '../../src/providers/webrtc-vad/index.js';
import { fvadMemoryBytes } from '../../src/providers/webrtc-vad/webrtc-vad.js';
import type { Vad } from '../../src/providers/types.js';
import { requireEspeak } from '../support/debian.js';
import { speak } from '../support/espeak.js';
import { noise, voiced } from '../support/signals.js';

function verdicts(vad: Vad, audio: Int16Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + vad.frameSamples <= audio.length; i += vad.frameSamples) out.push(vad.process(audio.subarray(i, i + vad.frameSamples)));
  return out;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

async function detect(audio: Int16Array, rate: number, chunk = 160): Promise<SpeechEvent[]> {
  const det = await SpeechDetector.create(webRtcVad(), rate);
  const events: SpeechEvent[] = [];
  for (let i = 0; i < audio.length; i += chunk) events.push(...det.push(audio.subarray(i, i + chunk)));
  events.push(...det.end());
  det.destroy();
  return events;
}

describe('WebRTC VAD (libfvad WASM)', () => {
  it('tells a voiced signal from digital silence at every rate, frame length and mode', async () => {
    for (const rate of WEBRTC_VAD_RATES) {
      for (const frameMs of [10, 20, 30] as const) {
        for (const mode of [0, 1, 2, 3] as const) {
          const vad = await webRtcVad({ mode, frameMs }).create(rate);
          expect(vad.sampleRate).toBe(rate);
          expect(vad.frameSamples).toBe((rate * frameMs) / 1000);
          expect(mean(verdicts(vad, silence(600, rate)))).toBe(0);
          // Syllabic, as speech is: a steady 1 s vowel reads as stationary noise to mode 3 at
          // 30 ms frames. Skip the first 100 ms, where the envelope is still near zero.
          expect(mean(verdicts(vad, voiced(1000, rate, { syllableHz: 3 })).slice(100 / frameMs))).toBeGreaterThan(0.95);
          vad.destroy();
        }
      }
    }
  });

  it('ignores quiet steady noise once its noise model has adapted', async () => {
    for (const rate of [8000, 16000]) {
      const vad = await webRtcVad().create(rate);
      const v = verdicts(vad, noise(3000, rate, -45, 7));
      // The first few frames may be called speech while the model adapts (measured: 4).
      expect(mean(v.slice(10))).toBe(0);
      vad.destroy();
    }
  });

  it('keeps per-call state separate: interleaved handles give the same verdicts as one at a time', async () => {
    const provider = webRtcVad();
    const a = concatPcm([voiced(500, 8000, { syllableHz: 4 }), noise(500, 8000, -45, 3), voiced(500, 8000, { f0: 210 })]);
    const b = concatPcm([noise(700, 8000, -40, 9), voiced(800, 8000, { syllableHz: 3 })]);
    const alone = async (x: Int16Array): Promise<number[]> => {
      const v = await provider.create(8000);
      const r = verdicts(v, x);
      v.destroy();
      return r;
    };
    const refA = await alone(a);
    const refB = await alone(b);
    const va = await provider.create(8000);
    const vb = await provider.create(8000);
    const gotA: number[] = [];
    const gotB: number[] = [];
    for (let i = 0; i + 160 <= a.length; i += 160) {
      gotA.push(va.process(a.subarray(i, i + 160)));
      gotB.push(vb.process(b.subarray(i, i + 160)));
    }
    expect(gotA).toEqual(refA);
    expect(gotB).toEqual(refB.slice(0, gotB.length));
    // reset() returns a handle to its initial state.
    va.reset();
    expect(verdicts(va, a)).toEqual(refA);
    va.destroy();
    vb.destroy();
  });

  it('frees the handles of VADs dropped without destroy() once they are collected (child process, --expose-gc)', () => {
    const script = join(import.meta.dirname, '../fixtures/vad-finalizer.ts');
    const run = (mode: string): { before: number; after: number } => {
      const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, mode], { encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { before: number; after: number };
    };
    // 20,000 handles hold about 12 MB; freed ones are reused, so memory barely moves (a
    // finalizer delayed under load may cost a growth step, hence the 2 MB allowance).
    const dropped = run('drop');
    expect(dropped.after - dropped.before).toBeLessThan(2_000_000);
    // Control: the same VADs kept referenced do grow the WASM memory.
    const kept = run('leak');
    expect(kept.after - kept.before).toBeGreaterThan(10_000_000);
  });

  it('rejects bad frames, rates and settings with stable codes, and refuses use after destroy', async () => {
    const vad = await webRtcVad().create(8000);
    expect(() => vad.process(new Int16Array(100))).toThrow(expect.objectContaining({ code: 'AUDIO_INVALID_FORMAT' }));
    vad.destroy();
    vad.destroy(); // idempotent
    expect(() => vad.process(new Int16Array(160))).toThrow(expect.objectContaining({ code: 'AUDIO_DESTROYED' }));
    await expect(webRtcVad().create(22050)).rejects.toMatchObject({ code: 'AUDIO_UNSUPPORTED_RATE' });
    expect(() => webRtcVad({ mode: 4 as 3 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => webRtcVad({ frameMs: 25 as 20 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('does not leak WASM memory across many calls (handles are freed on destroy)', async () => {
    const provider = webRtcVad();
    const first = await provider.create(16000);
    first.destroy();
    const before = await fvadMemoryBytes();
    expect(before).toBeGreaterThan(0);
    // The WASM memory grows rather than failing, so a leak shows as growth: 20k leaked
    // handles (state + a 640-byte frame buffer each) would add more than 20 MB.
    for (let i = 0; i < 20_000; i++) (await provider.create(16000)).destroy();
    expect(await fvadMemoryBytes()).toBe(before);
    const last = await provider.create(16000);
    expect(mean(verdicts(last, voiced(500, 16000, { syllableHz: 3 })).slice(5))).toBe(1);
    last.destroy();
  });
});

describe('SpeechDetector over the WebRTC VAD', () => {
  for (const rate of [8000, 16000]) {
    it(`finds syllabic speech between silences at ${rate} Hz, to within a frame or two`, async () => {
      const audio = concatPcm([silence(1000, rate), voiced(2000, rate, { syllableHz: 4 }), silence(1500, rate)]);
      const events = await detect(audio, rate, 333);
      expect(events.map((e) => e.type)).toEqual(['speech_start', 'speech_end']);
      const [start, end] = events as [Extract<SpeechEvent, { type: 'speech_start' }>, Extract<SpeechEvent, { type: 'speech_end' }>];
      // The envelope is a raised cosine, zero at 1000 ms: the first frames above -50 dBFS come slightly later.
      expect(start.startMs).toBeGreaterThanOrEqual(1000);
      expect(start.startMs).toBeLessThanOrEqual(1060);
      expect(start.atMs).toBe(start.startMs + 200);
      expect(end.endMs).toBeGreaterThanOrEqual(2940);
      expect(end.endMs).toBeLessThanOrEqual(3000);
      expect(end.atMs).toBe(end.endMs + 400);
    });
  }

  it('a 100 ms click does not start speech; quiet line noise never does; speech over that noise does', async () => {
    const rate = 8000;
    expect(await detect(concatPcm([silence(500, rate), voiced(100, rate), silence(1000, rate)]), rate)).toEqual([]);
    expect(await detect(noise(5000, rate, -45, 11), rate)).toEqual([]);
    expect(await detect(noise(5000, rate, -58, 12), rate)).toEqual([]);
    const bg = noise(4000, rate, -45, 13);
    const talk = concatPcm([silence(1000, rate), voiced(1500, rate, { syllableHz: 4, amplitude: 0.25 }), silence(1500, rate)]);
    const mixed = new Int16Array(bg.length);
    for (let i = 0; i < mixed.length; i++) mixed[i] = Math.max(-32768, Math.min(32767, (bg[i] as number) + (talk[i] as number)));
    const events = await detect(mixed, rate);
    expect(events.map((e) => e.type)).toEqual(['speech_start', 'speech_end']);
    expect((events[0] as { startMs: number }).startMs).toBeGreaterThanOrEqual(1000);
    expect((events[0] as { startMs: number }).startMs).toBeLessThanOrEqual(1100);
  });

  const espeak = requireEspeak();
  it.skipIf(!espeak.ok)('finds real (espeak-ng) speech and splits it at a long pause, not at word gaps', async () => {
    for (const rate of [8000, 16000]) {
      const hello = speak('Hello, how can I help you today?', rate);
      const order = speak('I would like to check my order status, please.', rate);
      const audio = concatPcm([silence(800, rate), hello, silence(900, rate), order, silence(1200, rate)]);
      const events = await detect(audio, rate, 441);
      expect(events.map((e) => e.type)).toEqual(['speech_start', 'speech_end', 'speech_start', 'speech_end']);
      // Ground truth from the signal: the first and last 20 ms frame above -45 dBFS of each utterance.
      const loud = (pcm: Int16Array, offsetMs: number): [number, number] => {
        const n = rate / 50;
        let first = -1;
        let last = -1;
        for (let i = 0; i + n <= pcm.length; i += n) {
          if (dbfs(pcm.subarray(i, i + n)) > -45) {
            if (first < 0) first = i;
            last = i + n;
          }
        }
        return [offsetMs + (first * 1000) / rate, offsetMs + (last * 1000) / rate];
      };
      const helloMs = (hello.length * 1000) / rate;
      const [h0, h1] = loud(hello, 800);
      const [o0, o1] = loud(order, 800 + helloMs + 900);
      const [s1, e1, s2, e2] = events as unknown as [
        { startMs: number },
        { endMs: number; atMs: number },
        { startMs: number },
        { endMs: number; atMs: number },
      ];
      expect(Math.abs(s1.startMs - h0)).toBeLessThanOrEqual(60);
      expect(Math.abs(e1.endMs - h1)).toBeLessThanOrEqual(100);
      expect(Math.abs(s2.startMs - o0)).toBeLessThanOrEqual(60);
      expect(Math.abs(e2.endMs - o1)).toBeLessThanOrEqual(100);
      expect(e1.atMs - e1.endMs).toBe(400);
    }
  });
});
