/**
 * Plivo stream status callbacks (docs/plivo-protocol.md §4). Plivo's docs list the events
 * but not every parameter name, so every posted field is kept and the well-known ones are
 * read defensively under several spellings.
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

function pick(fields: Record<string, string>, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = fields[n];
    if (v !== undefined && v !== '') return v;
  }
  // Case-insensitive fallback: parameter casing is not documented.
  const lower = new Map(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), v]));
  for (const n of names) {
    const v = lower.get(n.toLowerCase());
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

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
  const name = pick(fields, ['Event', 'event', 'StreamEvent']) ?? '';
  const base: StatusBase = {
    streamId: pick(fields, ['StreamID', 'StreamId', 'StreamUUID', 'stream_id', 'streamId']),
    callId: pick(fields, ['CallUUID', 'CallUuid', 'call_uuid', 'callId']),
    timestamp: pick(fields, ['Timestamp', 'timestamp', 'EventTimestamp']),
    fields,
  };
  switch (name) {
    case 'StartStream':
    case 'StopStream':
      return { ...base, event: name };
    case 'DroppedStream':
      return { ...base, event: name, reason: pick(fields, ['Error', 'Reason', 'ErrorReason', 'error', 'reason']) };
    case 'DegradedStream': {
      const raw = pick(fields, ['BufferPercent', 'BufferLevel', 'buffer_percent', 'Buffer']);
      const n = raw === undefined ? Number.NaN : Number.parseFloat(raw);
      return { ...base, event: name, bufferPercent: Number.isFinite(n) ? n : undefined };
    }
    default:
      return { ...base, event: 'unknown', name: name.slice(0, 64) };
  }
}
