/**
 * An LLM fallback chain: a completion is streamed from the first healthy provider; when it
 * fails (refused, 5xx, a drop, no first token within the budget, or retries beyond
 * `maxRetries`) the same request goes to the next one. Text already yielded is never
 * repeated: the next provider gets the context plus what was said and continues from there.
 */
import type { CallwireError, ProviderError } from '../../errors.js';
import type { LlmEvent, LlmProvider, LlmRequest, ProviderMetric } from '../types.js';
import { ContinuationFilter, continuationMessages } from './continuation.js';
import { ChainHealth } from './health.js';
import { type FallbackConfig, type FallbackOptions, asProviderError, budgetError, resolveFallback, verifyAny, retriesError } from './options.js';

/** See the module comment. */
export class FallbackLlm implements LlmProvider {
  readonly name: string;
  readonly providers: readonly LlmProvider[];
  readonly health: ChainHealth;
  readonly #c: FallbackConfig;

  constructor(providers: readonly LlmProvider[], options: FallbackOptions = {}) {
    this.#c = resolveFallback('llm', providers, options);
    this.providers = [...providers];
    this.name = `fallback(${providers.map((p) => p.name).join(',')})`;
    this.health = new ChainHealth('llm', this.providers, this.#c);
  }

  /** Warm the providers in good standing (a cold fallback would cost its handshake at the switch). */
  async warm(signal: AbortSignal): Promise<void> {
    const ready = this.health.order().filter((i) => this.health.healthy(i));
    await Promise.allSettled(ready.map((i) => this.providers[i]?.warm?.(signal)));
  }

  /** Succeeds when any provider verifies; rejects with the primary's error when none does. */
  verify(signal: AbortSignal): Promise<void> {
    return verifyAny(this.providers, signal);
  }

  chat(request: LlmRequest): AsyncIterable<LlmEvent> {
    return this.#chat(request);
  }

  async *#chat(request: LlmRequest): AsyncGenerator<LlmEvent> {
    const c = this.#c;
    const order = this.health.order();
    let said = '';
    let failedAt: number | undefined;
    let lastError: CallwireError | undefined;
    for (let k = 0; k < order.length; k++) {
      const i = order[k] as number;
      const p = this.providers[i] as LlmProvider;
      const abort = new AbortController();
      const onAbort = (): void => abort.abort();
      request.signal.addEventListener('abort', onAbort, { once: true });
      let reason: ProviderError | undefined;
      const stop = (e: ProviderError): void => {
        reason ??= e;
        abort.abort();
      };
      let retries = 0;
      const onMetric = (m: ProviderMetric): void => {
        request.onMetric?.(m);
        if (m.type === 'retry' && ++retries > c.maxRetries && k < order.length - 1) stop(retriesError(p.name, retries, m.code));
      };
      const budget = c.firstByteTimeoutMs ?? 2000;
      let timer = k < order.length - 1 ? c.clock.setTimer(() => stop(budgetError(p.name, 'send a first token', budget)), budget) : undefined;
      const first = (): void => {
        if (timer !== undefined) c.clock.clearTimer(timer);
        timer = undefined;
      };
      const filter = new ContinuationFilter(said);
      const messages = continuationMessages(request.messages, said);
      try {
        for await (const ev of p.chat({ ...request, messages, signal: abort.signal, onMetric })) {
          first();
          if (failedAt !== undefined) {
            request.onMetric?.(this.#failover(order, k, lastError as CallwireError, c.clock.now() - failedAt));
            failedAt = undefined;
          }
          if (ev.type === 'text') {
            const text = filter.feed(ev.text);
            if (text === '') continue;
            said += text;
            yield { type: 'text', text };
            continue;
          }
          if (ev.type === 'done') {
            const rest = filter.flush();
            if (rest !== '') {
              said += rest;
              yield { type: 'text', text: rest };
            }
          }
          yield ev;
        }
        return;
      } catch (e) {
        if (request.signal.aborted) throw e;
        const error = reason ?? asProviderError(e, p.name);
        lastError = error;
        this.health.failed(i, error);
        failedAt ??= c.clock.now();
        if (k === order.length - 1) throw error;
      } finally {
        first();
        request.signal.removeEventListener('abort', onAbort);
      }
    }
  }

  #failover(order: readonly number[], k: number, error: CallwireError, ms: number): ProviderMetric {
    const from = this.providers[order[k - 1] as number]?.name ?? '?';
    const to = this.providers[order[k] as number]?.name ?? '?';
    return { type: 'failover', kind: 'llm', provider: this.name, from, to, ms, replayed: 0, error };
  }
}
