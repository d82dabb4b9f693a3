/**
 * Input hygiene for the store: every string has a length cap, every JSON blob a size cap,
 * numbers are finite, and fields whose names or values look like credentials are redacted
 * before they reach disk (a debug log must never become a token dump).
 */
import type { JsonValue } from './types.js';

/** Field names whose values are never stored. */
const SECRET_KEY = /token|secret|passw(or)?d|authorization|api[-_]?key|signature|cookie|credential|private[-_]?key/i;
/** Values that carry a credential after a scheme word. */
const SECRET_VALUE = /^(bearer|basic|token|digest)\s+\S+/i;

/** The placeholder stored instead of a secret. */
export const REDACTED = '[redacted]';

const MAX_DEPTH = 6;
const MAX_KEYS = 64;
const MAX_ITEMS = 64;
const MAX_STRING = 1000;

/** Coerce to a string of at most `max` characters (an ellipsis marks a cut). */
export function clampText(value: unknown, max: number): string {
  const s = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Like {@link clampText}, but `undefined` for absent or empty values. */
export function optionalText(value: unknown, max: number): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return clampText(value, max);
}

/** A finite number (rounded when `integer`), or `fallback`. */
export function finite(value: unknown, fallback = 0, integer = true): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) return fallback;
  return integer ? Math.round(n) : n;
}

function clean(value: unknown, depth: number): JsonValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return SECRET_VALUE.test(value) ? `${value.split(/\s+/, 1)[0]} ${REDACTED}` : clampText(value, MAX_STRING);
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'object': {
      if (depth >= MAX_DEPTH) return '[too deep]';
      if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((v) => clean(v, depth + 1));
      if (value instanceof Error) return { name: value.name, message: clampText(value.message, MAX_STRING) };
      // No prototype: a `__proto__` key from input is kept as a field, not taken as the prototype.
      const out: Record<string, JsonValue> = Object.create(null);
      let n = 0;
      for (const [k, v] of Object.entries(value)) {
        if (n++ >= MAX_KEYS) break;
        const key = clampText(k, 64);
        out[key] = SECRET_KEY.test(key) ? REDACTED : clean(v, depth + 1);
      }
      return out;
    }
    default:
      return null;
  }
}

/**
 * Serialise structured fields for storage: redacted, depth/size limited, and replaced by a
 * short preview when the JSON would exceed `maxBytes`. Never throws (cycles, BigInt,
 * functions and non-finite numbers are all handled).
 */
export function fieldsJson(fields: unknown, maxBytes: number): string {
  if (fields === undefined || fields === null) return '{}';
  let json: string;
  try {
    json = JSON.stringify(clean(fields, 0));
  } catch {
    return JSON.stringify({ _unserialisable: true });
  }
  if (Buffer.byteLength(json) <= maxBytes) return json;
  return JSON.stringify({ _truncated: true, preview: json.slice(0, Math.min(200, maxBytes >> 2)) });
}

/** Redact and cap a flat string map (extra headers, status-callback fields). */
export function stringMap(input: unknown, maxKeys: number, maxValue: number): Record<string, string> {
  // No prototype: a posted `__proto__` field is stored like any other, not dropped.
  const out: Record<string, string> = Object.create(null);
  if (input === null || typeof input !== 'object') return out;
  let n = 0;
  for (const [k, v] of Object.entries(input)) {
    if (n++ >= maxKeys) break;
    const key = clampText(k, 64);
    const value = clampText(v, maxValue);
    out[key] = SECRET_KEY.test(key) ? REDACTED : SECRET_VALUE.test(value) ? `${value.split(/\s+/, 1)[0]} ${REDACTED}` : value;
  }
  return out;
}

/** Parse JSON read back from storage; a corrupt blob yields `fallback` instead of throwing. */
export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
