/**
 * A TTS fallback chain. Each call opens a session on the first healthy provider (the others
 * only when needed). A segment whose synthesis fails (refused, a drop, no audio within the
 * budget) is finished by the next provider from the first word not yet spoken, and later
 * segments stay there; audio is converted to the first session's format when they differ.
 */
import type { CallwireError } from '../../errors.js';
import { bytesPerMs } from '../audio-spec.js';
import { advanceByWords, wordStart } from '../tts-mux/text-progress.js';
import type { AudioSpec, ProviderMetric, SynthesizeOptions, TimedWord, TtsOpenOptions, TtsProvider, TtsSession } from '../types.js';
import { audioConverter } from './convert.js';
import { ChainHealth } from './health.js';
import { type FallbackConfig, type FallbackOptions, asProviderError, budgetError, resolveFallback, verifyAny } from './options.js';

// Speaking rate assumed to place a cut when a provider reports no word timings: slow on
// purpose, so a word may be said twice rather than skipped.
const CHARS_PER_SECOND = 12;

/** See the module comment. */
export class FallbackTts implements TtsProvider {
  readonly name: string;
  readonly outputFormats: readonly AudioSpec[];
  readonly providers: readonly TtsProvider[];
  readonly health: ChainHealth;
  readonly #c: FallbackConfig;

  constructor(providers: readonly TtsProvider[], options: FallbackOptions = {}) {
    this.#c = resolveFallback('tts', providers, options);
    this.providers = [...providers];
    this.name = `fallback(${providers.map((p) => p.name).join(',')})`;
    this.outputFormats = (providers[0] as TtsProvider).outputFormats;
    this.health = new ChainHealth('tts', this.providers, this.#c);
  }

  /** Succeeds when any provider verifies; rejects with the primary's error when none does. */
  verify(signal: AbortSignal): Promise<void> {
    return verifyAny(this.providers, signal);
  }

  /** Open a session on the first provider that opens; a failed open demotes that provider. */
  async open(options: TtsOpenOptions): Promise<TtsSession> {
    const order = this.health.order();
    let last: CallwireError | undefined;
    for (const i of order) {
      try {
        const session = await (this.providers[i] as TtsProvider).open(options);
        return new FallbackTtsSession(this, this.#c, options, i, session);
      } catch (e) {
        if (options.signal.aborted) throw e;
        last = asProviderError(e, (this.providers[i] as TtsProvider).name);
        this.health.failed(i, last);
      }
    }
    throw last;
  }
}

class FallbackTtsSession implements TtsSession {
  readonly audio: AudioSpec;
  readonly #chain: FallbackTts;
  readonly #c: FallbackConfig;
  readonly #ctx: TtsOpenOptions;
  readonly #sessions = new Map<number, Promise<TtsSession>>();
  #current: number;
  #closed = false;
  /** Switches already reported: segments in flight together fail over together, reported once. */
  readonly #reported = new Set<string>();

  constructor(chain: FallbackTts, c: FallbackConfig, ctx: TtsOpenOptions, index: number, first: TtsSession) {
    this.#chain = chain;
    this.#c = c;
    this.#ctx = ctx;
    this.#current = index;
    this.audio = first.audio;
    this.#sessions.set(index, Promise.resolve(first));
  }

  synthesize(text: string, options: SynthesizeOptions): AsyncIterable<Uint8Array> {
    return this.#synthesize(text, options);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.allSettled(all.map(async (s) => (await s).close()));
  }

  #session(i: number): Promise<TtsSession> {
    let s = this.#sessions.get(i);
    if (s === undefined) {
      s = (this.#chain.providers[i] as TtsProvider).open(this.#ctx);
      this.#sessions.set(i, s);
      // A failed open is retried on the next failover, not cached.
      s.catch(() => this.#sessions.delete(i));
    }
    return s;
  }

  async *#synthesize(text: string, options: SynthesizeOptions): AsyncGenerator<Uint8Array> {
    const c = this.#c;
    const bpms = bytesPerMs(this.audio);
    // Try the current provider first, then the others in standing order.
    const order = [this.#current, ...this.#chain.health.order().filter((i) => i !== this.#current)];
    let pos = 0;
    let offsetMs = 0;
    let failedAt: number | undefined;
    let lastError: CallwireError | undefined;
    let from = '';
    let fromIndex = -1;
    for (let k = 0; k < order.length; k++) {
      if (pos >= text.length || text.slice(pos).trim() === '') return;
      const i = order[k] as number;
      const p = this.#chain.providers[i] as TtsProvider;
      const lastChance = k === order.length - 1;
      const abort = new AbortController();
      const onAbort = (): void => abort.abort();
      options.signal.addEventListener('abort', onAbort, { once: true });
      let reason: CallwireError | undefined;
      const budget = c.firstByteTimeoutMs ?? 2000;
      let timer = lastChance
        ? undefined
        : c.clock.setTimer(() => {
            reason = budgetError(p.name, 'send audio', budget);
            abort.abort();
          }, budget);
      const attemptText = text.slice(pos);
      let attemptMs = 0;
      let spoken = 0;
      const words: TimedWord[] = [];
      let converter: ReturnType<typeof audioConverter> | undefined;
      try {
        const session = await this.#session(i);
        converter = audioConverter(session.audio, this.audio);
        const onWords = (ws: readonly TimedWord[]): void => {
          words.push(...ws);
          options.onWords?.(ws.map((w) => ({ word: w.word, endMs: w.endMs + offsetMs })));
        };
        for await (const chunk of session.synthesize(attemptText, { signal: abort.signal, onWords })) {
          if (timer !== undefined) c.clock.clearTimer(timer);
          timer = undefined;
          const out = converter.convert(chunk);
          if (out.length === 0) continue;
          if (failedAt !== undefined && !this.#reported.has(`${fromIndex}>${i}`)) {
            this.#reported.add(`${fromIndex}>${i}`);
            this.#ctx.onMetric?.(this.#failover(from, p.name, c.clock.now() - failedAt, lastError as CallwireError));
          }
          failedAt = undefined;
          attemptMs += out.length / bpms;
          yield out;
        }
        const tail = converter.end();
        converter = undefined;
        if (tail.length > 0) yield tail;
        if (abort.signal.aborted && reason !== undefined) throw reason;
        this.#current = i;
        return;
      } catch (e) {
        if (options.signal.aborted || this.#closed) return;
        const error = reason ?? asProviderError(e, p.name);
        this.#chain.health.failed(i, error);
        if (lastChance) throw error;
        // Resume from the first word not wholly delivered.
        const heard = words.filter((w) => w.endMs <= attemptMs).map((w) => w.word);
        spoken = heard.length > 0 ? advanceByWords(attemptText, 0, heard) : Math.floor((attemptMs / 1000) * CHARS_PER_SECOND);
        pos += wordStart(attemptText, Math.min(spoken, attemptText.length));
        offsetMs += attemptMs;
        failedAt ??= c.clock.now();
        lastError = error;
        from = p.name;
        fromIndex = i;
      } finally {
        if (timer !== undefined) c.clock.clearTimer(timer);
        converter?.end();
        options.signal.removeEventListener('abort', onAbort);
      }
    }
  }

  #failover(from: string, to: string, ms: number, error: CallwireError): ProviderMetric {
    return { type: 'failover', kind: 'tts', provider: this.#chain.name, from, to, ms, replayed: 0, error };
  }
}
