/**
 * WebSocket keepalive (the guide: "Ensure your WebSocket server sends periodic pings to
 * keep connection alive"). Pings every `intervalMs`. A pong later than `lateMs` is a
 * degraded-connection signal, reported once per ping; no pong within `timeoutMs` declares
 * the peer dead.
 *
 * Why 40 s by default: Plivo itself rides out a slow connection, buffering "audio packets
 * for up to 40 seconds" and reporting DegradedStream at 30/60/90 % of that buffer before it
 * drops the stream (https://plivo.com/docs/voice/audio-streaming/best-practices). A pong a
 * few seconds late is that same slow connection seen from our side, so closing after 5 s
 * ended calls Plivo would have kept. Late pongs are counted and reported instead, and the
 * stream is closed only when Plivo would have given up too.
 */
import type { Clock, TimerHandle } from '../clock.js';

/** Keepalive settings. */
export interface KeepaliveOptions {
  /** Ping period, ms. Default 10 s. */
  intervalMs?: number;
  /** A pong later than this is reported as a degraded connection, ms. Default 5 s (or timeoutMs, if shorter). */
  lateMs?: number;
  /** No pong this long after a ping closes the stream, ms. Default 40 s (Plivo's slow-connection buffer). */
  timeoutMs?: number;
}

export class Keepalive {
  readonly intervalMs: number;
  readonly lateMs: number;
  readonly timeoutMs: number;
  readonly #clock: Clock;
  readonly #ping: () => void;
  readonly #onTimeout: (silentMs: number) => void;
  readonly #onLate: ((waitedMs: number) => void) | undefined;
  #timer: TimerHandle | undefined;
  #waitingSince: number | undefined;
  #lastPingAt = 0;
  #reportedLate = false;
  #stopped = false;
  /** Last measured ping round trip, ms. */
  lastRttMs: number | undefined;
  /** Pings whose pong came (or has not yet come) later than `lateMs`. */
  latePongs = 0;

  constructor(clock: Clock, options: KeepaliveOptions, ping: () => void, onTimeout: (silentMs: number) => void, onLate?: (waitedMs: number) => void) {
    this.#clock = clock;
    this.intervalMs = options.intervalMs ?? 10_000;
    this.timeoutMs = options.timeoutMs ?? 40_000;
    this.lateMs = Math.min(options.lateMs ?? 5_000, this.timeoutMs);
    this.#ping = ping;
    this.#onTimeout = onTimeout;
    this.#onLate = onLate;
  }

  start(): void {
    this.#lastPingAt = this.#clock.now();
    this.#arm();
  }

  /** Call on every pong. */
  pong(): void {
    if (this.#waitingSince === undefined) return;
    this.lastRttMs = this.#clock.now() - this.#waitingSince;
    this.#waitingSince = undefined;
    this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    this.#clear();
  }

  #clear(): void {
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  /** One timer for the next thing due: the next ping, the late mark, or the timeout. */
  #arm(): void {
    this.#clear();
    if (this.#stopped) return;
    const now = this.#clock.now();
    const since = this.#waitingSince;
    let at: number;
    if (since === undefined) at = this.#lastPingAt + this.intervalMs;
    else if (!this.#reportedLate && this.lateMs < this.timeoutMs) at = since + this.lateMs;
    else at = since + this.timeoutMs;
    this.#timer = this.#clock.setTimer(this.#due, Math.max(0, at - now));
  }

  readonly #due = (): void => {
    this.#timer = undefined;
    const now = this.#clock.now();
    const since = this.#waitingSince;
    if (since === undefined) {
      this.#waitingSince = now;
      this.#lastPingAt = now;
      this.#reportedLate = false;
      this.#ping();
    } else if (now - since >= this.timeoutMs) {
      this.#stopped = true;
      this.#onTimeout(now - since);
      return;
    } else if (!this.#reportedLate && now - since >= this.lateMs) {
      this.#reportedLate = true;
      this.latePongs++;
      this.#onLate?.(now - since);
    }
    this.#arm();
  };
}
