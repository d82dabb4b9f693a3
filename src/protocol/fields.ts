/**
 * Typed readers for untrusted JSON objects. Each names the path it read in its error,
 * never the value, so an error message cannot leak a payload.
 */
import { ProtocolError } from '../errors.js';

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function missing(path: string): ProtocolError {
  return new ProtocolError('PROTOCOL_MISSING_FIELD', `missing field ${path}`, { details: { field: path } });
}

function mistyped(path: string, expected: string): ProtocolError {
  return new ProtocolError('PROTOCOL_INVALID_FIELD', `field ${path} must be ${expected}`, { details: { field: path } });
}

/** A required nested object. */
export function objectField(obj: JsonObject, key: string, path: string): JsonObject {
  const v = obj[key];
  if (v === undefined || v === null) throw missing(path);
  if (!isObject(v)) throw mistyped(path, 'an object');
  return v;
}

/** A required string (numbers are accepted and stringified: Plivo's docs disagree on types). */
export function stringField(obj: JsonObject, key: string, path: string): string {
  const v = obj[key];
  if (v === undefined || v === null) throw missing(path);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw mistyped(path, 'a string');
}

/** An optional string with a default. */
export function optionalString(obj: JsonObject, key: string, path: string, fallback: string): string {
  const v = obj[key];
  if (v === undefined || v === null) return fallback;
  return stringField(obj, key, path);
}

/**
 * A non-negative integer that may arrive as a number or a numeric string
 * (`sequenceNumber`, `chunk`, `sampleRate`: docs/plivo-protocol.md §2, §3.1).
 */
export function integerField(obj: JsonObject, key: string, path: string): number {
  const v = obj[key];
  if (v === undefined || v === null) throw missing(path);
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\s*\d{1,15}\s*$/.test(v)) n = Number(v);
  else throw mistyped(path, 'a non-negative integer');
  if (!Number.isSafeInteger(n) || n < 0) throw mistyped(path, 'a non-negative integer');
  return n;
}

/** An optional integer with a default. */
export function optionalInteger(obj: JsonObject, key: string, path: string, fallback: number): number {
  const v = obj[key];
  if (v === undefined || v === null) return fallback;
  return integerField(obj, key, path);
}

/** An optional array of strings with a default. */
export function optionalStringArray(obj: JsonObject, key: string, path: string, fallback: string[]): string[] {
  const v = obj[key];
  if (v === undefined || v === null) return fallback;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw mistyped(path, 'an array of strings');
  return v as string[];
}

/** Parse JSON text into an object, with size and shape checks. */
export function parseJsonObject(input: string | Uint8Array, maxLength: number): JsonObject {
  const length = input.length;
  if (length > maxLength) {
    throw new ProtocolError('PROTOCOL_FRAME_TOO_LARGE', `frame of ${length} bytes exceeds the ${maxLength}-byte limit`, {
      details: { length, limit: maxLength },
    });
  }
  const text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ProtocolError('PROTOCOL_INVALID_JSON', `frame is not valid JSON (${length} bytes)`, { cause });
  }
  if (!isObject(value)) throw new ProtocolError('PROTOCOL_NOT_AN_OBJECT', 'frame is JSON but not an object');
  return value;
}
