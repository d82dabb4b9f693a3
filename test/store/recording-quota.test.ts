// --recordings-max-gb: the recordings directory has a size cap; the oldest recordings go first,
// live ones never. Real files in a temporary directory, a real server recording a real call.
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveServeConfig } from '../../src/cli/serve-config.js';
import { createServer } from '../../src/server/server.js';
import { MemoryStreamStore } from '../../src/store/memory-store.js';
import { enforceRecordingQuota } from '../../src/store/recording-quota.js';
import { startTarget } from '../hostile/support.js';
import { waitUntil } from '../support/async.js';
import { tempDir } from '../support/store-fixtures.js';
import { StreamClient } from '../support/stream-client.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dir(): string {
  const t = tempDir('callwire-quota-');
  cleanups.push(t.cleanup);
  return t.dir;
}

/** A file of `bytes` bytes, last modified `ageS` seconds ago. */
function file(d: string, name: string, bytes: number, ageS: number): string {
  const path = join(d, name);
  writeFileSync(path, Buffer.alloc(bytes));
  const t = Date.now() / 1000 - ageS;
  utimesSync(path, t, t);
  return path;
}

describe('recordings size cap', () => {
  it('deletes the oldest recordings first until the rest fit; keeps live ones and other files', async () => {
    const d = dir();
    file(d, 'oldest.wav', 40_000, 400);
    const live = file(d, 'live-but-old.wav', 40_000, 300);
    file(d, 'old.wav', 40_000, 200);
    file(d, 'new.wav', 40_000, 100);
    file(d, 'notes.txt', 90_000, 500);
    const r = await enforceRecordingQuota(d, 100_000, new Set([resolve(live)]));
    expect(r).toEqual({ removed: 2, freedBytes: 80_000, totalBytes: 80_000 });
    expect(readdirSync(d).sort()).toEqual(['live-but-old.wav', 'new.wav', 'notes.txt']);
    expect(await enforceRecordingQuota(join(d, 'missing'), 1)).toEqual({ removed: 0, freedBytes: 0, totalBytes: 0 });
  });

  it('a recording server evicts the oldest files when a call is recorded, never the live call\'s', async () => {
    const d = dir();
    const old = [file(d, 'a.wav', 60_000, 300), file(d, 'b.wav', 60_000, 200), file(d, 'c.wav', 60_000, 100)];
    const store = new MemoryStreamStore();
    cleanups.push(() => store.close());
    const target = await startTarget({ store, recording: { dir: d, maxBytes: 150_000 } });
    cleanups.push(() => target.close());
    const client = await StreamClient.connect(target.srv.streamUrl);
    client.start();
    // Opening the call's recording is over the cap (180 KB): the oldest file goes.
    await waitUntil(() => !existsSync(old[0] as string), 10_000, 'the oldest recording to be evicted');
    expect(existsSync(old[1] as string) && existsSync(old[2] as string)).toBe(true);
    const mine = readdirSync(d).filter((n) => !['a.wav', 'b.wav', 'c.wav'].includes(n));
    expect(mine).toHaveLength(1);
    await client.close();
    await waitUntil(() => target.srv.server.streams.size === 0, 10_000, 'the call to end');
    const total = readdirSync(d).reduce((n, f) => n + statSync(join(d, f)).size, 0);
    expect(total).toBeLessThanOrEqual(150_000);
  });

  it('--recordings-max-gb / RECORDINGS_MAX_GB is validated; a bad cap is refused at start', () => {
    expect(resolveServeConfig({ recordingsMaxGb: '0.5' }, {}).recordingsMaxGb).toBe(0.5);
    expect(resolveServeConfig({}, { RECORDINGS_MAX_GB: '20' }).recordingsMaxGb).toBe(20);
    expect(resolveServeConfig({}, {}).recordingsMaxGb).toBeUndefined();
    for (const bad of ['0', '-1', 'lots', '1e9999']) expect(() => resolveServeConfig({}, { RECORDINGS_MAX_GB: bad })).toThrow(/CONFIG_INVALID|recordingsMaxGb/);
    const store = new MemoryStreamStore();
    cleanups.push(() => store.close());
    expect(() => createServer({ store, recording: { dir: dir(), maxBytes: Number.NaN } })).toThrow(/recording.maxBytes must be a positive number/);
  });
});
