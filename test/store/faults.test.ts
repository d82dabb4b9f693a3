// Storage faults on a real SQLite file: disk full, read-only, locked, and a bad row. In each
// the caller never sees an exception, failures are counted, and writing resumes once the
// fault clears.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStreamStore, type SqliteStoreOptions } from '../../src/store/sqlite-store.js';
import { HealthyCall, startTarget } from '../hostile/support.js';
import { tempDir } from '../support/store-fixtures.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function open(options: SqliteStoreOptions = {}): { store: SqliteStreamStore; path: string } {
  const t = tempDir();
  const path = join(t.dir, 'faults.db');
  const store = new SqliteStreamStore({ path, retryBaseMs: 5, retryMaxMs: 20, maxRetries: 2, retentionMs: null, ...options });
  cleanups.push(t.cleanup, () => store.close());
  return { store, path };
}

const pad = 'x'.repeat(1900);

function writeLogs(store: SqliteStreamStore, streamId: string, n: number, from = 0): void {
  for (let i = from; i < from + n; i++) store.log(streamId, { at: i, level: 'debug', msg: `${i} ${pad}` });
}

async function logCount(store: SqliteStreamStore, streamId: string): Promise<number> {
  return (await store.logs(streamId, { limit: 5000 })).lines.length;
}

describe('store faults', () => {
  it('disk full (SQLITE_FULL): batches are retried, then dropped and counted; writing resumes when space returns', async () => {
    const { store } = open({ maxBatch: 50 });
    store.streamStarted({ streamId: 'call', callId: 'c', format: 'mulaw/8000', startedAt: 1 });
    await store.flush();
    const db = store.database;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 4}`);
    // 400 rows of ~2 KB cannot fit in 4 more pages (4 KB each).
    expect(() => writeLogs(store, 'call', 400)).not.toThrow();
    await store.flush();
    const full = store.stats();
    expect(full.lastError).toMatchObject({ code: 'STORE_WRITE_FAILED', backendCode: 'SQLITE_FULL' });
    expect(full.writeErrors).toBeGreaterThanOrEqual(3);
    expect(full.droppedRows).toBeGreaterThan(0);
    expect(full.pendingWrites).toBe(0);
    const stored = await logCount(store, 'call');
    // Whole batches either land or are dropped: nothing is half-written.
    expect(stored + full.droppedRows).toBe(400);
    expect(stored % 50).toBe(0);

    db.pragma('max_page_count = 1073741823');
    writeLogs(store, 'call', 100, 1000);
    store.streamEnded('call', { endedAt: 50, hangup: { by: 'caller', reason: 'bye' } });
    await store.flush();
    expect(await logCount(store, 'call')).toBe(stored + 100);
    expect((await store.getStream('call'))?.status).toBe('ended');
    expect(store.stats().droppedRows).toBe(full.droppedRows);
  });

  it('disk full while a call is live: its end and the next call\'s record are kept and written once space returns, without a restart', async () => {
    const { store } = open({ maxBatch: 500 });
    store.streamStarted({ streamId: 'live-a', callId: 'a', format: 'mulaw/8000', startedAt: 1 });
    await store.flush();
    const db = store.database;
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    // The disk is full: call A ends, call B starts and ends, both with a log too big to fit.
    store.streamEnded('live-a', { endedAt: 100, hangup: { by: 'caller', reason: 'bye' } });
    writeLogs(store, 'live-a', 100);
    store.streamStarted({ streamId: 'next-b', callId: 'b', format: 'mulaw/8000', startedAt: 200 });
    store.streamEnded('next-b', { endedAt: 300, hangup: { by: 'agent', reason: 'done' } });
    writeLogs(store, 'next-b', 100, 100);
    await store.flush();
    expect(store.stats().lastError?.backendCode).toMatch(/^SQLITE_FULL/);
    expect(store.stats().pendingWrites).toBe(3);
    expect((await store.getStream('live-a'))?.status).toBe('live');
    expect(await store.getStream('next-b')).toBeUndefined();

    // Space returns: the backoff timer writes the kept records, no new write or restart needed.
    db.pragma('max_page_count = 1073741823');
    await expect.poll(async () => (await store.getStream('live-a'))?.status, { timeout: 10_000 }).toBe('ended');
    expect(await store.getStream('next-b')).toMatchObject({ callId: 'b', status: 'ended', hangup: { by: 'agent' } });
    expect(store.stats().pendingWrites).toBe(0);
  });

  it('read-only database (SQLITE_READONLY): writes are counted as failed, nothing throws, and they resume', async () => {
    const { store } = open();
    store.database.pragma('query_only = ON');
    expect(() => {
      store.streamStarted({ streamId: 'ro', callId: 'c', format: 'mulaw/8000', startedAt: 1 });
      writeLogs(store, 'ro', 10);
    }).not.toThrow();
    await store.flush();
    // The logs are dropped; the stream's record is kept for the next attempt.
    expect(store.stats()).toMatchObject({ droppedRows: 10, writtenRows: 0, pendingWrites: 1 });
    expect(store.stats().lastError?.backendCode).toMatch(/^SQLITE_READONLY/);
    store.database.pragma('query_only = OFF');
    writeLogs(store, 'ro', 10);
    await store.flush();
    expect(store.stats()).toMatchObject({ writtenRows: 11, droppedRows: 10, pendingWrites: 0 });
    expect(await logCount(store, 'ro')).toBe(10);
    expect(await store.getStream('ro')).toMatchObject({ callId: 'c', status: 'live' });
  });

  it('locked by another process (SQLITE_BUSY): a short lock is ridden out by retries with no loss', async () => {
    const { store, path } = open({ maxRetries: 6, retryBaseMs: 20, retryMaxMs: 200 });
    const other = new Database(path);
    cleanups.push(() => {
      other.close();
    });
    other.exec('BEGIN EXCLUSIVE');
    writeLogs(store, 'busy', 20);
    const flushed = store.flush();
    await expect.poll(() => store.stats().writeErrors, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    expect(store.stats().lastError?.backendCode).toMatch(/^SQLITE_BUSY/);
    other.exec('COMMIT');
    await flushed;
    expect(store.stats()).toMatchObject({ writtenRows: 20, droppedRows: 0, pendingWrites: 0 });
    expect(await logCount(store, 'busy')).toBe(20);
  });

  it('locked for longer than the retries: the batch is dropped, later writes succeed', async () => {
    const { store, path } = open();
    const other = new Database(path);
    cleanups.push(() => {
      other.close();
    });
    other.exec('BEGIN EXCLUSIVE');
    writeLogs(store, 'busy', 5);
    await store.flush();
    expect(store.stats()).toMatchObject({ droppedRows: 5, writeErrors: 3, writtenRows: 0 });
    other.exec('ROLLBACK');
    writeLogs(store, 'busy', 5, 5);
    await store.flush();
    expect(store.stats()).toMatchObject({ droppedRows: 5, writtenRows: 5 });
  });

  it('a bad row is isolated: the rest of its batch is written', async () => {
    const { store } = open();
    store.database.exec("CREATE TEMP TRIGGER poison BEFORE INSERT ON logs WHEN NEW.msg = 'poison' BEGIN SELECT RAISE(ABORT, 'poison row'); END");
    store.log('s', { at: 1, level: 'info', msg: 'one' });
    store.log('s', { at: 2, level: 'info', msg: 'poison' });
    store.log('s', { at: 3, level: 'info', msg: 'three' });
    await store.flush();
    expect((await store.logs('s')).lines.map((l) => l.msg)).toEqual(['one', 'three']);
    expect(store.stats()).toMatchObject({ writtenRows: 2, droppedRows: 1, writeErrors: 2 });
    expect(store.stats().lastError?.backendCode).toMatch(/^SQLITE_CONSTRAINT/);
  });
});

describe('store faults under live calls', () => {
  async function metric(http: string, name: string): Promise<number> {
    const text = await (await fetch(`${http}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return Number(line?.split(' ')[1]);
  }

  for (const fault of ['disk full (SQLITE_FULL)', 'read-only (SQLITE_READONLY)'] as const) {
    it(`${fault}: five calls go on without losing a frame; failed writes are retried, dropped and counted in /metrics; writing resumes`, async () => {
      const { store } = open({ maxBatch: 20 });
      const target = await startTarget({ store });
      cleanups.push(() => target.close());
      const db = store.database;
      if (fault.startsWith('disk')) db.pragma(`max_page_count = ${(db.pragma('page_count', { simple: true }) as number) + 1}`);
      else db.pragma('query_only = ON');
      const calls = await Promise.all(Array.from({ length: 5 }, () => HealthyCall.start(target)));
      // Each call's start, frames counters, logs and end are store writes; the disk refuses them.
      for (let i = 0; i < 200; i++) store.log('padding', { at: i, level: 'info', msg: pad });
      await new Promise((r) => setTimeout(r, 1500));
      for (const c of calls) {
        const { sent, counters } = await c.finish();
        expect(counters).toMatchObject({ framesIn: sent, gaps: 0, badFrames: 0 });
      }
      await store.flush();
      const stats = store.stats();
      expect(stats.lastError).toMatchObject({ code: 'STORE_WRITE_FAILED', backendCode: expect.stringMatching(fault.startsWith('disk') ? /^SQLITE_FULL/ : /^SQLITE_READONLY/) });
      expect(await metric(target.srv.http, 'callwire_store_write_errors')).toBe(stats.writeErrors);
      expect(await metric(target.srv.http, 'callwire_store_dropped_rows')).toBeGreaterThan(0);
      // The fault clears: the next call is stored.
      if (fault.startsWith('disk')) db.pragma('max_page_count = 1073741823');
      else db.pragma('query_only = OFF');
      const next = await HealthyCall.start(target);
      await new Promise((r) => setTimeout(r, 300));
      await next.finish();
      await expect
        .poll(async () => {
          await store.flush();
          return (await store.getStream(next.client.streamId))?.status;
        }, { timeout: 10_000 })
        .toBe('ended');
    });
  }
});

