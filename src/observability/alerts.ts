/**
 * Alerts: a log line at warn and (when configured) a webhook POST for the things an operator
 * must hear about: Plivo's DroppedStream and DegradedStream, a provider outage, and turns
 * that overrun the latency budget. Rate-limited per stream and kind; the webhook never blocks
 * a call (bounded timeout, failures only logged).
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log/logger.js';

/** What an alert is about. */
export type AlertKind = 'dropped_stream' | 'degraded_stream' | 'provider_outage' | 'latency_budget';

/** One alert, as posted to the webhook (JSON). */
export interface Alert {
  readonly kind: AlertKind;
  readonly message: string;
  readonly streamId?: string;
  readonly callId?: string;
  /** Epoch ms. */
  readonly at: number;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Alert settings. */
export interface AlertOptions {
  /** POST each alert here as JSON (env ALERT_WEBHOOK_URL). */
  readonly webhookUrl?: string;
  /** At most one alert per stream and kind within this window, ms (default 60 s). */
  readonly perStreamIntervalMs?: number;
  /** Webhook timeout, ms (default 5 s). */
  readonly timeoutMs?: number;
}

export class Alerter {
  readonly #o: AlertOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #last = new Map<string, number>();
  /** Alerts raised (after rate limiting). */
  sent = 0;
  /** Alerts suppressed by the rate limit. */
  suppressed = 0;
  /** Webhook deliveries that failed. */
  failed = 0;

  constructor(options: AlertOptions, clock: Clock, log: Logger) {
    this.#o = options;
    this.#clock = clock;
    this.#log = log;
  }

  /** Raise an alert (rate-limited); resolves when the webhook (if any) answered or gave up. */
  async raise(alert: Omit<Alert, 'at'>): Promise<void> {
    const key = `${alert.streamId ?? alert.callId ?? '-'}\u0000${alert.kind}`;
    const now = this.#clock.now();
    const last = this.#last.get(key);
    if (last !== undefined && now - last < (this.#o.perStreamIntervalMs ?? 60_000)) {
      this.suppressed++;
      return;
    }
    this.#last.set(key, now);
    if (this.#last.size > 10_000) this.#last.delete(this.#last.keys().next().value as string);
    this.sent++;
    const full: Alert = { ...alert, at: Date.now() };
    this.#log.warn({ alert: alert.kind, streamId: alert.streamId, callId: alert.callId, ...(alert.details ?? {}) }, `ALERT ${alert.kind}: ${alert.message}`);
    if (this.#o.webhookUrl === undefined) return;
    try {
      const res = await fetch(this.#o.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'callwire-alerts' },
        body: JSON.stringify(full),
        signal: AbortSignal.timeout(this.#o.timeoutMs ?? 5000),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    } catch (e) {
      this.failed++;
      this.#log.debug({ err: (e as Error).message }, 'alert webhook delivery failed');
    }
  }
}
