/**
 * One error base for all of callwire. Callers branch on {@link CallwireError.code},
 * never on message text; retry loops read {@link CallwireError.retryable}.
 *
 * The catalogue below is the single list of codes. Each entry names its family and
 * whether a retry can help by default.
 */

/** Families group codes and select the subclass. */
export type ErrorFamily =
  | 'protocol'
  | 'xml'
  | 'signature'
  | 'audio'
  | 'config'
  | 'provider'
  | 'stream'
  | 'rest'
  | 'store'
  | 'agent'
  | 'emulator'
  | 'server';

interface CodeInfo {
  readonly family: ErrorFamily;
  readonly retryable: boolean;
}

/**
 * Every stable error code. Adding a code is a minor change; renaming or removing
 * one is a breaking change.
 */
export const ERROR_CODES = {
  // Wire messages (src/protocol)
  PROTOCOL_INVALID_JSON: { family: 'protocol', retryable: false },
  PROTOCOL_NOT_AN_OBJECT: { family: 'protocol', retryable: false },
  PROTOCOL_MISSING_FIELD: { family: 'protocol', retryable: false },
  PROTOCOL_INVALID_FIELD: { family: 'protocol', retryable: false },
  PROTOCOL_INVALID_BASE64: { family: 'protocol', retryable: false },
  PROTOCOL_FRAME_TOO_LARGE: { family: 'protocol', retryable: false },
  PROTOCOL_BINARY_FRAME: { family: 'protocol', retryable: false },
  PROTOCOL_UNKNOWN_EVENT: { family: 'protocol', retryable: false },
  PROTOCOL_INVALID_DTMF: { family: 'protocol', retryable: false },
  PROTOCOL_INVALID_CONTENT_TYPE: { family: 'protocol', retryable: false },
  PROTOCOL_WAV_HEADER_IN_PAYLOAD: { family: 'protocol', retryable: false },
  // Stream XML (src/protocol/xml*)
  XML_INSECURE_URL: { family: 'xml', retryable: false },
  XML_INVALID_URL: { family: 'xml', retryable: false },
  XML_INVALID_AUDIO_TRACK: { family: 'xml', retryable: false },
  XML_INVALID_EXTRA_HEADERS: { family: 'xml', retryable: false },
  XML_EXTRA_HEADERS_TOO_LONG: { family: 'xml', retryable: false },
  XML_INVALID_TIMEOUT: { family: 'xml', retryable: false },
  XML_INVALID_ATTRIBUTE: { family: 'xml', retryable: false },
  XML_PARSE_FAILED: { family: 'xml', retryable: false },
  XML_NO_STREAM_ELEMENT: { family: 'xml', retryable: false },
  // Request signatures
  SIGNATURE_INVALID_METHOD: { family: 'signature', retryable: false },
  SIGNATURE_MISSING: { family: 'signature', retryable: false },
  SIGNATURE_MISMATCH: { family: 'signature', retryable: false },
  SIGNATURE_REPLAYED: { family: 'signature', retryable: false },
  // Audio core (src/audio)
  AUDIO_INVALID_WAV: { family: 'audio', retryable: false },
  AUDIO_UNSUPPORTED_ENCODING: { family: 'audio', retryable: false },
  AUDIO_UNSUPPORTED_RATE: { family: 'audio', retryable: false },
  AUDIO_ODD_LENGTH: { family: 'audio', retryable: false },
  AUDIO_INVALID_FORMAT: { family: 'audio', retryable: false },
  AUDIO_BUFFER_TOO_SMALL: { family: 'audio', retryable: false },
  AUDIO_RESAMPLER_FAILED: { family: 'audio', retryable: false },
  AUDIO_DESTROYED: { family: 'audio', retryable: false },
  // Configuration
  CONFIG_INVALID: { family: 'config', retryable: false },
  CONFIG_MISSING: { family: 'config', retryable: false },
  CONFIG_FILE_UNREADABLE: { family: 'config', retryable: false },
  // Cloud providers (STT / LLM / TTS)
  PROVIDER_AUTH_FAILED: { family: 'provider', retryable: false },
  PROVIDER_RATE_LIMITED: { family: 'provider', retryable: true },
  PROVIDER_BAD_REQUEST: { family: 'provider', retryable: false },
  PROVIDER_UNAVAILABLE: { family: 'provider', retryable: true },
  PROVIDER_TIMEOUT: { family: 'provider', retryable: true },
  PROVIDER_DISCONNECTED: { family: 'provider', retryable: true },
  PROVIDER_PROTOCOL: { family: 'provider', retryable: false },
  PROVIDER_CANCELLED: { family: 'provider', retryable: false },
  PROVIDER_QUOTA_EXCEEDED: { family: 'provider', retryable: false },
  PROVIDER_QUEUE_FULL: { family: 'provider', retryable: false },
  // A fallback chain moved a call from a failed provider to the next one (an event, not a failure).
  PROVIDER_FAILOVER: { family: 'provider', retryable: false },
  // A live call stream
  STREAM_NOT_STARTED: { family: 'stream', retryable: false },
  STREAM_ALREADY_STARTED: { family: 'stream', retryable: false },
  STREAM_PRESTART_OVERFLOW: { family: 'stream', retryable: false },
  STREAM_ENDED: { family: 'stream', retryable: false },
  STREAM_BACKPRESSURE: { family: 'stream', retryable: true },
  STREAM_KEEPALIVE_TIMEOUT: { family: 'stream', retryable: false },
  STREAM_WRONG_STREAM_ID: { family: 'stream', retryable: false },
  STREAM_ID_NOT_GRANTED: { family: 'stream', retryable: false },
  STREAM_NOT_BIDIRECTIONAL: { family: 'stream', retryable: false },
  STREAM_CHECKPOINT_CLEARED: { family: 'stream', retryable: false },
  STREAM_CHECKPOINT_UNACKED: { family: 'stream', retryable: false },
  STREAM_QUEUE_FULL: { family: 'stream', retryable: true },
  STREAM_BACKLOG_OVERFLOW: { family: 'stream', retryable: false },
  STREAM_UNSUPPORTED_FORMAT: { family: 'stream', retryable: false },
  STREAM_FORMAT_MISMATCH: { family: 'stream', retryable: false },
  STREAM_LISTENER_FAILED: { family: 'stream', retryable: false },
  STREAM_AUDIO_DROPPED: { family: 'stream', retryable: false },
  STREAM_RATE_LIMITED: { family: 'stream', retryable: false },
  /** A stream sent audio faster than real time past its burst (closed 1008). */
  STREAM_AUDIO_OVER_REALTIME: { family: 'stream', retryable: false },
  /** One media frame held more audio than a frame may (closed 1008). */
  STREAM_FRAME_TOO_LONG: { family: 'stream', retryable: false },
  // Plivo REST API
  REST_MISSING_CREDENTIALS: { family: 'rest', retryable: false },
  REST_AUTH_FAILED: { family: 'rest', retryable: false },
  REST_NOT_FOUND: { family: 'rest', retryable: false },
  REST_BAD_REQUEST: { family: 'rest', retryable: false },
  REST_UNAVAILABLE: { family: 'rest', retryable: true },
  // Persistence
  STORE_WRITE_FAILED: { family: 'store', retryable: true },
  STORE_UNAVAILABLE: { family: 'store', retryable: true },
  STORE_INVALID_INPUT: { family: 'store', retryable: false },
  STORE_PRUNE_FAILED: { family: 'store', retryable: true },
  STORE_SCHEMA_TOO_NEW: { family: 'store', retryable: false },
  STORE_NOT_FOUND: { family: 'store', retryable: false },
  STORE_AMBIGUOUS_ID: { family: 'store', retryable: false },
  STORE_RECORDING_FAILED: { family: 'store', retryable: false },
  // Agent loop
  AGENT_TOOL_FAILED: { family: 'agent', retryable: false },
  AGENT_TOOL_INVALID_ARGS: { family: 'agent', retryable: false },
  /** Detached agent work (a reply, a report, a timer's action) failed; that call alone is affected. */
  AGENT_TASK_FAILED: { family: 'agent', retryable: false },
  // Emulator (the Plivo side); codes mirror the troubleshooting guide's error names
  // (connection_failed, authentication_failed, invalid_content_type, buffer_overflow), which
  // only the guide names: docs/plivo-protocol.md §8
  EMULATOR_CONNECTION_FAILED: { family: 'emulator', retryable: true },
  EMULATOR_AUTHENTICATION_FAILED: { family: 'emulator', retryable: false },
  EMULATOR_INVALID_CONTENT_TYPE: { family: 'emulator', retryable: false },
  EMULATOR_BUFFER_OVERFLOW: { family: 'emulator', retryable: false },
  EMULATOR_WAV_HEADER: { family: 'emulator', retryable: false },
  EMULATOR_ANSWER_FAILED: { family: 'emulator', retryable: false },
  EMULATOR_SCRIPT_INVALID: { family: 'emulator', retryable: false },
  EMULATOR_NOT_BIDIRECTIONAL: { family: 'emulator', retryable: false },
  EMULATOR_WRONG_STREAM_ID: { family: 'emulator', retryable: false },
  EMULATOR_UNEXPECTED_MESSAGE: { family: 'emulator', retryable: false },
  EMULATOR_STREAM_DROPPED: { family: 'emulator', retryable: false },
  EMULATOR_TIMEOUT: { family: 'emulator', retryable: true },
  EMULATOR_CALL_ENDED: { family: 'emulator', retryable: false },
  EMULATOR_QUEUE_FULL: { family: 'emulator', retryable: true },
  // The server could not start listening (port in use, not permitted, no such address)
  SERVER_LISTEN_FAILED: { family: 'server', retryable: false },
  // The server refusing a request before it reaches a stream (the status says the same)
  SERVER_NOT_FOUND: { family: 'server', retryable: false },
  SERVER_BAD_REQUEST: { family: 'server', retryable: false },
  SERVER_RATE_LIMITED: { family: 'server', retryable: true },
  SERVER_AT_CAPACITY: { family: 'server', retryable: true },
  SERVER_DRAINING: { family: 'server', retryable: true },
  SERVER_BODY_TOO_LARGE: { family: 'server', retryable: false },
  SERVER_REQUEST_TIMEOUT: { family: 'server', retryable: true },
  /** Open (loopback) mode refused a Host that is not a loopback name: DNS rebinding. */
  SERVER_HOST_REFUSED: { family: 'server', retryable: false },
  /** A browser request or WebSocket from another site (its Origin header). */
  SERVER_ORIGIN_REFUSED: { family: 'server', retryable: false },
} as const satisfies Record<string, CodeInfo>;

/** Every stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes belonging to one family. */
export type CodeOf<F extends ErrorFamily> = {
  [K in ErrorCode]: (typeof ERROR_CODES)[K]['family'] extends F ? K : never;
}[ErrorCode];

/** Options accepted by every error constructor. */
export interface CallwireErrorOptions {
  /** The underlying error, kept for logs; never shown to callers as the message. */
  cause?: unknown;
  /** Override the catalogue's default. */
  retryable?: boolean;
  /** Small structured context (field name, limit, status code, ...). Never payloads or secrets. */
  details?: Readonly<Record<string, string | number | boolean | undefined>>;
}

const BRAND = Symbol.for('callwire.error');

/** Base class of every error callwire throws or reports. */
export class CallwireError extends Error {
  /** Stable machine-readable code; branch on this. */
  readonly code: ErrorCode;
  /** The code's family (protocol, audio, provider, ...). */
  readonly family: ErrorFamily;
  /** Whether retrying the same operation can succeed. */
  readonly retryable: boolean;
  /** Structured context safe to log. */
  readonly details: Readonly<Record<string, string | number | boolean | undefined>>;

  constructor(code: ErrorCode, message: string, options: CallwireErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CallwireError';
    this.code = code;
    const info: CodeInfo = ERROR_CODES[code];
    this.family = info.family;
    this.retryable = options.retryable ?? info.retryable;
    this.details = options.details ?? {};
    (this as unknown as Record<symbol, boolean>)[BRAND] = true;
  }

  /** A plain object for logs and JSON APIs. */
  toJSON(): { name: string; code: ErrorCode; message: string; retryable: boolean; details: object } {
    return { name: this.name, code: this.code, message: this.message, retryable: this.retryable, details: this.details };
  }
}

/** True for any CallwireError, also across duplicate copies of the package. */
export function isCallwireError(value: unknown): value is CallwireError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** A malformed or unexpected wire message, in either direction. */
export class ProtocolError extends CallwireError {
  constructor(code: CodeOf<'protocol'>, message: string, options?: CallwireErrorOptions) {
    super(code, message, options);
    this.name = 'ProtocolError';
  }
}

/** Stream XML that Plivo would reject or misread. */
export class XmlError extends CallwireError {
  constructor(code: CodeOf<'xml'>, message: string, options?: CallwireErrorOptions) {
    super(code, message, options);
    this.name = 'XmlError';
  }
}

/** A request signature that is missing, wrong or replayed. */
export class SignatureError extends CallwireError {
  constructor(code: CodeOf<'signature'>, message: string, options?: CallwireErrorOptions) {
    super(code, message, options);
    this.name = 'SignatureError';
  }
}

/** Audio bytes or parameters the audio core cannot handle. */
export class AudioError extends CallwireError {
  constructor(code: CodeOf<'audio'>, message: string, options?: CallwireErrorOptions) {
    super(code, message, options);
    this.name = 'AudioError';
  }
}

/** A setting that is missing or wrong; the message names the setting and what is expected. */
export class ConfigError extends CallwireError {
  constructor(code: CodeOf<'config'>, message: string, options?: CallwireErrorOptions) {
    super(code, message, options);
    this.name = 'ConfigError';
  }
}

/** A cloud provider (STT, LLM, TTS) failed; `retryable` tells the retry loop what to do. */
export class ProviderError extends CallwireError {
  /** Which provider, e.g. `deepgram`. */
  readonly provider: string;
  constructor(code: CodeOf<'provider'>, provider: string, message: string, options?: CallwireErrorOptions) {
    super(code, message, options);
    this.name = 'ProviderError';
    this.provider = provider;
  }
}

/** A live call stream refused an operation or ended abnormally. */
export class StreamError extends CallwireError {
  constructor(code: CodeOf<'stream'>, message: string, options?: CallwireErrorOptions) {
    super(code, message, options);
    this.name = 'StreamError';
  }
}

/** A Plivo REST API call failed. */
export class RestError extends CallwireError {
  constructor(code: CodeOf<'rest'>, message: string, options?: CallwireErrorOptions) {
    super(code, message, options);
    this.name = 'RestError';
  }
}

/** Build an error of the right subclass for any code (used where the family is data-driven). */
export function errorFor(code: ErrorCode, message: string, options?: CallwireErrorOptions): CallwireError {
  switch (ERROR_CODES[code].family) {
    case 'protocol':
      return new ProtocolError(code as CodeOf<'protocol'>, message, options);
    case 'xml':
      return new XmlError(code as CodeOf<'xml'>, message, options);
    case 'signature':
      return new SignatureError(code as CodeOf<'signature'>, message, options);
    case 'audio':
      return new AudioError(code as CodeOf<'audio'>, message, options);
    case 'config':
      return new ConfigError(code as CodeOf<'config'>, message, options);
    case 'stream':
      return new StreamError(code as CodeOf<'stream'>, message, options);
    case 'rest':
      return new RestError(code as CodeOf<'rest'>, message, options);
    case 'provider':
    case 'store':
    case 'agent':
    case 'emulator':
    case 'server':
      return new CallwireError(code, message, options);
  }
}

/** Shorten untrusted text for an error message: never echo a whole payload. */
export function preview(text: string, max = 64): string {
  const flat = text.replace(/[\u0000-\u001f]/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max)}… (${text.length} chars)`;
}
