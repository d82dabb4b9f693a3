/** Applies batches of {@link StoreWrite}s to the SQLite schema, one transaction per batch. */
import type Database from 'better-sqlite3';
import type { FrameCounters } from './types.js';
import type { StoreWrite } from './writes.js';

const COUNTER_COLUMNS = 'frames_in, frames_out, bytes_in, bytes_out, gaps, late_frames, bad_frames';

function counterValues(c: FrameCounters): number[] {
  return [c.framesIn, c.framesOut, c.bytesIn, c.bytesOut, c.gaps, c.lateFrames, c.badFrames];
}

/** Prepared statements for every write kind. */
export class SqliteWriter {
  readonly #apply: (batch: readonly StoreWrite[]) => void;

  constructor(db: Database.Database) {
    // A stream row is created by whichever write arrives first; later writes fill it in.
    // started_at is the real start once `stream_started` lands, else the first time seen.
    // A started row is never started again (the store gives a reused id a new record; this
    // guard keeps the first stream's data even if that check was missed).
    const started = db.prepare(`
      INSERT INTO streams (stream_id, call_id, account_id, from_number, to_number, direction, format, started_at, extra_headers, updated_at)
      VALUES (@streamId, @callId, @accountId, @from, @to, @direction, @format, @startedAt, @extraHeaders, @startedAt)
      ON CONFLICT (stream_id) DO UPDATE SET
        call_id = excluded.call_id, account_id = excluded.account_id, from_number = excluded.from_number,
        to_number = excluded.to_number, direction = excluded.direction, format = excluded.format,
        started_at = excluded.started_at, extra_headers = excluded.extra_headers,
        duration_ms = CASE WHEN ended_at IS NULL THEN NULL ELSE MAX(0, ended_at - excluded.started_at) END,
        updated_at = MAX(updated_at, excluded.updated_at)
      WHERE streams.format IS NULL`);
    const counters = db.prepare(`
      UPDATE streams SET (${COUNTER_COLUMNS}) = (?, ?, ?, ?, ?, ?, ?), updated_at = MAX(updated_at, ?)
      WHERE stream_id = ? AND ended_at IS NULL`);
    const ended = db.prepare(`
      INSERT INTO streams (stream_id, started_at, ended_at, duration_ms, hangup_by, hangup_reason, hangup_code, updated_at)
      VALUES (@streamId, @endedAt, @endedAt, 0, @by, @reason, @code, @endedAt)
      ON CONFLICT (stream_id) DO UPDATE SET
        ended_at = excluded.ended_at, duration_ms = MAX(0, excluded.ended_at - started_at),
        hangup_by = excluded.hangup_by, hangup_reason = excluded.hangup_reason, hangup_code = excluded.hangup_code,
        updated_at = MAX(updated_at, excluded.updated_at)`);
    const endedCounters = db.prepare(`UPDATE streams SET (${COUNTER_COLUMNS}) = (?, ?, ?, ?, ?, ?, ?) WHERE stream_id = ?`);
    const status = db.prepare(
      'INSERT INTO status_callbacks (stream_id, call_id, event, received_at, fields) VALUES (?, ?, ?, ?, ?)',
    );
    const event = db.prepare('INSERT INTO events (stream_id, at, type, data) VALUES (?, ?, ?, ?)');
    const turn = db.prepare(`
      INSERT INTO turns (stream_id, idx, started_at, user_text, bot_text, heard_text, interrupted, ledger)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (stream_id, idx) DO UPDATE SET
        started_at = excluded.started_at, user_text = excluded.user_text, bot_text = excluded.bot_text,
        heard_text = excluded.heard_text, interrupted = excluded.interrupted, ledger = excluded.ledger`);
    const log = db.prepare('INSERT INTO logs (stream_id, at, level, msg, fields) VALUES (?, ?, ?, ?, ?)');
    const recording = db.prepare(`
      INSERT INTO streams (stream_id, started_at, recording_path, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (stream_id) DO UPDATE SET recording_path = excluded.recording_path`);

    const one = (w: StoreWrite): void => {
      switch (w.kind) {
        case 'stream_started': {
          const s = w.start;
          started.run({
            streamId: s.streamId,
            callId: s.callId,
            accountId: s.accountId ?? null,
            from: s.from ?? null,
            to: s.to ?? null,
            direction: s.direction ?? null,
            format: s.format,
            startedAt: s.startedAt,
            extraHeaders: w.extraHeadersJson,
          });
          return;
        }
        case 'counters':
          counters.run(...counterValues(w.counters), w.at, w.streamId);
          return;
        case 'stream_ended': {
          const { endedAt, hangup, counters: c } = w.end;
          ended.run({ streamId: w.streamId, endedAt, by: hangup.by, reason: hangup.reason, code: hangup.code ?? null });
          if (c !== undefined) endedCounters.run(...counterValues(c), w.streamId);
          return;
        }
        case 'status_callback': {
          const r = w.row;
          status.run(r.streamId ?? null, r.callId ?? null, r.event, r.receivedAt, JSON.stringify(r.fields));
          return;
        }
        case 'event':
          event.run(w.streamId, w.at, w.type, w.dataJson);
          return;
        case 'turn': {
          const t = w.turn;
          turn.run(w.streamId, t.index, t.startedAt, t.userText, t.botText, t.heardText ?? null, t.interrupted ? 1 : 0, w.ledgerJson);
          return;
        }
        case 'log':
          log.run(w.streamId, w.line.at, w.line.level, w.line.msg, w.fieldsJson);
          return;
        case 'recording':
          recording.run(w.streamId, w.at, w.path, w.at);
          return;
        default: {
          // Compile-time: a new write kind fails here until it is handled.
          const unhandled: never = w;
          throw new TypeError(`unknown store write ${JSON.stringify(unhandled).slice(0, 60)}`);
        }
      }
    };
    this.#apply = db.transaction((batch: readonly StoreWrite[]) => {
      for (const w of batch) one(w);
    });
  }

  /** Apply the batch in one transaction (all or nothing). */
  apply(batch: readonly StoreWrite[]): void {
    this.#apply(batch);
  }
}
