/**
 * One HTTP request to a vendor through the global fetch (undici: keep-alive connection reuse
 * across turns), with a time limit to the response headers, an idle limit between body
 * chunks, cancellation, and non-2xx answers mapped to ProviderErrors.
 */
import type { Clock } from '../../clock.js';
import { ProviderError } from '../../errors.js';
import { cancelledError, failureError, networkError, parseRetryAfter, timeoutError, type VendorFailure } from './failure.js';
import type { VendorInfo } from './vendor.js';

const MAX_ERROR_BODY = 16 * 1024;

/** Options of {@link httpRequest}. */
export interface HttpRequestOptions {
  readonly vendor: VendorInfo;
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Limit from sending the request to receiving the response headers. */
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  readonly secret: string;
  /** What the request is for, in messages. */
  readonly what: string;
  /** Parse the vendor's error body into code and message. */
  readonly describe: (status: number, body: string) => Omit<VendorFailure, 'status' | 'retryAfterMs'>;
}

/** A successful response whose body has not been read yet. */
export interface OpenResponse {
  readonly response: Response;
  /** Aborts the request (stops the body at once). */
  readonly abort: () => void;
  /** The body as chunks, failing with PROVIDER_TIMEOUT when the server goes quiet for `idleMs`. */
  chunks(idleMs: number): AsyncGenerator<Uint8Array>;
}

/** Send the request; resolve once a 2xx response's headers arrived. */
export async function httpRequest(o: HttpRequestOptions): Promise<OpenResponse> {
  if (o.signal?.aborted) throw cancelledError(o.vendor);
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = (): void => controller.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = o.clock.setTimer(() => {
    timedOut = true;
    controller.abort();
  }, o.timeoutMs, { keepAlive: true });
  let response: Response;
  try {
    response = await fetch(o.url, { method: o.method, headers: o.headers, body: o.body, signal: controller.signal });
  } catch (error) {
    o.signal?.removeEventListener('abort', onAbort);
    if (o.signal?.aborted) throw cancelledError(o.vendor);
    if (timedOut) throw timeoutError(o.vendor, `answer ${o.what}`, o.timeoutMs);
    throw networkError(o.vendor, o.url, (error as { cause?: unknown }).cause ?? error);
  } finally {
    o.clock.clearTimer(timer);
  }
  if (!response.ok) {
    const body = await readLimited(response, MAX_ERROR_BODY).catch(() => '');
    o.signal?.removeEventListener('abort', onAbort);
    const failure = o.describe(response.status, body);
    throw failureError(
      o.vendor,
      { ...failure, status: response.status, retryAfterMs: parseRetryAfter((n) => response.headers.get(n)) },
      { what: o.what, secret: o.secret },
    );
  }
  const abort = (): void => controller.abort();
  return {
    response,
    abort,
    chunks: (idleMs) => readChunks(response, idleMs, o, controller, () => o.signal?.removeEventListener('abort', onAbort)),
  };
}

async function* readChunks(
  response: Response,
  idleMs: number,
  o: HttpRequestOptions,
  controller: AbortController,
  cleanup: () => void,
): AsyncGenerator<Uint8Array> {
  const body = response.body;
  if (body === null) return;
  const reader = body.getReader();
  let complete = false;
  try {
    for (;;) {
      let idle = false;
      const timer = o.clock.setTimer(() => {
        idle = true;
        controller.abort();
      }, idleMs);
      let result: { done: true; value?: undefined } | { done: false; value: Uint8Array };
      try {
        result = await reader.read();
      } catch (error) {
        if (o.signal?.aborted) throw cancelledError(o.vendor);
        if (idle) throw timeoutError(o.vendor, `send more of ${o.what}`, idleMs);
        throw new ProviderError('PROVIDER_DISCONNECTED', o.vendor.id, `${o.vendor.label} dropped the connection in the middle of ${o.what}.`, {
          cause: error,
        });
      } finally {
        o.clock.clearTimer(timer);
      }
      if (result.done) {
        complete = true;
        return;
      }
      yield result.value;
    }
  } finally {
    cleanup();
    // Stop the download when the consumer stopped early. Never after a clean end: undici may
    // not have returned the connection to the keep-alive pool yet, and abort would destroy it.
    if (!complete) controller.abort();
    reader.releaseLock();
  }
}

/** Up to `max` bytes of the body as text (error bodies only). */
async function readLimited(response: Response, max: number): Promise<string> {
  const body = response.body;
  if (body === null) return '';
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const r = await reader.read();
      if (r.done) break;
      parts.push(r.value);
      size += r.value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(parts).toString('utf8').slice(0, max);
}
