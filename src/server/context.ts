/** State shared by the server's routes. */
import type { Clock } from '../clock.js';
import type { Logger } from '../log/logger.js';
import type { LogSampler } from '../log/sampled.js';
import type { StreamStatusEvent } from '../protocol/status.js';
import type { PlivoRestClient } from '../rest/plivo-rest.js';
import type { CallStream } from '../stream/call-stream.js';
import type { Pacer } from '../stream/pacer.js';
import type { CallContextCodec } from './call-context.js';
import type { NonceCache } from './nonce-cache.js';
import type { ResolvedOptions, ServerOptions } from './options.js';
import type { RateLimiter } from './rate-limit.js';

export interface ServerContext {
  readonly options: ResolvedOptions;
  /** The options as given (stream-level settings pass straight through). */
  readonly raw: ServerOptions;
  readonly log: Logger;
  readonly clock: Clock;
  readonly pacer: Pacer | undefined;
  readonly nonces: NonceCache;
  readonly contexts: CallContextCodec;
  readonly limiter: RateLimiter;
  readonly rest: PlivoRestClient;
  readonly streams: Set<CallStream>;
  /** Refusals (bad signatures, rate limits, ...) are logged sampled per code: a flood cannot flood the log. */
  readonly refusals: LogSampler;
  /** Status callbacks kept in memory (bounded ring; the store keeps them durably). */
  readonly statusEvents: StreamStatusEvent[];
  draining: boolean;
  emitStatus(event: StreamStatusEvent): void;
}
