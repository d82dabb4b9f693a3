/**
 * A Plivo in miniature: one object owns the REST API, the shared 20 ms tickers and any
 * number of calls at once (the load test runs hundreds).
 */
import type { Clock } from '../clock.js';
import { defaultClock } from '../clock.js';
import { ConfigError } from '../errors.js';
import { type CallHost, EmulatedCall } from './call.js';
import { type CallOptions, resolveCallOptions } from './call-options.js';
import { type RestLogEntry, RestServer } from './rest-server.js';
import { FrameTicker, type TickerStats } from './ticker.js';

/** Options of {@link PlivoEmulator}. */
export interface EmulatorOptions {
  /** The account's Auth ID (`accountId` in `start`, the REST path and Basic auth user). */
  authId?: string;
  /** The account's Auth Token: signs answer, upgrade and callback requests; checks REST Basic auth. */
  authToken?: string;
  /** Monotonic clock (default: the process clock). */
  clock?: Clock;
  /** Unix epoch ms for media timestamps and callbacks (default Date.now). */
  epochNow?: () => number;
  /**
   * Calls are spread over this many evenly spaced phases of the 20 ms frame clock (default
   * {@link DEFAULT_TICK_PHASES}), as real calls reach a server at arbitrary phases. 1 puts
   * every call in lock-step: all frames of all calls in the same instant, the worst burst.
   */
  tickPhases?: number;
}

/** Default number of frame-clock phases the emulator spreads calls over (5 ms apart). */
export const DEFAULT_TICK_PHASES = 4;

/** Default Auth ID: Plivo's shape (MA + 18 characters). */
export const DEFAULT_AUTH_ID = 'MAEMULATOR0000000000';

/** The emulated Plivo. */
export class PlivoEmulator {
  readonly authId: string;
  readonly authToken: string | undefined;
  readonly clock: Clock;
  readonly #epochNow: () => number;
  readonly #tickPhases: number;
  readonly #calls = new Map<string, EmulatedCall>();
  readonly #tickers = new Map<number, FrameTicker>();
  readonly #host: CallHost;
  #rest: RestServer | undefined;

  constructor(options: EmulatorOptions = {}) {
    this.authId = options.authId ?? DEFAULT_AUTH_ID;
    this.authToken = options.authToken;
    this.clock = options.clock ?? defaultClock;
    this.#epochNow = options.epochNow ?? Date.now;
    const phases = options.tickPhases ?? DEFAULT_TICK_PHASES;
    if (!Number.isInteger(phases) || phases < 1 || phases > 20) throw new ConfigError('CONFIG_INVALID', `tickPhases must be an integer from 1 to 20 (got ${phases})`);
    this.#tickPhases = phases;
    this.#host = {
      clock: this.clock,
      accountId: this.authId,
      epochNow: () => this.#epochNow(),
      ticker: (speed) => this.#ticker(speed),
      callEnded: (call) => {
        if (this.#calls.get(call.callId) === call) this.#calls.delete(call.callId);
      },
    };
  }

  #ticker(speed: number): FrameTicker {
    let t = this.#tickers.get(speed);
    if (t === undefined) {
      t = new FrameTicker(this.clock, 20 / speed, { phases: this.#tickPhases });
      this.#tickers.set(speed, t);
    }
    return t;
  }

  /**
   * Serve the REST API (hang up, transfer, start/stop streams) on `host:port` (default
   * 127.0.0.1, a free port). Resolves to the base URL to give a Plivo client in place of
   * `https://api.plivo.com`.
   */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.#rest !== undefined) return this.#rest.url;
    if (this.authToken === undefined) throw new ConfigError('CONFIG_MISSING', 'the REST API needs an authToken to check Basic auth');
    this.#rest = new RestServer({ authId: this.authId, authToken: this.authToken, lookup: (id) => this.#calls.get(id) });
    return this.#rest.listen(port, host);
  }

  /** The REST API's base URL, once listening. */
  get restUrl(): string | undefined {
    return this.#rest?.url;
  }

  /** REST requests served so far (the last 1000), with their parameters. */
  get restLog(): readonly RestLogEntry[] {
    return this.#rest?.log ?? [];
  }

  /** Live calls by call UUID. */
  get calls(): ReadonlyMap<string, EmulatedCall> {
    return this.#calls;
  }

  /** Start a call without waiting for it to connect (watch `call.ready` / `call.finished`). */
  dial(options: CallOptions): EmulatedCall {
    const resolved = resolveCallOptions(options, this.authToken);
    const call = new EmulatedCall(this.#host, resolved);
    this.#calls.set(call.callId, call);
    return call;
  }

  /** Start a call and wait until its stream is open. Rejects (after the call ended) when it could not connect. */
  async startCall(options: CallOptions): Promise<EmulatedCall> {
    const call = this.dial(options);
    try {
      await call.ready;
    } catch (e) {
      await call.finished;
      throw e;
    }
    return call;
  }

  /** Punctuality of the 20 ms schedule at `speed` (the load report uses it). */
  tickerStats(speed = 1): TickerStats | undefined {
    return this.#tickers.get(speed)?.stats();
  }

  /** Hang up every call and stop the REST API. */
  async close(): Promise<void> {
    const calls = [...this.#calls.values()];
    await Promise.all(calls.map((c) => c.hangup('the emulator was closed')));
    await this.#rest?.close();
    this.#rest = undefined;
  }
}
