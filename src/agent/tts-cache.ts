/**
 * Pre-generated speech for fixed phrases (greeting, fillers, idle prompts): synthesized
 * once per voice and format, then played with no TTS wait (the guide: "pre-generate common
 * responses"). Bounded by bytes, least recently used out first; concurrent requests for
 * the same phrase share one synthesis. A synthesis that fails is not cached; one cancelled
 * by the caller that started it (PROVIDER_CANCELLED) is synthesized again by those waiting.
 */
import { isCallwireError } from '../errors.js';

export class TtsCache {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, Uint8Array>();
  readonly #inflight = new Map<string, Promise<Uint8Array>>();
  #bytes = 0;
  hits = 0;
  misses = 0;

  constructor(maxBytes = 32 * 1024 * 1024) {
    this.#maxBytes = maxBytes;
  }

  /** Cache key for a phrase in one provider voice and format. */
  static key(provider: string, format: string, voice: string | undefined, text: string): string {
    return `${provider}\u0000${format}\u0000${voice ?? ''}\u0000${text}`;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): Uint8Array | undefined {
    const hit = this.#entries.get(key);
    if (hit === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, hit);
    return hit;
  }

  /**
   * The cached audio, or synthesize it once (shared by concurrent callers). `produce` must
   * reject (PROVIDER_CANCELLED when cancelled) rather than resolve with partial audio: what
   * it resolves with is cached as the whole phrase.
   */
  async getOrCreate(key: string, produce: () => Promise<Uint8Array>): Promise<Uint8Array> {
    for (;;) {
      const hit = this.get(key);
      if (hit !== undefined) {
        this.hits++;
        return hit;
      }
      const pending = this.#inflight.get(key);
      if (pending === undefined) break;
      try {
        return await pending;
      } catch (e) {
        // Another caller's cancellation (a barge-in, a hang-up) says nothing about this one:
        // look again (it may be cached or in flight anew), else synthesize it with our own produce.
        if (!isCallwireError(e) || e.code !== 'PROVIDER_CANCELLED') throw e;
      }
    }
    this.misses++;
    const p = produce()
      .then((audio) => {
        this.#set(key, audio);
        return audio;
      })
      .finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, p);
    return p;
  }

  #set(key: string, audio: Uint8Array): void {
    if (audio.length > this.#maxBytes / 4) return;
    const old = this.#entries.get(key);
    if (old !== undefined) this.#bytes -= old.length;
    this.#entries.set(key, audio);
    this.#bytes += audio.length;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= v.length;
    }
  }
}

/** The process-wide cache. */
export const sharedTtsCache = new TtsCache();

const instanceIds = new WeakMap<object, number>();
let nextInstanceId = 0;

/**
 * The cache identity of a TTS provider: its name plus a per-instance number. Two instances of
 * one vendor may be set up with different voices, models or accounts (the voice is often a
 * constructor option, not `AgentConfig.voice`), so they must not share cached audio.
 */
export function ttsIdentity(tts: { readonly name: string }): string {
  let id = instanceIds.get(tts);
  if (id === undefined) {
    id = ++nextInstanceId;
    instanceIds.set(tts, id);
  }
  return `${tts.name}#${id}`;
}
