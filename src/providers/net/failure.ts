/**
 * Vendor failures -> ProviderError with a stable code and a message that says what to fix.
 * One mapping for every vendor: HTTP status first, then the vendor's own error code for the
 * cases a status cannot tell apart (a 429 that is a spent quota, not a rate limit).
 */
import { ProviderError, preview } from '../../errors.js';
import { redactSecret } from './api-key.js';
import type { VendorInfo } from './vendor.js';

/** What a vendor told us about a failed request or handshake. */
export interface VendorFailure {
  /** HTTP status of the request or WebSocket handshake. */
  readonly status: number;
  /** The vendor's machine code, e.g. `invalid_api_key`, `INVALID_AUTH`, `concurrency_limited`. */
  readonly vendorCode?: string;
  /** The vendor's human message (shown shortened, with the key redacted). */
  readonly vendorMessage?: string;
  /** From Retry-After / retry-after-ms. */
  readonly retryAfterMs?: number;
  readonly requestId?: string;
}

/** Context for the message: what was being done, the secret to redact. */
export interface FailureContext {
  /** e.g. `live transcription`, `chat completions with model gpt-4o-mini`. */
  readonly what: string;
  readonly secret: string;
}

// Vendor codes that mean "the account is out of credit", which no retry fixes.
// OpenAI: insufficient_quota (https://platform.openai.com/docs/guides/error-codes);
// ElevenLabs: quota_exceeded; Deepgram: ASR_PAYMENT_REQUIRED.
const QUOTA_CODES = /quota|insufficient|credit|billing|payment/i;

/** Map a vendor failure to a ProviderError. */
export function failureError(vendor: VendorInfo, f: VendorFailure, ctx: FailureContext): ProviderError {
  const says = vendorSays(vendor, f, ctx.secret);
  const details = {
    status: f.status,
    vendorCode: f.vendorCode,
    requestId: f.requestId,
    retryAfterMs: f.retryAfterMs,
    envVar: vendor.envVar,
  };
  const s = f.status;
  if (s === 401 || s === 403) {
    return new ProviderError(
      'PROVIDER_AUTH_FAILED',
      vendor.id,
      `${vendor.envVar} was rejected (${s}) by ${vendor.label} for ${ctx.what}: check the key is valid, not revoked, and allowed to use this endpoint.${says}`,
      { details },
    );
  }
  if (s === 402 || (f.vendorCode !== undefined && QUOTA_CODES.test(f.vendorCode))) {
    return new ProviderError(
      'PROVIDER_QUOTA_EXCEEDED',
      vendor.id,
      `${vendor.label} refused ${ctx.what} (${s}): the account behind ${vendor.envVar} is out of credit or quota; add credit or raise the plan's limit.${says}`,
      { details },
    );
  }
  if (s === 429) {
    return new ProviderError(
      'PROVIDER_RATE_LIMITED',
      vendor.id,
      `${vendor.label} rate-limited ${ctx.what} (429); retried with backoff. If it persists, lower concurrency or raise the plan's limits.${says}`,
      { details },
    );
  }
  if (s === 408 || s === 425 || s >= 500) {
    return new ProviderError('PROVIDER_UNAVAILABLE', vendor.id, `${vendor.label} is unavailable for ${ctx.what} (${s}); retried with backoff.${says}`, {
      details,
    });
  }
  if (s === 404) {
    return new ProviderError(
      'PROVIDER_BAD_REQUEST',
      vendor.id,
      `${vendor.label} answered 404 for ${ctx.what}: check the baseUrl and the model/voice id.${says}`,
      { details },
    );
  }
  return new ProviderError('PROVIDER_BAD_REQUEST', vendor.id, `${vendor.label} rejected ${ctx.what} (${s}): check the provider options.${says}`, {
    details,
  });
}

function vendorSays(vendor: VendorInfo, f: VendorFailure, secret: string): string {
  if (f.vendorMessage === undefined || f.vendorMessage === '') return '';
  return ` ${vendor.label} said: "${preview(redactSecret(f.vendorMessage, secret), 200)}"`;
}

/** The server could not be reached (DNS, refused, reset before a response). */
export function networkError(vendor: VendorInfo, url: string, cause: unknown): ProviderError {
  const code = (cause as { code?: unknown } | null)?.code;
  const why = typeof code === 'string' ? code : cause instanceof Error ? preview(cause.message, 80) : 'network error';
  return new ProviderError(
    'PROVIDER_UNAVAILABLE',
    vendor.id,
    `could not reach ${vendor.label} at ${safeOrigin(url)} (${why}): check the baseUrl and the network.`,
    { cause, details: { url: safeOrigin(url) } },
  );
}

/** An operation took longer than its limit. */
export function timeoutError(vendor: VendorInfo, what: string, ms: number): ProviderError {
  return new ProviderError('PROVIDER_TIMEOUT', vendor.id, `${vendor.label} did not ${what} within ${ms} ms.`, { details: { timeoutMs: ms } });
}

/** The caller aborted (barge-in, hang-up). */
export function cancelledError(vendor: VendorInfo): ProviderError {
  return new ProviderError('PROVIDER_CANCELLED', vendor.id, `${vendor.label} request cancelled.`);
}

/** A response that does not follow the vendor's protocol. */
export function protocolError(vendor: VendorInfo, what: string): ProviderError {
  return new ProviderError('PROVIDER_PROTOCOL', vendor.id, `${vendor.label} sent ${what}.`);
}

/** Scheme, host and port only: never the query (which may hold a key). */
export function safeOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

/**
 * Retry-After in ms from response headers: OpenAI's `retry-after-ms`, else `retry-after` as
 * seconds or an HTTP date (RFC 9110 §10.2.3).
 */
export function parseRetryAfter(get: (name: string) => string | null | undefined): number | undefined {
  const ms = get('retry-after-ms');
  if (ms != null && ms !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const v = get('retry-after');
  if (v == null || v === '') return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(v);
  // An HTTP date is wall-clock by definition; only the difference is used.
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}
