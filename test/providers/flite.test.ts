import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeMulaw } from '../../src/audio/mulaw.js';
import { l16ToPcm } from '../../src/audio/pcm.js';
import { rms } from '../../src/audio/level.js';
import { isCallwireError } from '../../src/errors.js';
import { FLITE_VOICES, FlitePool, MAX_FLITE_TEXT, chooseFliteFormat, fliteTts, synthesizeSpeech } from '../../src/providers/flite/index.js';
import type { FliteVoice } from '../../src/providers/flite/index.js';
import { needsDebian, transcribe } from '../support/debian.js';

const pool = new FlitePool({ size: 1 });
afterAll(() => pool.close());

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return isCallwireError(e) ? e.code : String(e);
  }
}

function context(signal = new AbortController().signal) {
  return { signal, callId: 'c', streamId: 's', now: () => performance.now() };
}

describe('synthesizeSpeech', () => {
  it('speaks with every built-in voice at its native rate', async () => {
    for (const voice of Object.keys(FLITE_VOICES) as FliteVoice[]) {
      const { samples, sampleRate } = await synthesizeSpeech('Hello there.', { voice, pool });
      expect(sampleRate).toBe(FLITE_VOICES[voice]);
      const seconds = samples.length / sampleRate;
      expect(seconds, voice).toBeGreaterThan(0.4);
      expect(seconds, voice).toBeLessThan(3);
      expect(rms(samples), voice).toBeGreaterThan(500);
    }
  });

  it('resamples to the requested rate, keeping the duration', async () => {
    const a = await synthesizeSpeech('One two three four.', { pool });
    const b = await synthesizeSpeech('One two three four.', { sampleRate: 8000, pool });
    const c = await synthesizeSpeech('One two three four.', { sampleRate: 24000, pool });
    expect(b.sampleRate).toBe(8000);
    expect(Math.abs(b.samples.length / 8000 - a.samples.length / 16000)).toBeLessThan(0.01);
    expect(Math.abs(c.samples.length / 24000 - a.samples.length / 16000)).toBeLessThan(0.01);
  });

  it('returns empty audio for blank text without running flite', async () => {
    const closed = new FlitePool();
    await closed.close();
    expect((await synthesizeSpeech('   ', { pool: closed, sampleRate: 8000 })).samples.length).toBe(0);
  });

  it('is recognised word for word by pocketsphinx (kal16)', async (ctx) => {
    needsDebian(ctx, 'pocketsphinx_continuous', 'pocketsphinx pocketsphinx-en-us');
    const { samples } = await synthesizeSpeech('Hello, how can I help you today?', { pool });
    expect(transcribe(samples)).toBe('hello how can i help you today');
  });

  it('rejects unknown voices and over-long text with stable codes', async () => {
    expect(await codeOf(synthesizeSpeech('x', { voice: 'robot', pool }))).toBe('CONFIG_INVALID');
    expect(await codeOf(synthesizeSpeech('a'.repeat(MAX_FLITE_TEXT + 1), { pool }))).toBe('PROVIDER_BAD_REQUEST');
  });
});

describe('FlitePool', () => {
  it('bounds its queue and cancels queued and running requests', async () => {
    const p = new FlitePool({ size: 1, maxQueue: 3 });
    const first = new AbortController();
    const third = new AbortController();
    const a = p.synthesize('The first sentence is a long one, so the queue fills up behind it.', 'slt', first.signal);
    const b = p.synthesize('Second.', 'kal');
    const c = p.synthesize('Third.', 'kal', third.signal);
    expect(await codeOf(p.synthesize('Fourth.', 'kal'))).toBe('PROVIDER_RATE_LIMITED');
    third.abort();
    expect(await codeOf(c)).toBe('PROVIDER_CANCELLED');
    // Wait until the first one is running, then abort it: it settles at once, its result is dropped.
    while (p.running === 0) await new Promise((r) => setTimeout(r, 1));
    first.abort();
    expect(await codeOf(a)).toBe('PROVIDER_CANCELLED');
    const wav = await b;
    expect(String.fromCharCode(...wav.subarray(0, 4))).toBe('RIFF');
    expect(p.queued).toBe(0);
    await p.close();
  });

  it('rejects pending work on close and refuses new work', async () => {
    const p = new FlitePool({ size: 1 });
    await p.synthesize('Warm up.', 'kal');
    const pending = [codeOf(p.synthesize('One.', 'kal')), codeOf(p.synthesize('Two.', 'kal'))];
    await p.close();
    expect(await Promise.all(pending)).toEqual(['PROVIDER_UNAVAILABLE', 'PROVIDER_UNAVAILABLE']);
    expect(await codeOf(p.synthesize('Three.', 'kal'))).toBe('PROVIDER_UNAVAILABLE');
  });

  it('never keeps the process alive, prints no WASI warning, writes no temp files and keeps no descriptor per utterance', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../fixtures/flite-exit.ts')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/ExperimentalWarning|WASI/);
    const out = JSON.parse(r.stdout) as { samples: number; dirs: string[]; fdGrowth: number | null };
    expect(out.samples).toBeGreaterThan(2000);
    expect(out.dirs).toEqual([]);
    // 30 more utterances on two voices: node:wasi left 30 directory descriptors open here.
    if (out.fdGrowth !== null) expect(out.fdGrowth).toBeLessThanOrEqual(2);
  });

  it('works when the parent process runs with --input-type=module (workers do not inherit it)', () => {
    const fixture = join(import.meta.dirname, '../fixtures/flite-exit.ts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `await import(${JSON.stringify(fixture)})`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { samples: number }).samples).toBeGreaterThan(2000);
  });
});

describe('fliteTts provider', () => {
  it('picks the first preferred format it can produce', () => {
    expect(chooseFliteFormat([{ encoding: 'mulaw', sampleRate: 16000 }, { encoding: 'mulaw', sampleRate: 8000 }], 16000)).toEqual({ encoding: 'mulaw', sampleRate: 8000 });
    expect(chooseFliteFormat([{ encoding: 'pcm16', sampleRate: 16000 }], 8000)).toEqual({ encoding: 'pcm16', sampleRate: 16000 });
    expect(chooseFliteFormat([{ encoding: 'mulaw', sampleRate: 16000 }], 16000)).toEqual({ encoding: 'pcm16', sampleRate: 16000 });
  });

  it('yields mu-law/8k for a mu-law call in 100 ms chunks', async () => {
    const tts = fliteTts({ pool });
    expect(tts.name).toBe('flite');
    const session = await tts.open({ ...context(), preferred: [{ encoding: 'mulaw', sampleRate: 8000 }] });
    expect(session.audio).toEqual({ encoding: 'mulaw', sampleRate: 8000 });
    const chunks: Uint8Array[] = [];
    for await (const c of session.synthesize('Welcome to the demo.', { signal: new AbortController().signal })) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks.slice(0, -1)) expect(c.length).toBe(800);
    const pcm = decodeMulaw(Buffer.concat(chunks));
    expect(rms(pcm)).toBeGreaterThan(500);
    await session.close();
  });

  it('yields PCM16 at the requested L16 rate', async () => {
    const session = await fliteTts({ pool, voice: 'kal' }).open({ ...context(), preferred: [{ encoding: 'pcm16', sampleRate: 16000 }] });
    const chunks: Uint8Array[] = [];
    for await (const c of session.synthesize('Sixteen thousand.', { signal: new AbortController().signal })) chunks.push(c);
    for (const c of chunks.slice(0, -1)) expect(c.length).toBe(3200);
    expect(rms(l16ToPcm(Buffer.concat(chunks)))).toBeGreaterThan(500);
  });

  it('ends the iterator quietly when the segment or the call is aborted', async () => {
    const call = new AbortController();
    const session = await fliteTts({ pool }).open({ ...context(call.signal), preferred: [{ encoding: 'mulaw', sampleRate: 8000 }] });
    const seg = new AbortController();
    let n = 0;
    for await (const _ of session.synthesize('This sentence is cut off after its first chunk.', { signal: seg.signal })) {
      n++;
      seg.abort();
    }
    expect(n).toBe(1);
    call.abort();
    let m = 0;
    for await (const _ of session.synthesize('Never spoken.', { signal: new AbortController().signal })) m++;
    expect(m).toBe(0);
    await session.close();
    expect(await codeOf((async () => { for await (const _ of session.synthesize('x', { signal: new AbortController().signal })); })())).toBe('PROVIDER_UNAVAILABLE');
  });
});
