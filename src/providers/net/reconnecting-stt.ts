/**
 * The mechanism shared by the streaming STT sessions (Deepgram, AssemblyAI, Sarvam): one
 * socket for the call; pushed audio kept in a ReplayBuffer until the vendor has transcribed it;
 * on a drop, a reconnect with back-off and a replay of what was not yet transcribed; a bounded
 * event queue; close and abort handling. A vendor subclass supplies only what is its own: how
 * audio and control messages go on the wire, how replies are parsed, what a close means.
 */
import type WebSocket from 'ws';
import type { Clock } from '../../clock.js';
import { BoundedQueue } from '../../bounded-queue.js';
import { detach } from '../../detached.js';
import { type CallwireError, ProviderError, isCallwireError } from '../../errors.js';
import { bytesPerMs, sampleBytes } from '../audio-spec.js';
import type { ProviderMetric, SttEvent, SttOpenOptions, SttSession } from '../types.js';
import { cancelledError } from './failure.js';
import { ReplayBuffer } from './replay-buffer.js';
import { type RetryPolicy, withRetry } from './retry.js';
import type { VendorInfo } from './vendor.js';

/** Connects a new socket (the provider supplies handshake, headers and URL). */
export type SttConnector = (signal: AbortSignal, attempt: number) => Promise<WebSocket>;

/** The settings every reconnecting STT session reads from its vendor's config. */
export interface ReconnectingSttConfig {
  readonly closeTimeoutMs: number;
  readonly replayLimitMs: number;
  readonly reconnect: RetryPolicy;
  readonly eventCapacity: number;
  readonly clock: Clock;
}

/** How the vendor's session differs in the shared parts. */
export interface ReconnectingSttOptions {
  readonly vendor: VendorInfo;
  /** Completes the replay-overflow warning: `<label> replay buffer full (N ms of <this>)`. */
  readonly unsentAudio: string;
  /** Whether an unread interim is replaced by the next one (vendors with word timings). */
  readonly coalesceInterims: boolean;
}

/** Lifecycle of the session's socket. */
export type ReconnectingSttState = 'open' | 'reconnecting' | 'closing' | 'closed';

/** What a socket close (not asked for by `close()`) means to the vendor. */
export interface SttCloseVerdict {
  readonly error: CallwireError;
  /** Reconnect and replay; false ends the session with `error`. */
  readonly retry: boolean;
}

/** See the module comment. Subclasses call `start()` at the end of their constructor. */
export abstract class ReconnectingSttSession implements SttSession {
  protected readonly c: ReconnectingSttConfig;
  protected readonly ctx: SttOpenOptions;
  protected readonly replay: ReplayBuffer;
  /** Bytes per ms of the call's audio, and the bytes of one sample. */
  protected readonly bpms: number;
  protected readonly align: number;
  readonly #o: ReconnectingSttOptions;
  readonly #connect: SttConnector;
  readonly #events: BoundedQueue<SttEvent>;
  readonly #abort = new AbortController();
  #ws: WebSocket;
  #state: ReconnectingSttState = 'open';
  #overflowWarned = false;
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;

  protected constructor(o: ReconnectingSttOptions, c: ReconnectingSttConfig, ctx: SttOpenOptions, ws: WebSocket, connect: SttConnector) {
    this.#o = o;
    this.c = c;
    this.ctx = ctx;
    this.#connect = connect;
    this.bpms = bytesPerMs(ctx.audio);
    this.align = sampleBytes(ctx.audio);
    this.replay = new ReplayBuffer(Math.round(c.replayLimitMs * this.bpms), this.align);
    this.#events = new BoundedQueue<SttEvent>({
      capacity: c.eventCapacity,
      // An unread interim is superseded by the next one.
      ...(o.coalesceInterims ? { coalesce: (last: SttEvent, next: SttEvent) => last.type === 'interim' && next.type === 'interim' } : {}),
      onCancel: () => void this.close(),
    });
    this.#ws = ws;
  }

  /** Attaches the first socket and follows the caller's abort signal (after subclass fields exist). */
  protected start(): void {
    this.#attach(this.#ws);
    if (this.ctx.signal.aborted) void this.close();
    else this.ctx.signal.addEventListener('abort', () => void this.close(), { once: true });
  }

  /** The current socket. */
  protected get ws(): WebSocket {
    return this.#ws;
  }

  protected get state(): ReconnectingSttState {
    return this.#state;
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.#events[Symbol.asyncIterator]();
  }

  push(audio: Uint8Array): void {
    if (this.#state === 'closing' || this.#state === 'closed' || audio.length === 0) return;
    // Copy: callers reuse frame buffers, and the replay buffer keeps these bytes.
    const bytes = Uint8Array.from(audio);
    if (this.replay.append(bytes, this.c.clock.now()) > 0 && !this.#overflowWarned) {
      this.#overflowWarned = true;
      const { vendor, unsentAudio } = this.#o;
      this.emit({ type: 'warning', error: new ProviderError('PROVIDER_QUEUE_FULL', vendor.id, `${vendor.label} replay buffer full (${this.c.replayLimitMs} ms of ${unsentAudio}); the oldest audio was dropped.`) });
    }
    if (this.#state !== 'open') return;
    this.sendAudio(bytes);
  }

  abstract finalize(): void;

  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    const wasOpen = this.#state === 'open';
    this.#state = 'closing';
    this.onStop();
    if (wasOpen && !this.ctx.signal.aborted) {
      if (this.closeOpen()) return this.#closed;
      this.#abort.abort();
    } else {
      this.#abort.abort();
      this.#ws.terminate();
    }
    this.#finish(undefined);
    return this.#closed;
  }

  /** Sends live audio on the open socket. */
  protected abstract sendAudio(bytes: Uint8Array): void;
  /** Sends one replayed chunk on the new socket. */
  protected abstract sendReplayed(chunk: Uint8Array): void;
  /** A text message from the current socket. */
  protected abstract onText(text: string): void;
  /** What an unrequested close means. `reason` is the socket's close reason. */
  protected abstract closeVerdict(code: number, reason: string): SttCloseVerdict;
  /**
   * `close()` on an open socket with the caller's signal not aborted. Ask the vendor to finish
   * and return true to wait for the socket's close; or close it and return false to end now.
   */
  protected abstract closeOpen(): boolean;

  /** A socket was attached (the first, or a reconnected one). */
  protected onAttach(): void {}
  /** The session stops (closing or ended): release timers. */
  protected onStop(): void {}
  /** A reconnect begins: drop per-socket send state. */
  protected onReconnecting(): void {}
  /** A new socket is open, before the replay: reset per-socket state. */
  protected beforeReplay(): void {}
  /** The replay went out: send what waited for the new socket. */
  protected afterReplay(): void {}

  /** Ends the socket after `closeTimeoutMs` unless it closes first. */
  protected closeAfterTimeout(end: () => void): void {
    const timer = this.c.clock.setTimer(end, this.c.closeTimeoutMs);
    this.#ws.once('close', () => this.c.clock.clearTimer(timer));
  }

  protected emit(event: SttEvent): void {
    if (!this.#events.push(event) && !this.#events.closed) {
      this.#ws.terminate();
      this.#finish(new ProviderError('PROVIDER_QUEUE_FULL', this.#o.vendor.id, `STT events were not read: ${this.c.eventCapacity} are waiting. Consume the session's events.`));
    }
  }

  protected metric(m: ProviderMetric): void {
    this.ctx.onMetric?.(m);
  }

  /** Sends a JSON control message if the socket is open; true if it went out. */
  protected sendJson(msg: Record<string, unknown>): boolean {
    if (this.#ws.readyState !== 1) return false;
    this.#ws.send(JSON.stringify(msg));
    return true;
  }

  #finish(error: CallwireError | undefined): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.onStop();
    this.#abort.abort();
    if (error === undefined) this.#events.end();
    else this.#events.fail(error);
    this.#resolveClosed?.();
  }

  #attach(ws: WebSocket): void {
    this.onAttach();
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (ws !== this.#ws || isBinary) return;
      this.onText(data.toString('utf8'));
    });
    ws.on('error', () => {
      // 'close' follows and decides what to do.
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (ws === this.#ws) this.#onClose(code, reason.toString('utf8'));
    });
  }

  #onClose(code: number, reason: string): void {
    if (this.#state === 'closing') {
      this.#finish(undefined);
      return;
    }
    if (this.#state !== 'open') return;
    const { error, retry } = this.closeVerdict(code, reason);
    if (!retry) {
      this.#finish(error);
      return;
    }
    // Detached: a throw after the reconnect (a metric callback, a send) ends this session, never the process.
    detach(() => this.#reconnect(error), (e) => this.#finish(e), 'PROVIDER_DISCONNECTED');
  }

  async #reconnect(error: CallwireError): Promise<void> {
    const vendor = this.#o.vendor;
    this.#state = 'reconnecting';
    this.onReconnecting();
    const started = this.c.clock.now();
    this.emit({ type: 'reconnecting', attempt: 1, error });
    let ws: WebSocket;
    try {
      ws = await withRetry((attempt) => this.#connect(this.#abort.signal, attempt), {
        policy: this.c.reconnect,
        clock: this.c.clock,
        signal: this.#abort.signal,
        cancelled: () => cancelledError(vendor),
        onRetry: (attempt, delayMs, e) => {
          this.metric({ type: 'retry', kind: 'stt', provider: vendor.id, attempt, delayMs, code: e.code });
          this.emit({ type: 'reconnecting', attempt: attempt + 1, error: e });
        },
      });
    } catch (e) {
      if (this.#state === 'reconnecting') this.#finish(isCallwireError(e) ? e : error);
      return;
    }
    if (this.#state !== 'reconnecting') {
      ws.terminate();
      return;
    }
    this.#ws = ws;
    this.#attach(ws);
    this.#state = 'open';
    this.beforeReplay();
    let replayed = 0;
    for (const chunk of this.replay.pending()) {
      this.sendReplayed(chunk);
      replayed += chunk.length;
    }
    this.afterReplay();
    const replayedMs = replayed / this.bpms;
    this.metric({ type: 'reconnect', kind: 'stt', provider: vendor.id, ms: this.c.clock.now() - started, replayed: replayedMs });
    this.emit({ type: 'reconnected', replayedMs });
  }
}

/** The settings `openSttSocket` reads from a vendor's config. */
export interface SttOpenConfig {
  readonly retry: RetryPolicy;
  readonly clock: Clock;
}

/**
 * Opens a vendor's first STT socket (retrying retryable failures, with `connect` and `retry`
 * metrics) and returns it with the connector a session reuses to reconnect.
 */
export async function openSttSocket(
  vendor: VendorInfo,
  c: SttOpenConfig,
  options: SttOpenOptions,
  socket: (signal: AbortSignal) => Promise<WebSocket>,
): Promise<{ ws: WebSocket; connect: SttConnector }> {
  const metric = (m: ProviderMetric): void => options.onMetric?.(m);
  const connect = async (signal: AbortSignal, attempt: number): Promise<WebSocket> => {
    const started = c.clock.now();
    const ws = await socket(signal);
    metric({ type: 'connect', kind: 'stt', provider: vendor.id, ms: c.clock.now() - started, attempt });
    return ws;
  };
  const ws = await withRetry((attempt) => connect(options.signal, attempt), {
    policy: c.retry,
    clock: c.clock,
    signal: options.signal,
    cancelled: () => cancelledError(vendor),
    onRetry: (attempt, delayMs, e) => metric({ type: 'retry', kind: 'stt', provider: vendor.id, attempt, delayMs, code: e.code }),
  });
  return { ws, connect };
}
