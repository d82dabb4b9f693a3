/** `GET /models`: the cheapest authenticated call every OpenAI-compatible server offers. */
import { httpRequest } from '../net/http-request.js';
import { withRetry } from '../net/retry.js';
import { cancelledError } from '../net/failure.js';
import type { OpenAiClientConfig } from './config.js';
import { describeOpenAiError } from './error-body.js';

/** Largest `/models` body read (OpenAI's list is ~10 KB; local servers list a handful). */
const MAX_BODY = 1 << 20;

/** Model ids the server lists; retried on retryable errors. Rejects with a ProviderError. */
export async function listModels(c: OpenAiClientConfig, signal: AbortSignal): Promise<string[]> {
  return withRetry(
    async () => {
      const open = await httpRequest({
        vendor: c.vendor,
        url: `${c.baseUrl}/models`,
        method: 'GET',
        headers: c.headers,
        timeoutMs: c.timeoutMs,
        clock: c.clock,
        signal,
        secret: c.apiKey,
        what: 'listing models',
        describe: describeOpenAiError,
      });
      const parts: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of open.chunks(c.idleTimeoutMs)) {
        size += chunk.length;
        if (size > MAX_BODY) break;
        parts.push(chunk);
      }
      let json: unknown;
      try {
        json = JSON.parse(Buffer.concat(parts).toString('utf8'));
      } catch {
        return [];
      }
      const data = (json as { data?: unknown } | null)?.data;
      if (!Array.isArray(data)) return [];
      // `?.`: an entry may be null or a primitive; only objects with a string id name a model.
      return data.map((m) => (m as { id?: unknown } | null | undefined)?.id).filter((id): id is string => typeof id === 'string');
    },
    { policy: c.retry, clock: c.clock, signal, cancelled: () => cancelledError(c.vendor) },
  );
}
