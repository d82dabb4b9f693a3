/**
 * Network impairments between Plivo and the app, applied to the caller's media frames:
 * random loss, random delay (jitter) and periodic stalls released as bursts. The socket is
 * TCP, so delayed frames still arrive in order: a frame never overtakes the one before it.
 * Deterministic for a given seed.
 */
import { ConfigError } from '../errors.js';

/** Impairment settings. */
export interface Impairments {
  /** Fraction of frames lost (0..1). Lost frames are never sent; `chunk` numbering skips them. */
  readonly lossRate?: number;
  /** Each frame is delayed by a uniform random 0..jitterMs (ms). */
  readonly jitterMs?: number;
  /** Every `everyMs`, hold frames for `holdMs`, then release them together. */
  readonly burst?: { readonly everyMs: number; readonly holdMs: number };
  /**
   * The app's reads stall once: from `atMs` into the call, for `forMs`, nothing reaches it and
   * Plivo's slow-connection buffer grows (DegradedStream at 30/60/90 % of 40 s, DroppedStream
   * when full); then the held frames leave together.
   */
  readonly stall?: { readonly atMs: number; readonly forMs: number };
  /** PRNG seed (default 1). */
  readonly seed?: number;
}

/** Check impairment settings. @throws ConfigError CONFIG_INVALID */
export function checkImpairments(imp: Impairments): void {
  const bad = (what: string): never => {
    throw new ConfigError('CONFIG_INVALID', `impairments: ${what}`);
  };
  if (imp.lossRate !== undefined && !(imp.lossRate >= 0 && imp.lossRate <= 1)) bad('lossRate must be between 0 and 1');
  if (imp.jitterMs !== undefined && !(imp.jitterMs >= 0 && imp.jitterMs <= 10_000)) bad('jitterMs must be between 0 and 10000');
  if (imp.burst !== undefined) {
    const { everyMs, holdMs } = imp.burst;
    if (!(everyMs > 0 && holdMs >= 0 && holdMs < everyMs)) bad('burst needs everyMs > 0 and 0 <= holdMs < everyMs');
  }
  if (imp.stall !== undefined && !(imp.stall.atMs >= 0 && imp.stall.forMs > 0 && imp.stall.forMs <= 600_000)) bad('stall needs atMs >= 0 and 0 < forMs <= 600000');
}

/** Decides, per frame, whether it is lost and when it leaves. */
export class Impairer {
  readonly #imp: Impairments;
  #state: number;
  #lastRelease = Number.NEGATIVE_INFINITY;
  readonly #origin: number;

  constructor(impairments: Impairments, origin: number) {
    checkImpairments(impairments);
    this.#imp = impairments;
    this.#state = (impairments.seed ?? 1) >>> 0 || 1;
    this.#origin = origin;
  }

  /** True when any impairment is configured. */
  get active(): boolean {
    const i = this.#imp;
    return (i.lossRate ?? 0) > 0 || (i.jitterMs ?? 0) > 0 || i.burst !== undefined || i.stall !== undefined;
  }

  // mulberry32: small, fast and good enough for test traffic.
  #random(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let x = this.#state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  }

  /** For a frame ready at `t`: `undefined` when lost, else the time it should leave (>= t). */
  schedule(t: number): number | undefined {
    const i = this.#imp;
    if ((i.lossRate ?? 0) > 0 && this.#random() < (i.lossRate as number)) return undefined;
    let release = t + (i.jitterMs ?? 0) * ((i.jitterMs ?? 0) > 0 ? this.#random() : 0);
    if (i.burst !== undefined) {
      const phase = (release - this.#origin) % i.burst.everyMs;
      if (phase < i.burst.holdMs) release += i.burst.holdMs - phase;
    }
    if (i.stall !== undefined) {
      const from = this.#origin + i.stall.atMs;
      if (release >= from && release < from + i.stall.forMs) release = from + i.stall.forMs;
    }
    release = Math.max(release, this.#lastRelease);
    this.#lastRelease = release;
    return release;
  }
}
