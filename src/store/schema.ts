/**
 * SQLite schema as ordered migrations. A file records its version in `schema_version`;
 * opening it applies every later step, each in its own transaction, so an older file is
 * upgraded in place and a half-applied step never sticks.
 */
import type Database from 'better-sqlite3';
import { CallwireError } from '../errors.js';

/** One schema step. `version` is the version the file has after it. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly up: (db: Database.Database) => void;
}

/** Every migration, in order. Append only: never edit a step that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'streams, timeline events, status callbacks, turns, logs',
    up(db) {
      db.exec(`
        CREATE TABLE streams (
          stream_id      TEXT PRIMARY KEY,
          call_id        TEXT NOT NULL DEFAULT '',
          account_id     TEXT,
          from_number    TEXT,
          to_number      TEXT,
          direction      TEXT,
          format         TEXT,
          started_at     INTEGER NOT NULL,
          ended_at       INTEGER,
          duration_ms    INTEGER,
          hangup_by      TEXT,
          hangup_reason  TEXT,
          hangup_code    TEXT,
          frames_in      INTEGER NOT NULL DEFAULT 0,
          frames_out     INTEGER NOT NULL DEFAULT 0,
          bytes_in       INTEGER NOT NULL DEFAULT 0,
          bytes_out      INTEGER NOT NULL DEFAULT 0,
          gaps           INTEGER NOT NULL DEFAULT 0,
          late_frames    INTEGER NOT NULL DEFAULT 0,
          bad_frames     INTEGER NOT NULL DEFAULT 0,
          extra_headers  TEXT NOT NULL DEFAULT '{}',
          recording_path TEXT
        );
        CREATE INDEX streams_by_start ON streams (started_at DESC, stream_id DESC);
        CREATE INDEX streams_by_call ON streams (call_id);
        CREATE INDEX streams_by_end ON streams (ended_at);
        CREATE TABLE events (
          id        INTEGER PRIMARY KEY,
          stream_id TEXT NOT NULL,
          at        INTEGER NOT NULL,
          type      TEXT NOT NULL,
          data      TEXT NOT NULL
        );
        CREATE INDEX events_by_stream ON events (stream_id, at, id);
        CREATE TABLE status_callbacks (
          id          INTEGER PRIMARY KEY,
          stream_id   TEXT,
          call_id     TEXT,
          event       TEXT NOT NULL,
          received_at INTEGER NOT NULL,
          fields      TEXT NOT NULL
        );
        CREATE INDEX status_by_stream ON status_callbacks (stream_id);
        CREATE INDEX status_by_call ON status_callbacks (call_id);
        CREATE INDEX status_by_time ON status_callbacks (received_at);
        CREATE TABLE turns (
          stream_id   TEXT NOT NULL,
          idx         INTEGER NOT NULL,
          started_at  INTEGER NOT NULL,
          user_text   TEXT NOT NULL,
          bot_text    TEXT NOT NULL,
          heard_text  TEXT,
          interrupted INTEGER NOT NULL,
          ledger      TEXT NOT NULL,
          PRIMARY KEY (stream_id, idx)
        );
        CREATE TABLE logs (
          id        INTEGER PRIMARY KEY,
          stream_id TEXT NOT NULL,
          at        INTEGER NOT NULL,
          level     TEXT NOT NULL,
          msg       TEXT NOT NULL,
          fields    TEXT NOT NULL
        );
        CREATE INDEX logs_by_stream ON logs (stream_id, id);
      `);
    },
  },
  {
    version: 2,
    description: 'streams.updated_at, so retention also clears live records that went silent (a crashed process)',
    up(db) {
      db.exec(`
        ALTER TABLE streams ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
        UPDATE streams SET updated_at = COALESCE(ended_at, started_at);
        CREATE INDEX streams_live_by_update ON streams (updated_at) WHERE ended_at IS NULL;
      `);
    },
  },
  {
    version: 3,
    description: 'replay_nonces: the nonces of accepted Plivo signatures, so a replay is refused after a restart too',
    up(db) {
      db.exec(`
        CREATE TABLE replay_nonces (
          nonce TEXT PRIMARY KEY,
          at    INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX replay_nonces_by_at ON replay_nonces (at);
      `);
    },
  },
];

/** The version a fully migrated file has. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** The file's schema version (0 for a new, empty file). */
export function schemaVersion(db: Database.Database): number {
  const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (table === undefined) return 0;
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  return row?.version ?? 0;
}

/**
 * Bring the file up to `target` (default: the latest). Returns the versions applied.
 * @throws CallwireError STORE_SCHEMA_TOO_NEW when the file was written by a newer callwire
 */
export function migrate(db: Database.Database, target: number = SCHEMA_VERSION): number[] {
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new CallwireError(
      'STORE_SCHEMA_TOO_NEW',
      `the database has schema version ${current}, newer than this callwire understands (${SCHEMA_VERSION}); upgrade callwire`,
      { details: { current, supported: SCHEMA_VERSION } },
    );
  }
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      if (m.version === 1) db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      m.up(db);
      db.exec('DELETE FROM schema_version');
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(m.version);
    })();
    applied.push(m.version);
  }
  return applied;
}
