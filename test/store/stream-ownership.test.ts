// A stream id is owned: unique for the life of the store. A second stream with a used id (a
// replay, a buggy or hostile client) gets its own record and its own recording file, and never
// touches the first one's record, rows or WAV.
import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStreamStore } from '../../src/store/sqlite-store.js';
import { recordingFileName } from '../../src/store/recorder.js';
import { startDashboardServer, until } from '../support/dashboard.js';
import { tempDir } from '../support/store-fixtures.js';
import { StreamClient } from '../support/stream-client.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function open(path: string): SqliteStreamStore {
  const store = new SqliteStreamStore({ path, retentionMs: null });
  cleanups.push(() => store.close());
  return store;
}

describe('stream ids are owned', () => {
  it('a second stream with a used id gets its own record; the first keeps its call id, numbers, rows and end', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'owned.db');
    const store = open(path);
    expect(store.streamStarted({ streamId: 'dup', callId: 'call-1', from: '+14155550100', to: '+14155550199', format: 'mulaw/8000', startedAt: 1000 })).toBe('dup');
    store.event('dup', { type: 'dtmf', at: 1100, digit: '5' });
    store.streamEnded('dup', { endedAt: 5000, hangup: { by: 'caller', reason: 'bye' } });
    // Same id while the first is still queued, and again after it was written.
    const second = store.streamStarted({ streamId: 'dup', callId: 'call-2', format: 'mulaw/8000', startedAt: 6000 });
    expect(second).toBe('dup~2');
    store.event(second, { type: 'dtmf', at: 6100, digit: '9' });
    // A logger knows only the stream id: its lines follow the newest stream that had it.
    store.log('dup', { at: 6200, level: 'info', msg: 'from the second stream' });
    await store.flush();
    expect(store.streamStarted({ streamId: 'dup', callId: 'call-3', format: 'mulaw/8000', startedAt: 7000 })).toBe('dup~3');
    await store.flush();

    const first = await store.getStream('dup');
    expect(first).toMatchObject({ callId: 'call-1', from: '+14155550100', to: '+14155550199', status: 'ended', startedAt: 1000, durationMs: 4000 });
    expect(first?.dtmf.map((d) => d.digit)).toEqual(['5']);
    expect(first?.logCount).toBe(0);
    expect(await store.getStream('dup~2')).toMatchObject({ callId: 'call-2', status: 'live', startedAt: 6000 });
    expect((await store.getStream('dup~2'))?.dtmf.map((d) => d.digit)).toEqual(['9']);
    expect((await store.getStream('dup~2'))?.logCount).toBe(1);
    await store.close();

    // Unique for the life of the store, not the process: a restart keeps the ownership.
    const again = open(path);
    expect(again.streamStarted({ streamId: 'dup', callId: 'call-4', format: 'mulaw/8000', startedAt: 8000 })).toBe('dup~4');
    await again.flush();
    expect(await again.getStream('dup')).toMatchObject({ callId: 'call-1', status: 'ended' });
  });

  it('recording file names are injective: ids that used to share a file (a/b, a_b, A_b, long ids) never do', () => {
    const ids = ['a/b', 'a_b', 'a.b', 'A_b', 'a_2fb', '../x', '.hidden', '', '_', 'x'.repeat(200), `${'x'.repeat(199)}y`, 'é', '%C3%A9', 'dup~2', 'dup_7e2'];
    const names = ids.map(recordingFileName);
    expect(new Set(names).size).toBe(ids.length);
    for (const n of names) {
      expect(basename(n)).toBe(n);
      expect(n).toMatch(/^[a-z0-9_~-]+\.wav$/);
      expect(n.length).toBeLessThanOrEqual(200);
    }
    // A Plivo stream id (a lower-case UUID) is its own file name.
    expect(recordingFileName('7f3c2a10-1b2c-4d5e-8f90-a1b2c3d4e5f6')).toBe('7f3c2a10-1b2c-4d5e-8f90-a1b2c3d4e5f6.wav');
  });

  it('a live server: a second call reusing a stream id gets its own record and WAV; the first call\'s record and recording are untouched', async () => {
    const d = await startDashboardServer();
    cleanups.push(() => d.close());
    const ws = `${d.http.replace('http', 'ws')}/plivo/stream`;
    const streamId = 'reused-stream-id';
    const call = async (callId: string, frames: number, recordId: string): Promise<void> => {
      const c = await StreamClient.connect(ws, { streamId, callId });
      c.start();
      // Audio is recorded once the file is open (and linked to the record).
      await until(async () => (await d.store.getStream(recordId))?.recordingPath !== undefined, 'the recording to open');
      for (let i = 0; i < frames; i++) c.media(new Uint8Array(160).fill(0x55));
      // The server has every frame once its counters say so.
      await until(() => [...d.server.streams].some((s) => s.counters.framesIn >= frames), 'the frames to arrive');
      await c.close();
    };
    await call('first-call', 100, streamId);
    await until(async () => (await d.store.getStream(streamId))?.recordingPath !== undefined && (await d.store.getStream(streamId))?.status === 'ended', 'the first call to end');
    await until(() => d.server.streams.size === 0, 'the first stream to be released');
    const firstRecord = await d.store.getStream(streamId);
    const firstWav = firstRecord?.recordingPath as string;
    await until(() => existsSync(firstWav) && statSync(firstWav).size > 100 * 160 * 2, `the first recording to be written (${existsSync(firstWav) ? statSync(firstWav).size : 'none'})`);
    const firstSize = statSync(firstWav).size;

    await call('second-call', 5, `${streamId}~2`);
    await until(async () => (await d.store.getStream(`${streamId}~2`))?.status === 'ended', 'the second call to be stored under its own id');
    await d.store.flush();
    const after = await d.store.getStream(streamId);
    expect(after).toMatchObject({ callId: 'first-call', status: 'ended', endedAt: firstRecord?.endedAt, recordingPath: firstWav });
    expect(statSync(firstWav).size).toBe(firstSize);
    const second = await d.store.getStream(`${streamId}~2`);
    expect(second).toMatchObject({ callId: 'second-call' });
    expect(second?.recordingPath).not.toBe(firstWav);
  });
});
