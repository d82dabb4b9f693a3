import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from '../../src/store/schema.js';
import { SqliteStreamStore } from '../../src/store/sqlite-store.js';
import { tempDir } from '../support/store-fixtures.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dbPath(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return join(t.dir, 'm.db');
}

describe('schema migrations', () => {
  it('are numbered 1..N in order', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(Array.from({ length: MIGRATIONS.length }, (_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('create a new file at the latest version', async () => {
    const path = dbPath();
    const store = new SqliteStreamStore({ path, retentionMs: null });
    cleanups.push(() => store.close());
    expect(schemaVersion(store.database)).toBe(SCHEMA_VERSION);
    expect(store.database.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('upgrade a version-1 file in place, keeping its data', async () => {
    const path = dbPath();
    const old = new Database(path);
    expect(migrate(old, 1)).toEqual([1]);
    old.prepare(
      `INSERT INTO streams (stream_id, call_id, format, started_at, ended_at, duration_ms, hangup_by, hangup_reason)
       VALUES ('v1-ended', 'c1', 'mulaw/8000', 1000, 4000, 3000, 'caller', 'bye'), ('v1-live', 'c2', 'mulaw/8000', 2000, NULL, NULL, NULL, NULL)`,
    ).run();
    old.prepare("INSERT INTO logs (stream_id, at, level, msg, fields) VALUES ('v1-ended', 1500, 'info', 'from v1', '{}')").run();
    old.close();

    const store = new SqliteStreamStore({ path, retentionMs: null });
    cleanups.push(() => store.close());
    expect(schemaVersion(store.database)).toBe(SCHEMA_VERSION);
    expect(store.database.prepare('SELECT stream_id, updated_at FROM streams ORDER BY stream_id').all()).toEqual([
      { stream_id: 'v1-ended', updated_at: 4000 },
      { stream_id: 'v1-live', updated_at: 2000 },
    ]);
    expect(await store.getStream('v1-ended')).toMatchObject({ durationMs: 3000, hangup: { by: 'caller', reason: 'bye' }, logCount: 1 });
    // v2's column is in use: a live stream from v1 that went silent is pruned by age.
    expect(await store.prune(3000)).toMatchObject({ streams: 1 });
    expect((await store.listStreams()).streams.map((s) => s.streamId)).toEqual(['v1-ended']);
    store.streamStarted({ streamId: 'v2', callId: 'c3', format: 'l16/16000', startedAt: 5000 });
    await store.flush();
    expect(await store.findStream('v2')).toBe('v2');
  });

  it('refuse a file from a newer callwire without touching it', () => {
    const path = dbPath();
    const db = new Database(path);
    migrate(db);
    db.prepare('UPDATE schema_version SET version = 99').run();
    db.close();
    expect(() => new SqliteStreamStore({ path })).toThrow(expect.objectContaining({ code: 'STORE_SCHEMA_TOO_NEW' }));
    const again = new Database(path);
    expect(schemaVersion(again)).toBe(99);
    again.close();
  });

  it('read-only opening does not migrate: an old file is refused with a clear message', () => {
    const path = dbPath();
    const db = new Database(path);
    migrate(db, 1);
    db.close();
    expect(() => new SqliteStreamStore({ path, readonly: true })).toThrow(
      expect.objectContaining({ code: 'STORE_UNAVAILABLE', message: expect.stringContaining('schema version 1') }),
    );
  });

  it('refuse a file that is not a database with STORE_UNAVAILABLE', async () => {
    const path = dbPath();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, 'this is not sqlite'.repeat(100));
    expect(() => new SqliteStreamStore({ path })).toThrow(expect.objectContaining({ code: 'STORE_UNAVAILABLE' }));
  });
});
