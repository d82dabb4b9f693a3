/**
 * Health of the providers of one fallback chain, shared by every call that uses the chain:
 * a provider that failed goes to the back of the order and is probed in the background (its
 * `verify`, or simply trusted again after the interval when it has none) until it answers,
 * then restored to its place. Probes never throw and never keep the process alive.
 */
import type { TimerHandle } from '../../clock.js';
import type { CallwireError } from '../../errors.js';
import type { ProviderKind } from '../types.js';
import type { FallbackConfig } from './options.js';
import { detach } from '../../detached.js';

/** What the chain needs of a provider to probe it. */
export interface Probeable {
  readonly name: string;
  verify?(signal: AbortSignal): Promise<void>;
}

/** One provider's standing. */
export interface ProviderStanding {
  readonly kind: ProviderKind;
  readonly provider: string;
  /** Place in the chain: 0 is the primary. */
  readonly position: number;
  readonly healthy: boolean;
  /** Failovers away from this provider since start. */
  readonly failures: number;
  readonly lastError?: string;
}

/** A change of standing, for logs and metrics. */
export type HealthChange =
  | { readonly type: 'failed'; readonly kind: ProviderKind; readonly provider: string; readonly error: CallwireError }
  | { readonly type: 'restored'; readonly kind: ProviderKind; readonly provider: string; readonly downMs: number };

interface Entry {
  healthy: boolean;
  failures: number;
  downSince: number;
  lastError?: string;
  timer?: TimerHandle;
  probing: boolean;
}

/** See the module comment. */
export class ChainHealth {
  readonly #kind: ProviderKind;
  readonly #providers: readonly Probeable[];
  readonly #c: FallbackConfig;
  readonly #entries: Entry[];
  readonly #listeners = new Set<(change: HealthChange) => void>();

  constructor(kind: ProviderKind, providers: readonly Probeable[], c: FallbackConfig) {
    this.#kind = kind;
    this.#providers = providers;
    this.#c = c;
    this.#entries = providers.map(() => ({ healthy: true, failures: 0, downSince: 0, probing: false }));
  }

  /** Indexes to try, best first: healthy ones in configured order, then failed ones (a last resort). */
  order(): number[] {
    const idx = this.#entries.map((_, i) => i);
    return [...idx.filter((i) => this.#entries[i]?.healthy), ...idx.filter((i) => !this.#entries[i]?.healthy)];
  }

  /** Whether provider `i` is in good standing. */
  healthy(i: number): boolean {
    return this.#entries[i]?.healthy ?? false;
  }

  /** Provider `i` failed a call: demote it and start probing it. */
  failed(i: number, error: CallwireError): void {
    const e = this.#entries[i];
    const p = this.#providers[i];
    if (e === undefined || p === undefined) return;
    e.failures++;
    e.lastError = error.code;
    if (!e.healthy) return;
    e.healthy = false;
    e.downSince = this.#c.clock.now();
    this.#emit({ type: 'failed', kind: this.#kind, provider: p.name, error });
    this.#schedule(i);
  }

  /** Every provider's standing. */
  standings(): ProviderStanding[] {
    return this.#entries.map((e, i) => ({
      kind: this.#kind,
      provider: this.#providers[i]?.name ?? String(i),
      position: i,
      healthy: e.healthy,
      failures: e.failures,
      ...(e.lastError === undefined ? {} : { lastError: e.lastError }),
    }));
  }

  /** Be told of failures and restorations; returns the unsubscribe function. */
  onChange(listener: (change: HealthChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stop probing (the chain is no longer used). */
  dispose(): void {
    for (const e of this.#entries) if (e.timer !== undefined) this.#c.clock.clearTimer(e.timer);
  }

  #schedule(i: number): void {
    const e = this.#entries[i] as Entry;
    // Detached: a probe (or a listener it notifies) that throws is a failed probe, tried again later.
    e.timer = this.#c.clock.setTimer(() => detach(() => this.#probe(i), () => this.#schedule(i), 'PROVIDER_UNAVAILABLE'), this.#c.probeIntervalMs);
  }

  async #probe(i: number): Promise<void> {
    const e = this.#entries[i] as Entry;
    const p = this.#providers[i] as Probeable;
    e.timer = undefined;
    if (e.healthy || e.probing) return;
    e.probing = true;
    const abort = new AbortController();
    // A probe that hangs is a failed probe: bounded by the interval itself.
    const limit = this.#c.clock.setTimer(() => abort.abort(), this.#c.probeIntervalMs);
    let ok: boolean;
    try {
      await p.verify?.(abort.signal);
      ok = !abort.signal.aborted;
    } catch {
      ok = false;
    } finally {
      this.#c.clock.clearTimer(limit);
      e.probing = false;
    }
    if (e.healthy) return;
    if (!ok) {
      this.#schedule(i);
      return;
    }
    e.healthy = true;
    this.#emit({ type: 'restored', kind: this.#kind, provider: p.name, downMs: this.#c.clock.now() - e.downSince });
  }

  #emit(change: HealthChange): void {
    for (const l of this.#listeners) {
      try {
        l(change);
      } catch {
        // A listener's bug must not stop the chain.
      }
    }
  }
}
