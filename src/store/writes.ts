/**
 * The store's write operations as data: one discriminated union that the queue buffers and
 * a backend applies in batches. {@link normaliseWrite} caps and redacts every field once,
 * on enqueue, so backends can trust what they receive.
 */
import type { StreamStatusEvent } from '../protocol/status.js';
import { clampText, fieldsJson, finite, optionalText, stringMap } from './sanitize.js';
import {
  type FrameCounters,
  HANGUP_BY,
  type Hangup,
  type LogLine,
  type StreamEnd,
  type StreamStart,
  type TimelineInput,
  type TurnRecord,
} from './types.js';

/** Normalised status callback, ready to store. */
export interface StatusCallbackRow {
  readonly event: string;
  readonly streamId: string | undefined;
  readonly callId: string | undefined;
  readonly receivedAt: number;
  readonly fields: Readonly<Record<string, string>>;
}

/** One buffered write. `data` fields hold JSON text already capped and redacted. */
export type StoreWrite =
  | { readonly kind: 'stream_started'; readonly start: StreamStart; readonly extraHeadersJson: string }
  | { readonly kind: 'counters'; readonly streamId: string; readonly counters: FrameCounters; readonly at: number }
  | { readonly kind: 'stream_ended'; readonly streamId: string; readonly end: StreamEnd }
  | { readonly kind: 'status_callback'; readonly row: StatusCallbackRow }
  | { readonly kind: 'event'; readonly streamId: string; readonly at: number; readonly type: string; readonly dataJson: string }
  | { readonly kind: 'turn'; readonly streamId: string; readonly turn: TurnRecord; readonly ledgerJson: string }
  | { readonly kind: 'log'; readonly streamId: string; readonly line: LogLine; readonly fieldsJson: string }
  | { readonly kind: 'recording'; readonly streamId: string; readonly path: string; readonly at: number };

/** Eviction tiers of a full queue: logs go first, then events and counters; records last. */
export type WriteTier = 0 | 1 | 2;

/** 0 = keep longest (stream records, turns, callbacks), 2 = evict first (debug logs). */
export function tierOf(w: StoreWrite): WriteTier {
  switch (w.kind) {
    case 'stream_started':
    case 'stream_ended':
    case 'status_callback':
    case 'turn':
    case 'recording':
      return 0;
    case 'event':
    case 'counters':
      return 1;
    case 'log':
      return 2;
  }
}

/**
 * About how many bytes of memory a queued write holds (its strings as UTF-16 plus a fixed
 * overhead): what the queue's byte bound counts. An estimate, cheap and never below the truth
 * by much, not an exact heap size.
 */
export function writeBytes(w: StoreWrite): number {
  const str = (...texts: Array<string | undefined>): number => texts.reduce((n, t) => n + (t?.length ?? 0) * 2, 0);
  switch (w.kind) {
    case 'stream_started':
      return 200 + str(w.start.streamId, w.start.callId, w.start.accountId, w.start.from, w.start.to, w.start.format, w.extraHeadersJson);
    case 'counters':
      return 150 + str(w.streamId);
    case 'stream_ended':
      return 200 + str(w.streamId, w.end.hangup.reason, w.end.hangup.code);
    case 'status_callback':
      return 200 + str(w.row.event, w.row.streamId, w.row.callId) + Object.entries(w.row.fields).reduce((n, [k, v]) => n + str(k, v) + 40, 0);
    case 'event':
      return 120 + str(w.streamId, w.type, w.dataJson);
    case 'turn':
      return 200 + str(w.streamId, w.turn.userText, w.turn.botText, w.turn.heardText, w.ledgerJson);
    case 'log':
      return 120 + str(w.streamId, w.line.msg, w.fieldsJson);
    case 'recording':
      return 120 + str(w.streamId, w.path);
  }
}

/** Size limits of stored fields. */
export const LIMITS = {
  id: 128,
  phone: 64,
  format: 32,
  reason: 500,
  code: 64,
  text: 8000,
  message: 2000,
  name: 128,
  path: 1024,
  json: 4096,
  headers: 1024,
  statusFields: 8192,
  ledgerStages: 32,
} as const;

/** Coerce counters to finite non-negative integers. */
export function normaliseCounters(c: Partial<FrameCounters> | undefined): FrameCounters {
  const n = (v: unknown): number => Math.max(0, finite(v));
  return {
    framesIn: n(c?.framesIn),
    framesOut: n(c?.framesOut),
    bytesIn: n(c?.bytesIn),
    bytesOut: n(c?.bytesOut),
    gaps: n(c?.gaps),
    lateFrames: n(c?.lateFrames),
    badFrames: n(c?.badFrames),
  };
}

function normaliseHangup(h: Partial<Hangup> | undefined): Hangup {
  const by = HANGUP_BY.includes(h?.by as Hangup['by']) ? (h?.by as Hangup['by']) : 'server';
  const code = optionalText(h?.code, LIMITS.code);
  return code === undefined ? { by, reason: clampText(h?.reason, LIMITS.reason) } : { by, reason: clampText(h?.reason, LIMITS.reason), code };
}

/** Split a timeline event into its type and its capped, redacted JSON data. */
function eventData(e: TimelineInput): { type: string; dataJson: string } {
  const { at: _at, type: _type, ...rest } = e;
  let data: Record<string, unknown>;
  switch (e.type) {
    case 'error':
      data = { code: clampText(e.code, LIMITS.code), message: clampText(e.message, LIMITS.message), retryable: e.retryable };
      break;
    case 'dtmf':
      data = { digit: clampText(e.digit, 4) };
      break;
    case 'barge_in':
      data = { turn: e.turn, said: clampText(e.said, LIMITS.text / 4), heard: clampText(e.heard, LIMITS.text / 4), heardMs: e.heardMs };
      break;
    case 'checkpoint':
      data = { name: clampText(e.name, LIMITS.name), state: e.state };
      break;
    case 'state':
      data = { state: clampText(e.state, LIMITS.name) };
      break;
    case 'note':
      data = { name: clampText(e.name, LIMITS.name), data: e.data };
      break;
    default: {
      // Compile-time exhaustiveness; at run time, a type from a caller outside TypeScript is
      // kept as a note rather than lost.
      const unknown: never = e;
      return { type: 'note', dataJson: fieldsJson({ name: clampText((unknown as { type: unknown }).type, LIMITS.name), data: rest }, LIMITS.json) };
    }
  }
  return { type: e.type, dataJson: fieldsJson(data, LIMITS.json) };
}

function ledgerJson(ledger: unknown): string {
  const out: Record<string, number> = {};
  if (ledger !== null && typeof ledger === 'object') {
    let n = 0;
    for (const [k, v] of Object.entries(ledger)) {
      if (n >= LIMITS.ledgerStages) break;
      if (typeof v === 'number' && Number.isFinite(v)) {
        out[clampText(k, 40)] = Math.round(v * 10) / 10;
        n++;
      }
    }
  }
  return JSON.stringify(out);
}

/** The write builders behind {@link StreamStore}'s write methods. Throw only on inputs that are not objects at all. */
export const writes = {
  streamStarted(s: StreamStart): StoreWrite {
    const start: StreamStart = {
      streamId: clampText(s.streamId, LIMITS.id),
      callId: clampText(s.callId, LIMITS.id),
      accountId: optionalText(s.accountId, LIMITS.id),
      from: optionalText(s.from, LIMITS.phone),
      to: optionalText(s.to, LIMITS.phone),
      direction: s.direction === 'inbound' || s.direction === 'outbound' ? s.direction : undefined,
      format: clampText(s.format, LIMITS.format),
      startedAt: finite(s.startedAt, Date.now()),
    };
    return { kind: 'stream_started', start, extraHeadersJson: JSON.stringify(stringMap(s.extraHeaders, 32, 256)).slice(0, LIMITS.headers) };
  },
  counters(streamId: string, c: FrameCounters, at: number): StoreWrite {
    return { kind: 'counters', streamId: clampText(streamId, LIMITS.id), counters: normaliseCounters(c), at };
  },
  streamEnded(streamId: string, e: StreamEnd): StoreWrite {
    const end: StreamEnd = {
      endedAt: finite(e.endedAt, Date.now()),
      hangup: normaliseHangup(e.hangup),
      counters: e.counters === undefined ? undefined : normaliseCounters(e.counters),
    };
    return { kind: 'stream_ended', streamId: clampText(streamId, LIMITS.id), end };
  },
  statusCallback(ev: StreamStatusEvent, receivedAt: number): StoreWrite {
    // Keep fields in posted order until the size budget is spent.
    const kept: Record<string, string> = Object.create(null);
    let bytes = 2;
    for (const [k, v] of Object.entries(stringMap(ev.fields, 64, 512))) {
      bytes += Buffer.byteLength(k) + Buffer.byteLength(v) + 6;
      if (bytes > LIMITS.statusFields) break;
      kept[k] = v;
    }
    return {
      kind: 'status_callback',
      row: {
        event: clampText(ev.event === 'unknown' ? ev.name || 'unknown' : ev.event, 64),
        streamId: optionalText(ev.streamId, LIMITS.id),
        callId: optionalText(ev.callId, LIMITS.id),
        receivedAt: finite(receivedAt, Date.now()),
        fields: kept,
      },
    };
  },
  event(streamId: string, e: TimelineInput): StoreWrite {
    const { type, dataJson } = eventData(e);
    return { kind: 'event', streamId: clampText(streamId, LIMITS.id), at: finite(e.at, Date.now()), type, dataJson };
  },
  turn(streamId: string, t: TurnRecord): StoreWrite {
    const turn: TurnRecord = {
      index: Math.max(0, finite(t.index)),
      startedAt: finite(t.startedAt, Date.now()),
      userText: clampText(t.userText, LIMITS.text),
      botText: clampText(t.botText, LIMITS.text),
      heardText: t.heardText === undefined ? undefined : clampText(t.heardText, LIMITS.text),
      interrupted: t.interrupted === true,
      ledger: {},
    };
    return { kind: 'turn', streamId: clampText(streamId, LIMITS.id), turn, ledgerJson: ledgerJson(t.ledger) };
  },
  log(streamId: string, l: LogLine): StoreWrite {
    const level = l.level === 'debug' || l.level === 'info' || l.level === 'warn' || l.level === 'error' ? l.level : 'info';
    const line: LogLine = { at: finite(l.at, Date.now()), level, msg: clampText(l.msg, LIMITS.message) };
    return { kind: 'log', streamId: clampText(streamId, LIMITS.id), line, fieldsJson: fieldsJson(l.fields, LIMITS.json) };
  },
  recording(streamId: string, path: string, at: number): StoreWrite {
    return { kind: 'recording', streamId: clampText(streamId, LIMITS.id), path: clampText(path, LIMITS.path), at };
  },
};
