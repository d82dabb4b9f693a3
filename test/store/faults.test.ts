// Storage faults on a real SQLite file: disk full, read-only, locked, and a bad row. In each
// the caller never sees an exception, failures are counted, and writing resumes once the
// fault clears.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStreamStore, type SqliteStoreOptions } from '../../src/store/sqlite-store.js';
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

  it('read-only database (SQLITE_READONLY): writes are counted as failed, nothing throws, and they resume', async () => {
    const { store } = open();
    store.database.pragma('query_only = ON');
    expect(() => {
      store.streamStarted({ streamId: 'ro', callId: 'c', format: 'mulaw/8000', startedAt: 1 });
      writeLogs(store, 'ro', 10);
    }).not.toThrow();
    await store.flush();
    expect(store.stats()).toMatchObject({ droppedRows: 11, writtenRows: 0, pendingWrites: 0 });
    expect(store.stats().lastError?.backendCode).toMatch(/^SQLITE_READONLY/);
    store.database.pragma('query_only = OFF');
    store.streamStarted({ streamId: 'ro', callId: 'c', format: 'mulaw/8000', startedAt: 1 });
    writeLogs(store, 'ro', 10);
    await store.flush();
    expect(store.stats()).toMatchObject({ writtenRows: 11, droppedRows: 11 });
    expect(await logCount(store, 'ro')).toBe(10);
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
