/**
 * Scripted failures shared by the fakes: HTTP answers that replace the real one for the next N
 * requests or handshakes (401, 429 with Retry-After, 503, ...), and mid-stream drops.
 */

/** An HTTP error a fake answers with instead of the real response. */
export interface HttpFault {
  readonly status: number;
  /** Retry-After in seconds (sent as the `retry-after` header). */
  readonly retryAfterS?: number;
  /** Body override; default is the vendor's own error shape for the status. */
  readonly body?: unknown;
}

/** A queue of HTTP faults, each served once. */
export class FaultQueue {
  readonly #faults: HttpFault[] = [];

  /** Serve `fault` on the next `times` requests. */
  push(fault: HttpFault, times = 1): void {
    for (let i = 0; i < times; i++) this.#faults.push(fault);
  }

  /** The fault for this request, if any. */
  take(): HttpFault | undefined {
    return this.#faults.shift();
  }

  /** Faults not yet served. */
  get pending(): number {
    return this.#faults.length;
  }

  clear(): void {
    this.#faults.length = 0;
  }
}

/** Headers for a fault (Retry-After when set). */
export function faultHeaders(f: HttpFault): Record<string, string> {
  return f.retryAfterS === undefined ? {} : { 'retry-after': String(f.retryAfterS) };
}
