/**
 * Open a client WebSocket to a vendor with a connect timeout, cancellation, and the vendor's
 * handshake rejection (HTTP 401/429/...) turned into a ProviderError with its status, body and
 * Retry-After, which `ws` otherwise reduces to "Unexpected server response: 401".
 */
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { Clock } from '../../clock.js';
import { type VendorFailure, cancelledError, failureError, networkError, parseRetryAfter, timeoutError } from './failure.js';
import type { VendorInfo } from './vendor.js';

/** Largest handshake error body read, so a misbehaving server cannot make us buffer much. */
const MAX_ERROR_BODY = 16 * 1024;

/** Options of {@link connectWebSocket}. */
export interface WsConnectOptions {
  readonly vendor: VendorInfo;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  /** The key, redacted from any vendor message. */
  readonly secret: string;
  /** What the connection is for, in messages ("live transcription"). */
  readonly what: string;
  /** Parse the vendor's error body and headers into code and message. */
  readonly describe: (status: number, body: string, header: (name: string) => string | undefined) => Omit<VendorFailure, 'status' | 'retryAfterMs'>;
  /** Largest message accepted from the vendor (ws maxPayload). */
  readonly maxPayload: number;
  /**
   * Called with the socket as soon as it exists, before the handshake: a listener attached here
   * sees a message the vendor sends the moment it accepts (it can arrive in the same read as the
   * 101 and be emitted before code awaiting this promise runs, and would be lost).
   */
  readonly onSocket?: (ws: WebSocket) => void;
}

/** Resolve with an open socket, or reject with a ProviderError. */
export function connectWebSocket(o: WsConnectOptions): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(cancelledError(o.vendor));
      return;
    }
    let settled = false;
    const ws = new WebSocket(o.url, { headers: { ...o.headers }, maxPayload: o.maxPayload, perMessageDeflate: false });
    o.onSocket?.(ws);
    const finish = (error: Error | undefined): void => {
      if (settled) return;
      settled = true;
      o.clock.clearTimer(timer);
      o.signal?.removeEventListener('abort', onAbort);
      ws.off('open', onOpen);
      ws.off('unexpected-response', onResponse);
      if (error === undefined) {
        ws.off('error', onError);
        resolve(ws);
        return;
      }
      // Keep a no-op error listener: terminate() after a failed handshake may still emit one.
      ws.on('error', () => {});
      ws.terminate();
      reject(error);
    };
    const onOpen = (): void => finish(undefined);
    const onError = (err: Error): void => finish(networkError(o.vendor, o.url, err));
    const onAbort = (): void => finish(cancelledError(o.vendor));
    const onResponse = (_req: unknown, res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void => {
        const body = Buffer.concat(chunks).toString('utf8');
        const header = (name: string): string | undefined => {
          const v = res.headers[name];
          return Array.isArray(v) ? v[0] : v;
        };
        const status = res.statusCode ?? 0;
        const described = o.describe(status, body, header);
        finish(failureError(o.vendor, { ...described, status, retryAfterMs: parseRetryAfter(header) }, { what: o.what, secret: o.secret }));
      };
      res.on('data', (c: Buffer) => {
        if (size < MAX_ERROR_BODY) chunks.push(c.subarray(0, MAX_ERROR_BODY - size));
        size += c.length;
      });
      res.on('end', done);
      res.on('error', done);
      res.on('close', done);
    };
    const timer = o.clock.setTimer(() => finish(timeoutError(o.vendor, `accept the WebSocket for ${o.what}`, o.timeoutMs)), o.timeoutMs, { keepAlive: true });
    ws.on('open', onOpen);
    ws.on('error', onError);
    ws.on('unexpected-response', onResponse);
    o.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
