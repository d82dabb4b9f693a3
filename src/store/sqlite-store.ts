/**
 * The default {@link StreamStore}: one SQLite file (better-sqlite3, WAL mode). Writes go
 * through the buffered write queue; reads are direct queries. The busy timeout is kept
 * short on purpose: better-sqlite3 is synchronous, so waiting on a lock would block the
 * event loop (and every call's audio); a busy batch is retried by the queue instead.
 */
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { CallwireError, isCallwireError } from '../errors.js';
import { BufferedStreamStore, type StoreOptions } from './buffered-store.js';
import { SCHEMA_VERSION, migrate, schemaVersion } from './schema.js';
import { SqliteReader } from './sqlite-reads.js';
import { SqliteWriter } from './sqlite-writes.js';
import type { ListQuery, LogPage, LogQuery, PruneResult, StreamDetail, StreamPage } from './types.js';
import type { BatchSink } from './write-queue.js';

/** Where the server keeps its database unless told otherwise (relative to the working directory). */
export const DEFAULT_DB_PATH = 'data/callwire.db';

/** Options of {@link SqliteStreamStore}. */
export interface SqliteStoreOptions extends StoreOptions {
  /** Database file; default {@link DEFAULT_DB_PATH}; `:memory:` for a private in-memory database. */
  readonly path?: string;
  /** Fail with STORE_NOT_FOUND instead of creating a missing file (the CLI reads, never creates). */
  readonly mustExist?: boolean;
  /** Open read-only (no migrations: the file must already be at the current schema). */
  readonly readonly?: boolean;
  /** Keep at most this many streams (oldest pruned first at each retention run); default no cap. */
  readonly maxStreams?: number | null;
  /** How long one statement may wait for a lock before failing SQLITE_BUSY; default 50 ms. */
  readonly busyTimeoutMs?: number;
}

// Failures a later retry can survive: the disk, the file's permissions or another writer.
const TRANSIENT = /^SQLITE_(FULL|READONLY|BUSY|LOCKED|IOERR|CANTOPEN|PROTOCOL|NOMEM|INTERRUPT)/;

function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function openDatabase(o: SqliteStoreOptions): Database.Database {
  const path = o.path ?? DEFAULT_DB_PATH;
  const readonly = o.readonly === true;
  const mustExist = o.mustExist === true || readonly;
  const memory = path === ':memory:';
  let db: Database.Database;
  try {
    if (!memory && !mustExist) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { readonly, fileMustExist: mustExist, timeout: Math.max(0, o.busyTimeoutMs ?? 50) });
  } catch (e) {
    const missing = mustExist && /does not exist|unable to open/i.test(String((e as Error)?.message));
    throw new CallwireError(missing ? 'STORE_NOT_FOUND' : 'STORE_UNAVAILABLE', `cannot open the stream database at ${path}: ${(e as Error)?.message ?? e}`, {
      cause: e,
    });
  }
  try {
    if (!readonly && !memory) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    if (readonly) {
      const v = schemaVersion(db);
      if (v !== SCHEMA_VERSION) {
        throw new CallwireError(
          v > SCHEMA_VERSION ? 'STORE_SCHEMA_TOO_NEW' : 'STORE_UNAVAILABLE',
          `the database at ${path} has schema version ${v}, this callwire reads ${SCHEMA_VERSION}; open it writable once to upgrade it`,
        );
      }
    } else {
      migrate(db);
    }
    return db;
  } catch (e) {
    db.close();
    if (isCallwireError(e)) throw e;
    throw new CallwireError('STORE_UNAVAILABLE', `cannot prepare the stream database at ${path}: ${(e as Error)?.message ?? e}`, { cause: e });
  }
}

function sqliteSink(writer: SqliteWriter): BatchSink {
  return {
    apply: (batch) => writer.apply(batch),
    isTransient: (e) => TRANSIENT.test(sqliteCode(e) ?? ''),
    backendCode: sqliteCode,
  };
}

/** A {@link StreamStore} in one SQLite file. Opening it creates the file and upgrades its schema. */
export class SqliteStreamStore extends BufferedStreamStore {
  readonly #db: Database.Database;
  readonly #reader: SqliteReader;
  readonly #maxStreams: number | null;
  readonly path: string;
  #open = true;

  /** @throws CallwireError STORE_UNAVAILABLE, STORE_NOT_FOUND or STORE_SCHEMA_TOO_NEW */
  constructor(options: SqliteStoreOptions = {}) {
    const db = openDatabase(options);
    super(sqliteSink(new SqliteWriter(db)), options);
    this.#db = db;
    this.#reader = new SqliteReader(db);
    this.path = options.path ?? DEFAULT_DB_PATH;
    const cap = options.maxStreams ?? null;
    this.#maxStreams = cap === null ? null : Math.max(1, Math.floor(cap));
    if (options.readonly !== true) this.startRetention();
  }

  protected override hasSizeCap(): boolean {
    return this.#maxStreams !== null;
  }

  #nonceUse: Database.Statement | undefined;
  #nonceSweep: Database.Statement | undefined;
  #nonceUses = 0;

  /**
   * Record a Plivo signature nonce as used at `at` (epoch ms): false when it was used within
   * `windowMs` before (a replay), even by an earlier process or another one on this file. A
   * direct, synchronous write (not the write queue): the answer depends on it. Old nonces are
   * swept as it goes. Throws when the database cannot be written.
   */
  useNonce(nonce: string, at: number, windowMs: number): boolean {
    if (!this.#open) return true;
    this.#nonceUse ??= this.#db.prepare(`
      INSERT INTO replay_nonces (nonce, at) VALUES (?, ?)
      ON CONFLICT (nonce) DO UPDATE SET at = excluded.at WHERE replay_nonces.at <= excluded.at - ?`);
    this.#nonceSweep ??= this.#db.prepare('DELETE FROM replay_nonces WHERE at <= ?');
    if (++this.#nonceUses % 256 === 0) this.#nonceSweep.run(at - windowMs);
    return this.#nonceUse.run(nonce.slice(0, 512), at, windowMs).changes === 1;
  }

  #started: Database.Statement | undefined;
  protected streamExists(streamId: string): boolean {
    if (!this.#open) return false;
    this.#started ??= this.#db.prepare("SELECT 1 FROM streams WHERE stream_id = ? AND format IS NOT NULL");
    return this.#started.get(streamId) !== undefined;
  }

  /** The underlying connection, for tests and maintenance tools. */
  get database(): Database.Database {
    return this.#db;
  }

  #read<T>(fn: () => T): Promise<T> {
    if (!this.#open) return Promise.reject(new CallwireError('STORE_UNAVAILABLE', 'the stream store is closed'));
    try {
      return Promise.resolve(fn());
    } catch (e) {
      if (isCallwireError(e)) return Promise.reject(e);
      return Promise.reject(new CallwireError('STORE_UNAVAILABLE', `stream store read failed: ${(e as Error)?.message ?? e}`, { cause: e }));
    }
  }

  listStreams(query?: ListQuery): Promise<StreamPage> {
    return this.#read(() => this.#reader.listStreams(query));
  }

  getStream(streamId: string): Promise<StreamDetail | undefined> {
    return this.#read(() => this.#reader.getStream(streamId));
  }

  findStream(ref: string): Promise<string | undefined> {
    return this.#read(() => this.#reader.findStream(ref));
  }

  logs(streamId: string, query?: LogQuery): Promise<LogPage> {
    return this.#read(() => this.#reader.logs(streamId, query));
  }

  protected async pruneBackend(olderThan: number): Promise<PruneResult> {
    const db = this.#db;
    const byAge = Number.isFinite(olderThan);
    const cap = this.#maxStreams;
    const result = await this.#read(() =>
      db.transaction(() => {
        db.exec('CREATE TEMP TABLE IF NOT EXISTS prune_ids (stream_id TEXT PRIMARY KEY); DELETE FROM prune_ids;');
        if (byAge) {
          db.prepare(
            `INSERT OR IGNORE INTO prune_ids SELECT stream_id FROM streams
             WHERE (ended_at IS NOT NULL AND ended_at < ?) OR (ended_at IS NULL AND updated_at < ?)`,
          ).run(olderThan, olderThan);
        }
        if (cap !== null) {
          db.prepare('INSERT OR IGNORE INTO prune_ids SELECT stream_id FROM streams ORDER BY started_at DESC, stream_id DESC LIMIT -1 OFFSET ?').run(cap);
        }
        const files = db
          .prepare('SELECT recording_path AS path FROM streams WHERE stream_id IN (SELECT stream_id FROM prune_ids) AND recording_path IS NOT NULL')
          .all() as { path: string }[];
        for (const table of ['events', 'turns', 'logs']) db.prepare(`DELETE FROM ${table} WHERE stream_id IN (SELECT stream_id FROM prune_ids)`).run();
        const sc = db
          .prepare('DELETE FROM status_callbacks WHERE stream_id IN (SELECT stream_id FROM prune_ids) OR received_at < ?')
          .run(byAge ? olderThan : Number.MIN_SAFE_INTEGER);
        const streams = db.prepare('DELETE FROM streams WHERE stream_id IN (SELECT stream_id FROM prune_ids)').run();
        return { streams: streams.changes, statusCallbacks: sc.changes, files: files.map((f) => f.path) };
      })(),
    );
    let recordings = 0;
    for (const file of result.files) {
      // Only WAV files: a path in the database is never trusted to name anything else.
      if (!file.toLowerCase().endsWith('.wav')) continue;
      await rm(file, { force: true }).then(
        () => recordings++,
        () => undefined,
      );
    }
    return { streams: result.streams, statusCallbacks: result.statusCallbacks, recordings };
  }

  protected endOrphansBackend(before: number, reason: string): Promise<number> {
    const db = this.#db;
    return this.#read(() =>
      db.transaction(() => {
        // They ended when they were last heard of: the latest of any write about them.
        const r = db
          .prepare(
            `UPDATE streams SET
               ended_at = MAX(updated_at, started_at,
                 COALESCE((SELECT MAX(at) FROM events e WHERE e.stream_id = streams.stream_id), 0),
                 COALESCE((SELECT MAX(at) FROM logs l WHERE l.stream_id = streams.stream_id), 0)),
               hangup_by = 'server', hangup_reason = ?, hangup_code = NULL
             WHERE ended_at IS NULL AND updated_at < ?`,
          )
          .run(reason, before);
        db.prepare('UPDATE streams SET duration_ms = MAX(0, ended_at - started_at) WHERE duration_ms IS NULL AND ended_at IS NOT NULL').run();
        return r.changes;
      })(),
    );
  }

  protected closeBackend(): void {
    this.#open = false;
    this.#db.close();
  }
}
