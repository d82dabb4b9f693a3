/**
 * Plivo stream status callbacks (docs/plivo-protocol.md §4).
 *
 * Documented (https://docs.plivo.com/docs/voice/xml/audiostream, "statusCallbackUrl"
 * parameters): `Event` with the values StartStream, StopStream, DroppedStream,
 * DegradedStream, plus the Stream element's attributes echoed as written.
 *
 * NOT documented, read under every plausible spelling: the stream id (`StreamID`, ...), the
 * call id (`CallUUID`, ...), a timestamp, the DroppedStream reason (`Error`, ...) and the
 * DegradedStream fill level (`BufferPercent`, ...). Keys match exactly first, then ignoring
 * case, `_`, `-` and spaces; event names match the same way (`degraded_stream` reads as
 * DegradedStream). Every posted field is kept verbatim in `fields` (and in the stored record),
 * so the names a real Plivo uses show up the first time one posts.
 */

/** The documented status events. */
export type StreamStatusName = 'StartStream' | 'StopStream' | 'DroppedStream' | 'DegradedStream';

interface StatusBase {
  /** Stream id, when Plivo sent one under any known spelling. */
  readonly streamId: string | undefined;
  /** Call UUID, when sent. */
  readonly callId: string | undefined;
  /** Timestamp as sent, when sent. */
  readonly timestamp: string | undefined;
  /** Every posted field, verbatim (first value of repeated keys). */
  readonly fields: Readonly<Record<string, string>>;
}

/** A stream lifecycle event posted to `statusCallbackUrl`. */
export type StreamStatusEvent =
  | (StatusBase & { readonly event: 'StartStream' })
  | (StatusBase & { readonly event: 'StopStream' })
  | (StatusBase & { readonly event: 'DroppedStream'; readonly reason: string | undefined })
  | (StatusBase & { readonly event: 'DegradedStream'; readonly bufferPercent: number | undefined })
  | (StatusBase & { readonly event: 'unknown'; readonly name: string });

/** A key or event name with case, `_`, `-` and spaces ignored. */
function loose(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}

function pick(fields: Record<string, string>, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = fields[n];
    if (v !== undefined && v !== '') return v;
  }
  // Loose fallback: parameter casing and separators are not documented.
  const byLoose = new Map<string, string>();
  for (const [k, v] of Object.entries(fields)) if (v !== '' && !byLoose.has(loose(k))) byLoose.set(loose(k), v);
  for (const n of names) {
    const v = byLoose.get(loose(n));
    if (v !== undefined) return v;
  }
  return undefined;
}

const EVENT_NAMES: Readonly<Record<string, StreamStatusName>> = {
  startstream: 'StartStream',
  streamstart: 'StartStream',
  streamstarted: 'StartStream',
  stopstream: 'StopStream',
  streamstop: 'StopStream',
  streamstopped: 'StopStream',
  droppedstream: 'DroppedStream',
  streamdropped: 'DroppedStream',
  degradedstream: 'DegradedStream',
  streamdegraded: 'DegradedStream',
};

/** Most fields kept from one callback, and the longest key and value (Plivo's are short). */
export const STATUS_FIELD_LIMITS = { fields: 64, keyChars: 64, valueChars: 1024 } as const;

// Only primitives are text; an object (from a JSON body, say) has no faithful string form and
// may not even have a prototype to convert it with.
function scalar(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    default:
      return undefined;
  }
}

/**
 * Flatten form or query fields (values may be arrays when a key repeats: the first is kept).
 * Bounded, since callbacks are kept in memory and stored: at most
 * {@link STATUS_FIELD_LIMITS}`.fields` fields, keys and values cut to their limits.
 */
export function flattenFields(input: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  let n = 0;
  for (const [k, v] of Object.entries(input)) {
    if (n >= STATUS_FIELD_LIMITS.fields) break;
    const text = scalar(Array.isArray(v) ? v[0] : v);
    if (text === undefined) continue;
    out[k.slice(0, STATUS_FIELD_LIMITS.keyChars)] = text.slice(0, STATUS_FIELD_LIMITS.valueChars);
    n++;
  }
  return out;
}

/** Parse a status callback's fields into a typed event. Never throws. */
export function parseStreamStatus(input: Readonly<Record<string, unknown>>): StreamStatusEvent {
  const fields = flattenFields(input);
  const raw = pick(fields, ['Event', 'StreamEvent', 'EventName', 'EventType', 'Status']) ?? '';
  const name = EVENT_NAMES[loose(raw)] ?? raw;
  const base: StatusBase = {
    streamId: pick(fields, ['StreamID', 'StreamUUID', 'Stream', 'StreamSid']),
    callId: pick(fields, ['CallUUID', 'CallID', 'CallSid']),
    timestamp: pick(fields, ['Timestamp', 'EventTimestamp', 'Time', 'EventTime']),
    fields,
  };
  switch (name) {
    case 'StartStream':
    case 'StopStream':
      return { ...base, event: name };
    case 'DroppedStream':
      return { ...base, event: name, reason: pick(fields, ['Error', 'Reason', 'ErrorReason', 'ErrorMessage', 'ErrorCode', 'DropReason', 'HangupReason']) };
    case 'DegradedStream': {
      const level = pick(fields, ['BufferPercent', 'BufferPercentage', 'BufferLevel', 'BufferUsage', 'BufferFill', 'Buffer', 'Percent']);
      // parseFloat reads "60" and "60%" alike.
      const n = level === undefined ? Number.NaN : Number.parseFloat(level);
      return { ...base, event: name, bufferPercent: Number.isFinite(n) ? n : undefined };
    }
    default:
      return { ...base, event: 'unknown', name: name.slice(0, 64) };
  }
}
