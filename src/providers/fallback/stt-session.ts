/**
 * One call's session on an STT fallback chain (see stt.ts): forwards audio to the current
 * provider's session while keeping what is not finalised, and switches provider on failure.
 */
import type { TimerHandle } from '../../clock.js';
import { type CallwireError, ProviderError } from '../../errors.js';
import { bytesPerMs, sampleBytes } from '../audio-spec.js';
import { ReplayBuffer } from '../net/replay-buffer.js';
import { BoundedQueue } from '../../bounded-queue.js';
import { detach } from '../../detached.js';
import type { SttEvent, SttOpenOptions, SttProvider, SttSession, SttWord } from '../types.js';
import { budgetError, asProviderError, type FallbackConfig } from './options.js';
import type { ChainHealth } from './health.js';

/** What a session needs of its chain (FallbackStt), typed here so the two files do not import each other. */
export interface SttChain {
  readonly name: string;
  readonly providers: readonly SttProvider[];
  readonly health: ChainHealth;
  openFrom(order: readonly number[], options: SttOpenOptions): Promise<{ index: number; session: SttSession }>;
}

/** Events buffered for a slow reader (interims coalesce). */
const EVENT_CAPACITY = 1000;

/** See the module comment. */
export class FallbackSttSession implements SttSession {
  readonly #chain: SttChain;
  readonly #c: FallbackConfig;
  readonly #ctx: SttOpenOptions;
  readonly #events: BoundedQueue<SttEvent>;
  readonly #replay: ReplayBuffer;
  readonly #bpms: number;
  #index: number;
  #session: SttSession | undefined;
  /** Bumped on each switch: events of an abandoned session are ignored. */
  #gen = 0;
  /** Call audio time (ms) where the current session's audio starts. */
  #offsetMs = 0;
  #budget: TimerHandle | undefined;
  #pendingFinalize = false;
  #closing = false;
  #closed: Promise<void> | undefined;

  constructor(chain: SttChain, c: FallbackConfig, ctx: SttOpenOptions, index: number, session: SttSession) {
    this.#chain = chain;
    this.#c = c;
    this.#ctx = ctx;
    this.#index = index;
    this.#session = session;
    this.#bpms = bytesPerMs(ctx.audio);
    this.#replay = new ReplayBuffer(Math.round(c.replayLimitMs * this.#bpms), sampleBytes(ctx.audio));
    this.#events = new BoundedQueue<SttEvent>({
      capacity: EVENT_CAPACITY,
      coalesce: (last, next) => last.type === 'interim' && next.type === 'interim',
      onCancel: () => void this.close(),
    });
    // Detached: a failure anywhere in the pump or a switch ends this transcription, coded, never the process.
    detach(() => this.#pump(session, this.#gen), (e) => this.#events.fail(e), 'PROVIDER_DISCONNECTED');
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.#events[Symbol.asyncIterator]();
  }

  push(audio: Uint8Array): void {
    if (this.#closing || audio.length === 0) return;
    // Copy: callers reuse frame buffers, and the replay buffer keeps these bytes.
    const bytes = Uint8Array.from(audio);
    this.#replay.append(bytes, this.#c.clock.now());
    this.#session?.push(bytes);
  }

  finalize(): void {
    if (this.#session === undefined) this.#pendingFinalize = true;
    else this.#session.finalize();
  }

  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.#closing = true;
    this.#stopBudget();
    const s = this.#session;
    this.#closed = (async () => {
      await s?.close().catch(() => {});
      // The pump ends the queue after the session's last result; without one, end it here.
      if (s === undefined) this.#events.end();
    })();
    return this.#closed;
  }

  async #pump(session: SttSession, gen: number): Promise<void> {
    try {
      for await (const ev of session) {
        if (gen !== this.#gen) return;
        this.#onEvent(ev);
      }
      if (gen !== this.#gen) return;
      if (this.#closing) this.#events.end();
      else await this.#switch(new ProviderError('PROVIDER_DISCONNECTED', this.#name(), `${this.#name()} ended the transcription before the call did.`));
    } catch (e) {
      if (gen !== this.#gen) return;
      if (this.#closing || this.#ctx.signal.aborted) this.#events.end();
      else await this.#switch(asProviderError(e, this.#name()));
    }
  }

  #onEvent(ev: SttEvent): void {
    const off = this.#offsetMs;
    switch (ev.type) {
      case 'interim':
        this.#events.push(ev.words === undefined ? ev : { ...ev, words: shift(ev.words, off) });
        return;
      case 'final': {
        const last = ev.words?.[ev.words.length - 1];
        // What a final covers is never sent again: up to its last word, or (without word
        // times) all audio pushed so far, which loses nothing said before the final.
        if (last !== undefined) this.#replay.trimBefore(Math.round((off + last.endMs) * this.#bpms));
        else if (ev.text !== '') this.#replay.trimBefore(this.#replay.end);
        this.#events.push(ev.words === undefined ? ev : { ...ev, words: shift(ev.words, off) });
        return;
      }
      case 'speech_started':
        this.#events.push(ev.audioMs === undefined ? ev : { ...ev, audioMs: ev.audioMs + off });
        return;
      case 'utterance_end':
        this.#events.push(ev.lastWordEndMs === undefined ? ev : { ...ev, lastWordEndMs: ev.lastWordEndMs + off });
        return;
      case 'reconnecting':
        // The provider retries on its own; past the budget the next provider takes over.
        if (this.#budget === undefined) {
          const ms = this.#c.firstByteTimeoutMs ?? 1500;
          const gen = this.#gen;
          this.#budget = this.#c.clock.setTimer(() => {
            this.#budget = undefined;
            if (gen === this.#gen && !this.#closing) detach(() => this.#switch(budgetError(this.#name(), 'reconnect', ms)), (e) => this.#events.fail(e), 'PROVIDER_DISCONNECTED');
          }, ms);
        }
        this.#events.push(ev);
        return;
      case 'reconnected':
        this.#stopBudget();
        this.#events.push(ev);
        return;
      case 'warning':
        this.#events.push(ev);
        return;
      default: {
        const never: never = ev;
        void never;
      }
    }
  }

  async #switch(error: CallwireError): Promise<void> {
    const failedAt = this.#c.clock.now();
    const gen = ++this.#gen;
    this.#stopBudget();
    const from = this.#name();
    const old = this.#session;
    this.#session = undefined;
    this.#chain.health.failed(this.#index, error);
    void old?.close().catch(() => {});
    this.#events.push({ type: 'reconnecting', attempt: 1, error });
    const order = this.#chain.health.order().filter((i) => i !== this.#index);
    let next: { index: number; session: SttSession };
    try {
      next = await this.#chain.openFrom(order, this.#ctx);
    } catch (e) {
      if (gen !== this.#gen) return;
      this.#closing = true;
      this.#events.fail(this.#ctx.signal.aborted ? asProviderError(e, from) : error);
      return;
    }
    if (gen !== this.#gen || this.#closing) {
      void next.session.close().catch(() => {});
      return;
    }
    this.#index = next.index;
    this.#session = next.session;
    // Replay what no final covered; audio pushed from now on goes straight to the new session.
    this.#offsetMs = this.#replay.start / this.#bpms;
    let replayed = 0;
    for (const chunk of this.#replay.pending()) {
      next.session.push(chunk);
      replayed += chunk.length;
    }
    if (this.#pendingFinalize) next.session.finalize();
    this.#pendingFinalize = false;
    const replayedMs = Math.round(replayed / this.#bpms);
    this.#events.push({ type: 'reconnected', replayedMs });
    this.#ctx.onMetric?.({ type: 'failover', kind: 'stt', provider: this.#chain.name, from, to: this.#name(), ms: this.#c.clock.now() - failedAt, replayed: replayedMs, error });
    detach(() => this.#pump(next.session, gen), (e) => this.#events.fail(e), 'PROVIDER_DISCONNECTED');
  }

  #name(): string {
    return this.#chain.providers[this.#index]?.name ?? 'stt';
  }

  #stopBudget(): void {
    if (this.#budget !== undefined) this.#c.clock.clearTimer(this.#budget);
    this.#budget = undefined;
  }
}

function shift(words: readonly SttWord[], ms: number): SttWord[] {
  return words.map((w) => ({ ...w, startMs: w.startMs + ms, endMs: w.endMs + ms }));
}
