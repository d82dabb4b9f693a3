/**
 * Stream status callbacks to the XML's statusCallbackUrl (docs/plivo-protocol.md §4):
 * StartStream, StopStream, DroppedStream, DegradedStream. Plivo's docs list the echoed
 * Stream attributes and `Event` but not the remaining names, so the emulator posts `Event`,
 * `StreamID`, `CallUUID`, `Timestamp`, every attribute as written in the XML, plus
 * `BufferPercent` (DegradedStream) and `Error` (DroppedStream): the names parseStreamStatus
 * reads. Callbacks go out in order, one at a time; the queue is bounded.
 */
import type { StreamStatusName } from '../protocol/status.js';
import { type FormParams, signedRequest } from './signed-request.js';

/** Where and how to post. */
export interface StatusTarget {
  readonly url: string;
  readonly method: 'GET' | 'POST';
}

/** The outcome of one callback. */
export interface StatusResult {
  readonly event: StreamStatusName;
  readonly status?: number;
  readonly error?: string;
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, the timestamp style of Plivo's callbacks. */
export function plivoTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ');
}

const MAX_PENDING = 64;

/** Posts one stream's status callbacks. */
export class StatusNotifier {
  readonly #target: StatusTarget | undefined;
  readonly #base: FormParams;
  readonly #authToken: string | undefined;
  readonly #epochNow: () => number;
  readonly #onResult: (result: StatusResult) => void;
  #chain: Promise<void> = Promise.resolve();
  #pending = 0;

  constructor(options: {
    target: StatusTarget | undefined;
    streamId: string;
    callUuid: string;
    attributes: FormParams;
    authToken: string | undefined;
    epochNow: () => number;
    onResult: (result: StatusResult) => void;
  }) {
    this.#target = options.target;
    this.#base = { ...options.attributes, StreamID: options.streamId, CallUUID: options.callUuid };
    this.#authToken = options.authToken;
    this.#epochNow = options.epochNow;
    this.#onResult = options.onResult;
  }

  /** Queue a callback (no-op without a statusCallbackUrl). */
  post(event: StreamStatusName, extra: FormParams = {}): void {
    const target = this.#target;
    if (target === undefined) return;
    if (this.#pending >= MAX_PENDING) {
      this.#onResult({ event, error: `dropped: ${MAX_PENDING} callbacks already pending` });
      return;
    }
    const params = { ...this.#base, ...extra, Event: event, Timestamp: plivoTimestamp(this.#epochNow()) };
    this.#pending++;
    this.#chain = this.#chain.then(async () => {
      try {
        const res = await signedRequest({ method: target.method, url: target.url, params, authToken: this.#authToken, timeoutMs: 5000, maxBytes: 64 * 1024 });
        this.#onResult({ event, status: res.status });
      } catch (e) {
        this.#onResult({ event, error: (e as Error).message });
      } finally {
        this.#pending--;
      }
    });
  }

  /** Resolves when every queued callback has been answered or has failed. */
  settled(): Promise<void> {
    return this.#chain;
  }
}
