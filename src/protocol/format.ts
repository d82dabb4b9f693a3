import { ProtocolError } from '../errors.js';

/** The wire encodings Plivo accepts, as they appear in `mediaFormat.encoding` and `playAudio.media.contentType`. */
export type Encoding = 'audio/x-mulaw' | 'audio/x-l16';

/** The three stream formats Plivo supports. */
export type StreamFormatName = 'mulaw/8000' | 'l16/8000' | 'l16/16000';

/**
 * One stream format. The same object builds the Stream XML's `contentType` and every
 * `playAudio`'s `contentType`/`sampleRate`, so the two cannot disagree (the guide's
 * `invalid_content_type` and "distorted audio" rows).
 */
export interface StreamFormat {
  readonly name: StreamFormatName;
  readonly encoding: Encoding;
  readonly sampleRate: 8000 | 16000;
  /** Bytes per sample on the wire: 1 for mu-law, 2 for L16 little-endian. */
  readonly bytesPerSample: 1 | 2;
  /** Bytes in one 20 ms frame: 160, 320 or 640. */
  readonly frameBytes: number;
  /** Samples in one 20 ms frame. */
  readonly frameSamples: number;
  /** The Stream XML `contentType` attribute, e.g. `audio/x-mulaw;rate=8000`. */
  readonly contentType: string;
}

function make(name: StreamFormatName, encoding: Encoding, sampleRate: 8000 | 16000): StreamFormat {
  const bytesPerSample = encoding === 'audio/x-mulaw' ? 1 : 2;
  const frameSamples = sampleRate / 50;
  return Object.freeze({
    name,
    encoding,
    sampleRate,
    bytesPerSample,
    frameSamples,
    frameBytes: frameSamples * bytesPerSample,
    contentType: `${encoding};rate=${sampleRate}`,
  });
}

/** The formats, by name. */
export const STREAM_FORMATS: Readonly<Record<StreamFormatName, StreamFormat>> = Object.freeze({
  'mulaw/8000': make('mulaw/8000', 'audio/x-mulaw', 8000),
  'l16/8000': make('l16/8000', 'audio/x-l16', 8000),
  'l16/16000': make('l16/16000', 'audio/x-l16', 16000),
});

// A Map, not an object literal: a name like `__proto__` or `constructor` must miss, not
// resolve to a prototype member (found by test/fuzz/stream-xml.fuzz.test.ts).
const ALIASES: ReadonlyMap<string, StreamFormatName> = new Map(
  Object.entries({
    'mulaw/8000': 'mulaw/8000',
    mulaw: 'mulaw/8000',
    mulaw8k: 'mulaw/8000',
    'mulaw-8k': 'mulaw/8000',
    ulaw: 'mulaw/8000',
    'audio/x-mulaw;rate=8000': 'mulaw/8000',
    'audio/x-mulaw': 'mulaw/8000',
    'l16/8000': 'l16/8000',
    l16: 'l16/8000',
    l16_8k: 'l16/8000',
    'l16-8k': 'l16/8000',
    l168k: 'l16/8000',
    'audio/x-l16;rate=8000': 'l16/8000',
    'l16/16000': 'l16/16000',
    l16_16k: 'l16/16000',
    'l16-16k': 'l16/16000',
    l1616k: 'l16/16000',
    'audio/x-l16;rate=16000': 'l16/16000',
  }) as [string, StreamFormatName][],
);

// A Map for the same reason as ALIASES: `name` comes from the caller's object.
const BY_NAME: ReadonlyMap<string, StreamFormat> = new Map(Object.entries(STREAM_FORMATS));

const EXPECTED = 'expected one of mulaw/8000, l16/8000, l16/16000';

/**
 * The canonical format equal to `value` field by field (one of {@link STREAM_FORMATS} or a
 * copy of one), or `undefined`. A look-alike with the right name and a wrong rate must miss:
 * it would build XML and playAudio that disagree.
 */
function knownFormat(value: object): StreamFormat | undefined {
  const name = (value as Partial<StreamFormat>).name;
  const canonical = typeof name === 'string' ? BY_NAME.get(name) : undefined;
  if (canonical === undefined || canonical === value) return canonical;
  const fields = Object.keys(canonical) as (keyof StreamFormat)[];
  return fields.every((k) => (value as StreamFormat)[k] === canonical[k]) ? canonical : undefined;
}

/**
 * Resolve a format from its name or a common alias (`mulaw8k`, `l16-16k`,
 * `audio/x-l16;rate=16000`, ...), or from one of {@link STREAM_FORMATS} (or an equal copy).
 * @throws {ProtocolError} `PROTOCOL_INVALID_CONTENT_TYPE` for anything else, including a
 * missing format, a number, or an object that is not one of the three formats
 */
export function streamFormat(nameOrAlias: string | StreamFormat): StreamFormat {
  if (typeof nameOrAlias !== 'string') {
    const known = typeof nameOrAlias === 'object' && nameOrAlias !== null ? knownFormat(nameOrAlias) : undefined;
    if (known !== undefined) return known;
    const got = nameOrAlias === null ? 'null' : typeof nameOrAlias === 'object' ? 'an object that is not one of STREAM_FORMATS' : typeof nameOrAlias;
    throw new ProtocolError('PROTOCOL_INVALID_CONTENT_TYPE', `stream format must be a name or one of STREAM_FORMATS (got ${got}); ${EXPECTED}`);
  }
  const key = nameOrAlias.trim().toLowerCase().replace(/\s+/g, '');
  const name = ALIASES.get(key);
  if (name === undefined) {
    throw new ProtocolError('PROTOCOL_INVALID_CONTENT_TYPE', `unknown stream format "${nameOrAlias.slice(0, 40)}"; ${EXPECTED}`);
  }
  return STREAM_FORMATS[name];
}

/**
 * The format for an encoding and rate as seen on the wire (`start.mediaFormat` or
 * `playAudio.media`), or `undefined` when Plivo does not support the pair. Accepts a
 * contentType with a `;rate=` suffix too, in which case the suffix must agree with `sampleRate`.
 */
export function formatFromWire(encoding: string, sampleRate: number): StreamFormat | undefined {
  const [base, ...params] = encoding.toLowerCase().replace(/\s+/g, '').split(';');
  for (const p of params) {
    const m = /^rate=(\d+)$/.exec(p);
    if (m === null || Number(m[1]) !== sampleRate) return undefined;
  }
  if (base === 'audio/x-mulaw' && sampleRate === 8000) return STREAM_FORMATS['mulaw/8000'];
  if (base === 'audio/x-l16' && sampleRate === 8000) return STREAM_FORMATS['l16/8000'];
  if (base === 'audio/x-l16' && sampleRate === 16000) return STREAM_FORMATS['l16/16000'];
  return undefined;
}

/** Parse a Stream XML `contentType` (e.g. `audio/x-l16;rate=16000`); `undefined` if unsupported. */
export function formatFromContentType(contentType: string): StreamFormat | undefined {
  const m = /^\s*(audio\/x-(?:mulaw|l16))\s*;\s*rate\s*=\s*(\d+)\s*$/i.exec(contentType);
  if (m === null) return undefined;
  return formatFromWire(m[1] as string, Number(m[2]));
}

/** Milliseconds of audio in `bytes` of this format. */
export function bytesToMs(format: StreamFormat, bytes: number): number {
  return (bytes / (format.bytesPerSample * format.sampleRate)) * 1000;
}

/** Bytes of this format in `ms` of audio (rounded down to a whole sample). */
export function msToBytes(format: StreamFormat, ms: number): number {
  return Math.floor((ms * format.sampleRate) / 1000) * format.bytesPerSample;
}
