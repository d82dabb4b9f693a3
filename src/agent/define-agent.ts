/**
 * `defineAgent`: the common case of a phone agent in one object.
 *
 * ```ts
 * const agent = defineAgent({ instructions, greeting, stt, llm, tts, tools });
 * createServer({ agent }).listen(8080);
 * ```
 */
import { concatBytes } from '../audio/pcm.js';
import { ConfigError } from '../errors.js';
import type { StreamFormat } from '../protocol/format.js';
import type { AudioSpec } from '../providers/types.js';
import type { CallStream } from '../stream/call-stream.js';
import type { AgentConfig } from './session.js';
import { IDLE_DEFAULTS } from './idle.js';
import { DEFAULT_FILLER } from './llm-responder.js';
import { sentencesOf } from './sentence-splitter.js';
import { AgentSession, type ConversationParking, DEFAULT_APOLOGY, type ParkedConversation } from './session.js';
import { TtsCache, sharedTtsCache, ttsIdentity } from './tts-cache.js';

/** A defined agent: a stream handler plus its live sessions. */
export interface Agent {
  readonly config: AgentConfig;
  /** The stream handler (pass the agent to createServer, or call this from your own onStream). */
  readonly handle: (call: CallStream) => void;
  /** Live sessions. */
  readonly sessions: ReadonlySet<AgentSession>;
  /** Be told of every new session (metrics, alerts and the store use this). Returns an unsubscribe function. */
  observe(listener: (session: AgentSession) => void): () => void;
  /**
   * Synthesize the fixed phrases (greeting, filler, idle prompts) for a stream format into
   * the TTS cache, so they play with no TTS wait. The server calls this when it starts.
   */
  prewarm(format: StreamFormat): Promise<void>;
}

/**
 * Conversations whose stream dropped, by call id, for `windowMs` (Plivo reconnects a dropped
 * stream of the same call). Bounded; entries expire on read.
 */
class Parking implements ConversationParking {
  readonly #windowMs: number;
  readonly #parked = new Map<string, ParkedConversation>();

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  park(callId: string, c: ParkedConversation): void {
    if (this.#windowMs <= 0) return;
    this.#parked.delete(callId);
    this.#parked.set(callId, c);
    if (this.#parked.size > 1000) this.#parked.delete(this.#parked.keys().next().value as string);
  }

  take(callId: string, now: number): ParkedConversation | undefined {
    const c = this.#parked.get(callId);
    if (c === undefined) return undefined;
    this.#parked.delete(callId);
    return now - c.droppedAt <= this.#windowMs ? c : undefined;
  }
}

/** Define an agent. Throws ConfigError naming what is missing. */
export function defineAgent(config: AgentConfig): Agent {
  if (config.responder === undefined) {
    const missing = (['stt', 'llm', 'tts'] as const).filter((k) => config[k] === undefined);
    if (missing.length > 0) {
      throw new ConfigError('CONFIG_MISSING', `an LLM agent needs stt, llm and tts providers; missing: ${missing.join(', ')} (or pass a responder)`);
    }
  }
  const sessions = new Set<AgentSession>();
  const observers = new Set<(session: AgentSession) => void>();
  const parking = new Parking(config.resumeWindowMs ?? 60_000);
  return {
    config,
    sessions,
    observe(listener) {
      observers.add(listener);
      return () => observers.delete(listener);
    },
    handle(call) {
      const session = new AgentSession(call, config, parking);
      sessions.add(session);
      for (const o of observers) o(session);
      void call.ended.then(() => sessions.delete(session));
      // start() never rejects: an agent that cannot start ends this call only (coded error, stream closed).
      void session.start();
    },
    async prewarm(format) {
      const tts = config.tts;
      if (tts === undefined) return;
      const phrases = new Set<string>();
      if (config.greeting !== undefined) phrases.add(typeof config.greeting === 'string' ? config.greeting : config.greeting.text);
      phrases.add(config.fillers?.phrase ?? DEFAULT_FILLER);
      // The apology must play when a provider fails, the TTS included: it comes from the cache.
      phrases.add(config.apology ?? DEFAULT_APOLOGY);
      if (config.resumePhrase !== undefined) phrases.add(config.resumePhrase);
      if (config.idle !== false) {
        for (const p of config.idle?.prompts ?? IDLE_DEFAULTS.prompts) phrases.add(p);
        phrases.add(config.idle?.goodbye ?? IDLE_DEFAULTS.goodbye);
      }
      for (const t of config.tools ?? []) if (typeof t.filler === 'string') phrases.add(t.filler);
      const abort = new AbortController();
      const wire: AudioSpec = { encoding: format.encoding === 'audio/x-mulaw' ? 'mulaw' : 'pcm16', sampleRate: format.sampleRate };
      const session = await tts.open({ signal: abort.signal, callId: 'prewarm', streamId: 'prewarm', now: () => performance.now(), preferred: [wire, { encoding: 'pcm16', sampleRate: format.sampleRate }], voice: config.voice });
      try {
        const spec = `${session.audio.encoding}/${session.audio.sampleRate}`;
        await Promise.all(
          [...phrases].flatMap(sentencesOf).map((text) =>
            sharedTtsCache.getOrCreate(TtsCache.key(ttsIdentity(tts), spec, config.voice, text), async () => {
              const parts: Uint8Array[] = [];
              for await (const c of session.synthesize(text, { signal: abort.signal })) parts.push(c);
              return concatBytes(parts);
            }),
          ),
        );
      } finally {
        abort.abort();
        await session.close();
      }
    },
  };
}
