/** A cheap authenticated GET used by `verify()`: succeeds on 2xx, maps anything else to a ProviderError. */
import type { Clock } from '../../clock.js';
import { cancelledError } from './failure.js';
import { type HttpRequestOptions, httpRequest } from './http-request.js';
import { type RetryPolicy, withRetry } from './retry.js';

/** GET `o.url` (retrying retryable failures) and drain the body. */
export async function probe(o: Omit<HttpRequestOptions, 'method' | 'body'> & { readonly retry: RetryPolicy; readonly clock: Clock }): Promise<void> {
  await withRetry(
    async () => {
      const open = await httpRequest({ ...o, method: 'GET' });
      for await (const _ of open.chunks(o.timeoutMs)) {
        // drained so the connection returns to the keep-alive pool
      }
    },
    { policy: o.retry, clock: o.clock, signal: o.signal, cancelled: () => cancelledError(o.vendor) },
  );
}
