import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseWav, tone } from '../../src/audio/index.js';
import { CallRecorder, recordingFileName } from '../../src/store/recorder.js';
import { MemoryStreamStore } from '../../src/store/memory-store.js';
import { tempDir } from '../support/store-fixtures.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dir(): string {
  const t = tempDir('callwire-rec-');
  cleanups.push(t.cleanup);
  return t.dir;
}

/** Split a stereo WAV into its channels. */
function channels(path: string): { left: Int16Array; right: Int16Array; rate: number; info: ReturnType<typeof parseWav> } {
  const bytes = new Uint8Array(readFileSync(path));
  const info = parseWav(bytes);
  const frames = info.data.length / 4;
  const dv = new DataView(info.data.buffer, info.data.byteOffset, info.data.byteLength);
  const left = new Int16Array(frames);
  const right = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    left[i] = dv.getInt16(i * 4, true);
    right[i] = dv.getInt16(i * 4 + 2, true);
  }
  return { left, right, rate: info.sampleRate, info };
}

/** A distinct, never-zero ramp so positions can be checked sample by sample. */
function ramp(n: number, base: number): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = base + (i % 1000) + 1;
  return out;
}

describe('CallRecorder', () => {
  it('writes caller left and bot right, aligned on the caller timeline, and links the file to the record', async () => {
    const store = new MemoryStreamStore();
    cleanups.push(() => store.close());
    const d = dir();
    const rec = await CallRecorder.open({ streamId: 'rec-1', sampleRate: 8000, dir: d, store });
    const caller = ramp(8000 * 3, 0); // 3 s
    const botA = ramp(1600, 10_000); // 200 ms, starts when the bot speaks at 0.5 s
    const botB = ramp(2400, 20_000); // 300 ms, queued right after A
    const botC = ramp(800, -5000); // placed explicitly at 2.5 s
    for (let i = 0; i < caller.length; i += 160) {
      if (i === 4000) {
        rec.bot(botA);
        rec.bot(botB);
      }
      if (i === 8000) rec.bot(botC, 2500);
      rec.caller(caller.subarray(i, i + 160));
    }
    const result = await rec.close();
    expect(result).toEqual({ path: join(d, 'rec-1.wav'), durationMs: 3000, recordedMs: 3000, bytes: 44 + 3 * 8000 * 4, droppedMs: 0 });
    const { left, right, rate, info } = channels(result.path);
    expect(info.channels).toBe(2);
    expect(rate).toBe(8000);
    expect(left).toEqual(caller);
    const expected = new Int16Array(caller.length);
    expected.set(botA, 4000);
    expected.set(botB, 5600);
    expected.set(botC, 20_000);
    expect(right).toEqual(expected);
    await store.flush();
    expect((await store.getStream('rec-1'))?.recordingPath).toBe(result.path);
  });

  it('clearBot() removes bot audio the caller never heard (barge-in)', async () => {
    const rec = await CallRecorder.open({ streamId: 'barge', sampleRate: 8000, dir: dir() });
    rec.caller(new Int16Array(800)); // 100 ms
    rec.bot(ramp(8000, 100)); // a 1 s sentence starts at 100 ms
    rec.caller(new Int16Array(2400)); // 300 ms of it played
    rec.clearBot();
    rec.caller(new Int16Array(4000));
    rec.bot(ramp(400, 7000)); // the next reply starts now, not after the cleared audio
    rec.caller(new Int16Array(800));
    const { right } = channels((await rec.close()).path);
    const expected = new Int16Array(800 + 2400 + 4000 + 800);
    expected.set(ramp(8000, 100).subarray(0, 2400), 800);
    expected.set(ramp(400, 7000), 7200);
    expect(right).toEqual(expected);
  });

  it('streams to disk during the call, and a file left unclosed is still a readable WAV', async () => {
    const rec = await CallRecorder.open({ streamId: 'live', sampleRate: 16000, dir: dir() });
    for (let i = 0; i < 50 * 4; i++) rec.caller(tone(440, 20, 16000, { phaseSamples: i * 320 }));
    // 4 s were pushed; all but the last partial slice is on disk before close().
    await expect.poll(() => statSync(rec.path).size, { timeout: 10_000 }).toBeGreaterThanOrEqual(44 + 3.5 * 16000 * 4);
    const unclosed = parseWav(new Uint8Array(readFileSync(rec.path)));
    expect(unclosed).toMatchObject({ channels: 2, sampleRate: 16000 });
    const result = await rec.close();
    expect(result.durationMs).toBe(4000);
    expect(channels(result.path).left.length).toBe(4 * 16000);
  });

  it('drops bot audio outside the window it can place, and counts it', async () => {
    const rec = await CallRecorder.open({ streamId: 'edges', sampleRate: 8000, dir: dir(), maxAheadMs: 1000 });
    rec.caller(new Int16Array(8000)); // 1 s, committed to disk
    rec.bot(ramp(800, 1), 0); // 100 ms placed in the past: all of it is already on disk
    rec.bot(ramp(16_000, 1)); // 2 s from now, but only 1 s ahead is allowed
    rec.caller(new Int16Array(16_000));
    const result = await rec.close();
    expect(result.droppedMs).toBe(100 + 1000);
    const { right } = channels(result.path);
    expect(right.subarray(8000, 16_000)).toEqual(ramp(8000, 1));
    expect(right.subarray(16_000).every((s) => s === 0)).toBe(true);
  });

  it('refuses maxAheadMs or maxPendingBytes it cannot work with at open, before making a file', async () => {
    // maxAheadMs NaN used to open fine and then make every bot() a RangeError.
    const d = dir();
    for (const maxAheadMs of [Number.NaN, -1, Number.POSITIVE_INFINITY, 3_600_001]) {
      await expect(CallRecorder.open({ streamId: 'a', sampleRate: 8000, dir: d, maxAheadMs })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('maxAheadMs must be 0 to 3600000 ms') });
    }
    for (const maxPendingBytes of [Number.NaN, -1, 0.5, 2 ** 31]) {
      await expect(CallRecorder.open({ streamId: 'p', sampleRate: 8000, dir: d, maxPendingBytes })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('maxPendingBytes') });
    }
    expect(readdirSync(d)).toEqual([]);
    const rec = await CallRecorder.open({ streamId: 'zero', sampleRate: 8000, dir: d, maxAheadMs: 0 });
    rec.caller(new Int16Array(160));
    rec.bot(new Int16Array(160));
    expect((await rec.close()).droppedMs).toBe(20);
  });

  it('keeps a stream id from escaping the recordings directory', async () => {
    expect(recordingFileName('../../etc/passwd')).toBe('_2e_2e_2f_2e_2e_2fetc_2fpasswd.wav');
    expect(recordingFileName('')).toBe('_.wav');
    const d = dir();
    const rec = await CallRecorder.open({ streamId: '../evil/../id', sampleRate: 8000, dir: d });
    expect(rec.path.startsWith(`${d}/`)).toBe(true);
    await rec.close();
  });

  it('a file that cannot be created is a coded error at open', async () => {
    // /dev/full opens, but the header write fails with ENOSPC.
    await expect(CallRecorder.open({ streamId: 'full', sampleRate: 8000, path: '/dev/full' })).rejects.toMatchObject({ code: 'STORE_RECORDING_FAILED' });
    await expect(CallRecorder.open({ streamId: 'y', sampleRate: 7, dir: dir() })).rejects.toMatchObject({ code: 'AUDIO_UNSUPPORTED_RATE' });
  });

  it('a disk that fills up mid-call stops the recording, never the call, and close() reports it', () => {
    const d = dir();
    // ulimit -f 64: files may not exceed 64 KiB, about 2 s of 8 kHz stereo; writes past it fail (EFBIG).
    const script = join(import.meta.dirname, '../fixtures/recorder-disk-full.ts');
    const r = spawnSync('bash', ['-c', 'ulimit -f 64 && exec "$0" --import tsx "$1" "$2"', process.execPath, script, d], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { threw: number; error?: string; durationMs: number; recordedMs: number; droppedMs: number; bytes: number; path: string };
    expect(out.threw).toBe(0);
    expect(out.error).toBe('STORE_RECORDING_FAILED');
    expect(out.durationMs).toBe(5000);
    // The file holds every whole stereo frame that fit under the limit, and says so.
    expect(out.bytes).toBe(65536 - (65536 % 4));
    expect(out.recordedMs).toBeCloseTo(((out.bytes - 44) / 4 / 8000) * 1000, 6);
    expect(out.droppedMs).toBe(0);
    const { left, info } = channels(out.path);
    expect(info.data.length).toBe(out.bytes - 44);
    expect(left.every((s) => s === 1000)).toBe(true);
  });
});

describe('CallRecorder on a failing disk', () => {
  // /dev/full opens, and every write to it fails with ENOSPC: a disk that filled up.
  it.runIf(existsSync('/dev/full'))('a header write that fails closes the file: no descriptor leaks per call', async () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    for (let i = 0; i < 30; i++) {
      await expect(CallRecorder.open({ streamId: `s${i}`, sampleRate: 8000, path: '/dev/full' })).rejects.toMatchObject({ code: 'STORE_RECORDING_FAILED' });
    }
    expect(fds() - before).toBeLessThanOrEqual(2);
  });
});
