/**
 * An STT fallback chain. A call's session opens on the first healthy provider; the audio not
 * yet finalised is kept (bounded in audio time). When the session fails, or its socket stays
 * down past the budget, the next provider's session opens, the kept audio is replayed into it,
 * and results are shifted to the call's audio time: nothing the caller said is lost, nothing
 * already transcribed is repeated. The providers must share an input format.
 */
import { ConfigError, type CallwireError } from '../../errors.js';
import { sameSpec } from '../audio-spec.js';
import type { AudioSpec, SttOpenOptions, SttProvider, SttSession } from '../types.js';
import { ChainHealth } from './health.js';
import { type FallbackConfig, type FallbackOptions, asProviderError, resolveFallback, verifyAny } from './options.js';
import { FallbackSttSession } from './stt-session.js';

/** See the module comment. */
export class FallbackStt implements SttProvider {
  readonly name: string;
  /** The primary's formats that every provider in the chain accepts, in the primary's order. */
  readonly inputFormats: readonly AudioSpec[];
  readonly providers: readonly SttProvider[];
  readonly health: ChainHealth;
  readonly #c: FallbackConfig;

  constructor(providers: readonly SttProvider[], options: FallbackOptions = {}) {
    this.#c = resolveFallback('stt', providers, options);
    this.providers = [...providers];
    this.name = `fallback(${providers.map((p) => p.name).join(',')})`;
    this.inputFormats = (providers[0] as SttProvider).inputFormats.filter((f) => providers.every((p) => p.inputFormats.some((g) => sameSpec(f, g))));
    if (this.inputFormats.length === 0) {
      throw new ConfigError('CONFIG_INVALID', `fallback stt: ${this.name} share no input format, so audio could not be replayed from one to the next`);
    }
    this.health = new ChainHealth('stt', this.providers, this.#c);
  }

  /** Succeeds when any provider verifies; rejects with the primary's error when none does. */
  verify(signal: AbortSignal): Promise<void> {
    return verifyAny(this.providers, signal);
  }

  async open(options: SttOpenOptions): Promise<SttSession> {
    const first = await this.openFrom(this.health.order(), options);
    return new FallbackSttSession(this, this.#c, options, first.index, first.session);
  }

  /** Open a session on the first of `order` that opens; each that fails is demoted. @internal */
  async openFrom(order: readonly number[], options: SttOpenOptions): Promise<{ index: number; session: SttSession }> {
    let last: CallwireError | undefined;
    for (const i of order) {
      try {
        return { index: i, session: await (this.providers[i] as SttProvider).open(options) };
      } catch (e) {
        if (options.signal.aborted) throw e;
        last = asProviderError(e, (this.providers[i] as SttProvider).name);
        this.health.failed(i, last);
      }
    }
    throw last;
  }
}
