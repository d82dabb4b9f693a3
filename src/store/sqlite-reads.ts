/** The read side of the SQLite store: listings, stream detail, id lookup and log paging. */
import type Database from 'better-sqlite3';
import { CallwireError } from '../errors.js';
import { parseJson } from './sanitize.js';
import type {
  FrameCounters,
  Hangup,
  HangupBy,
  ListQuery,
  LogLevel,
  LogPage,
  LogQuery,
  StoredEvent,
  StoredLogLine,
  StoredStatusCallback,
  StreamDetail,
  StreamPage,
  StreamSummary,
  TurnRecord,
} from './types.js';

interface StreamRow {
  stream_id: string;
  call_id: string;
  account_id: string | null;
  from_number: string | null;
  to_number: string | null;
  direction: string | null;
  format: string | null;
  started_at: number;
  ended_at: number | null;
  duration_ms: number | null;
  hangup_by: string | null;
  hangup_reason: string | null;
  hangup_code: string | null;
  frames_in: number;
  frames_out: number;
  bytes_in: number;
  bytes_out: number;
  gaps: number;
  late_frames: number;
  bad_frames: number;
  extra_headers: string;
  recording_path: string | null;
  turn_count: number;
  error_count: number;
}

const SUMMARY_SELECT = `
  SELECT s.*,
    (SELECT COUNT(*) FROM turns t WHERE t.stream_id = s.stream_id) AS turn_count,
    (SELECT COUNT(*) FROM events e WHERE e.stream_id = s.stream_id AND e.type = 'error') AS error_count
  FROM streams s`;

const nul = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

function toSummary(r: StreamRow): StreamSummary {
  const counters: FrameCounters = {
    framesIn: r.frames_in,
    framesOut: r.frames_out,
    bytesIn: r.bytes_in,
    bytesOut: r.bytes_out,
    gaps: r.gaps,
    lateFrames: r.late_frames,
    badFrames: r.bad_frames,
  };
  let hangup: Hangup | undefined;
  if (r.hangup_by !== null) {
    hangup = { by: r.hangup_by as HangupBy, reason: r.hangup_reason ?? '' };
    if (r.hangup_code !== null) hangup = { ...hangup, code: r.hangup_code };
  }
  return {
    streamId: r.stream_id,
    callId: r.call_id,
    accountId: nul(r.account_id),
    from: nul(r.from_number),
    to: nul(r.to_number),
    direction: r.direction === 'inbound' || r.direction === 'outbound' ? r.direction : undefined,
    format: nul(r.format),
    startedAt: r.started_at,
    endedAt: nul(r.ended_at),
    durationMs: nul(r.duration_ms),
    status: r.ended_at === null ? 'live' : 'ended',
    hangup,
    counters,
    recordingPath: nul(r.recording_path),
    turnCount: r.turn_count,
    errorCount: r.error_count,
  };
}

function encodeCursor(r: { started_at: number; stream_id: string }): string {
  return Buffer.from(JSON.stringify([r.started_at, r.stream_id])).toString('base64url');
}

function decodeCursor(cursor: string): [number, string] {
  const v = parseJson<unknown>(Buffer.from(cursor.slice(0, 512), 'base64url').toString(), undefined);
  if (!Array.isArray(v) || typeof v[0] !== 'number' || typeof v[1] !== 'string') {
    throw new CallwireError('STORE_INVALID_INPUT', 'invalid listing cursor');
  }
  return [v[0], v[1]];
}

// LIKE with the user's text taken literally.
function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function clampInt(v: number | undefined, def: number, min: number, max: number): number {
  if (v === undefined || !Number.isFinite(v)) return def;
  return Math.max(min, Math.min(max, Math.floor(v)));
}

/** Read queries over one open database. */
export class SqliteReader {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  listStreams(query: ListQuery = {}): StreamPage {
    const where: string[] = [];
    const params: unknown[] = [];
    const status = query.status ?? 'all';
    if (status === 'live') where.push('s.ended_at IS NULL');
    else if (status === 'ended') where.push('s.ended_at IS NOT NULL');
    const q = query.q?.trim().slice(0, 128);
    if (q) {
      where.push("(s.stream_id LIKE ? ESCAPE '\\' OR s.call_id LIKE ? ESCAPE '\\' OR s.from_number LIKE ? ESCAPE '\\' OR s.to_number LIKE ? ESCAPE '\\')");
      const p = likePattern(q);
      params.push(p, p, p, p);
    }
    if (query.cursor !== undefined) {
      const [at, id] = decodeCursor(query.cursor);
      where.push('(s.started_at, s.stream_id) < (?, ?)');
      params.push(at, id);
    }
    const limit = clampInt(query.limit, 50, 1, 500);
    const sql = `${SUMMARY_SELECT} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY s.started_at DESC, s.stream_id DESC LIMIT ?`;
    const rows = this.#db.prepare(sql).all(...params, limit + 1) as StreamRow[];
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const streams = page.map(toSummary);
    return rows.length > limit && last !== undefined ? { streams, nextCursor: encodeCursor(last) } : { streams };
  }

  getStream(streamId: string): StreamDetail | undefined {
    const row = this.#db.prepare(`${SUMMARY_SELECT} WHERE s.stream_id = ?`).get(streamId) as StreamRow | undefined;
    if (row === undefined) return undefined;
    const summary = toSummary(row);
    const events = (
      this.#db.prepare('SELECT id, at, type, data FROM events WHERE stream_id = ? ORDER BY at, id').all(streamId) as {
        id: number;
        at: number;
        type: string;
        data: string;
      }[]
    ).map((e) => ({ ...parseJson<object>(e.data, {}), id: e.id, at: e.at, type: e.type }) as StoredEvent);
    const statusCallbacks = (
      this.#db
        .prepare(
          `SELECT id, stream_id, call_id, event, received_at, fields FROM status_callbacks
           WHERE stream_id = ? OR (call_id = ? AND call_id <> '') ORDER BY received_at, id`,
        )
        .all(streamId, row.call_id) as { id: number; stream_id: string | null; call_id: string | null; event: string; received_at: number; fields: string }[]
    ).map(
      (s): StoredStatusCallback => ({
        id: s.id,
        event: s.event,
        streamId: nul(s.stream_id),
        callId: nul(s.call_id),
        receivedAt: s.received_at,
        fields: parseJson<Record<string, string>>(s.fields, {}),
      }),
    );
    const turns = (
      this.#db.prepare('SELECT * FROM turns WHERE stream_id = ? ORDER BY idx').all(streamId) as {
        idx: number;
        started_at: number;
        user_text: string;
        bot_text: string;
        heard_text: string | null;
        interrupted: number;
        ledger: string;
      }[]
    ).map((t): TurnRecord => {
      const base = { index: t.idx, startedAt: t.started_at, userText: t.user_text, botText: t.bot_text, interrupted: t.interrupted === 1, ledger: parseJson<Record<string, number>>(t.ledger, {}) };
      return t.heard_text === null ? base : { ...base, heardText: t.heard_text };
    });
    const logCount = (this.#db.prepare('SELECT COUNT(*) AS n FROM logs WHERE stream_id = ?').get(streamId) as { n: number }).n;
    return {
      ...summary,
      extraHeaders: parseJson<Record<string, string>>(row.extra_headers, {}),
      events,
      statusCallbacks,
      turns,
      bargeIns: events.filter((e): e is Extract<StoredEvent, { type: 'barge_in' }> => e.type === 'barge_in'),
      dtmf: events.filter((e): e is Extract<StoredEvent, { type: 'dtmf' }> => e.type === 'dtmf'),
      errors: events.filter((e): e is Extract<StoredEvent, { type: 'error' }> => e.type === 'error'),
      logCount,
    };
  }

  findStream(ref: string): string | undefined {
    const id = ref.trim();
    if (id === '' || id.length > 128) return undefined;
    const exact = this.#db.prepare('SELECT stream_id FROM streams WHERE stream_id = ?').get(id) as { stream_id: string } | undefined;
    if (exact !== undefined) return exact.stream_id;
    const byCall = this.#db
      .prepare('SELECT stream_id FROM streams WHERE call_id = ? ORDER BY started_at DESC LIMIT 1')
      .get(id) as { stream_id: string } | undefined;
    if (byCall !== undefined) return byCall.stream_id;
    // A prefix as a range scan on the primary key (ids are ASCII; U+FFFF sorts after them).
    const matches = this.#db
      .prepare('SELECT stream_id FROM streams WHERE stream_id >= ? AND stream_id < ? ORDER BY stream_id LIMIT 6')
      .all(id, `${id}\uffff`) as { stream_id: string }[];
    if (matches.length > 1) {
      const shown = matches.slice(0, 5).map((m) => m.stream_id);
      throw new CallwireError('STORE_AMBIGUOUS_ID', `"${id}" matches several streams: ${shown.join(', ')}${matches.length > 5 ? ', ...' : ''}`, {
        details: { matches: matches.length },
      });
    }
    if (matches[0] !== undefined) return matches[0].stream_id;
    // A call-id prefix (streams_by_call): the call's latest stream, when one call matches.
    const calls = this.#db
      .prepare('SELECT DISTINCT call_id FROM streams WHERE call_id >= ? AND call_id < ? ORDER BY call_id LIMIT 6')
      .all(id, `${id}\uffff`) as { call_id: string }[];
    if (calls.length > 1) {
      const shown = calls.slice(0, 5).map((c) => c.call_id);
      throw new CallwireError('STORE_AMBIGUOUS_ID', `"${id}" matches several calls: ${shown.join(', ')}${calls.length > 5 ? ', ...' : ''}`, {
        details: { matches: calls.length },
      });
    }
    if (calls[0] === undefined) return undefined;
    const latest = this.#db
      .prepare('SELECT stream_id FROM streams WHERE call_id = ? ORDER BY started_at DESC LIMIT 1')
      .get(calls[0].call_id) as { stream_id: string } | undefined;
    return latest?.stream_id;
  }

  logs(streamId: string, query: LogQuery = {}): LogPage {
    const limit = clampInt(query.limit, 500, 1, 5000);
    const after = clampInt(query.afterId, 0, 0, Number.MAX_SAFE_INTEGER);
    const rows = this.#db
      .prepare('SELECT id, at, level, msg, fields FROM logs WHERE stream_id = ? AND id > ? ORDER BY id LIMIT ?')
      .all(streamId, after, limit) as { id: number; at: number; level: string; msg: string; fields: string }[];
    const lines = rows.map((r): StoredLogLine => {
      const fields = parseJson<Record<string, never>>(r.fields, {});
      const base = { id: r.id, at: r.at, level: r.level as LogLevel, msg: r.msg };
      return Object.keys(fields).length === 0 ? base : { ...base, fields };
    });
    const last = lines[lines.length - 1];
    return lines.length === limit && last !== undefined ? { lines, nextAfterId: last.id } : { lines };
  }
}
