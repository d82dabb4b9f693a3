/**
 * The seams between the agent loop and speech/language providers. Each vendor lives in
 * `src/providers/<vendor>/` and implements one of these; importing a provider has no side
 * effects. Providers are stateless factories; each call opens its own sessions when the
 * stream starts (pre-warmed, not at the first turn) and closes them when it ends.
 *
 * Errors are `ProviderError`s with codes PROVIDER_AUTH_FAILED, PROVIDER_RATE_LIMITED,
 * PROVIDER_BAD_REQUEST, PROVIDER_UNAVAILABLE, PROVIDER_TIMEOUT, PROVIDER_DISCONNECTED,
 * PROVIDER_PROTOCOL or PROVIDER_CANCELLED; `retryable` tells the caller whether to retry.
 */
import type { CallwireError, ErrorCode } from '../errors.js';

/** Raw audio as a provider consumes or produces it. */
export interface AudioSpec {
  /** `mulaw` = G.711 mu-law bytes; `pcm16` = signed 16-bit little-endian PCM bytes. */
  readonly encoding: 'mulaw' | 'pcm16';
  readonly sampleRate: number;
}

/** What every session open receives. */
export interface ProviderContext {
  /** Ends when the call ends: sessions must close themselves when it aborts. */
  readonly signal: AbortSignal;
  /** Plivo call and stream ids, for provider-side logs and metadata. */
  readonly callId: string;
  readonly streamId: string;
  /** Monotonic milliseconds (the call's clock), for latency figures. */
  now(): number;
  /** Receives connect/TTFB/retry/reconnect figures for the latency ledger (optional). */
  onMetric?(metric: ProviderMetric): void;
}

/** Which seam a provider fills. */
export type ProviderKind = 'stt' | 'llm' | 'tts';

/**
 * Latency and reliability figures a provider reports, in milliseconds on the caller's clock.
 * Providers never block on the callback; it must not throw.
 */
export type ProviderMetric =
  /** A connection (WebSocket, or the first HTTP request on a keep-alive pool) was established. */
  | { readonly type: 'connect'; readonly kind: ProviderKind; readonly provider: string; readonly ms: number; readonly attempt: number }
  /**
   * Time to first byte. STT: end of the audio a final covers -> that final arrived (the
   * recogniser's lag). LLM: request sent -> first token. TTS: first text sent -> first audio.
   */
  | { readonly type: 'ttfb'; readonly kind: ProviderKind; readonly provider: string; readonly ms: number }
  /** A retryable failure; the next attempt follows after `delayMs`. */
  | {
      readonly type: 'retry';
      readonly kind: ProviderKind;
      readonly provider: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly code: ErrorCode;
    }
  /** A mid-call reconnect finished after `ms`; `replayed` counts what was sent again (ms of audio, or segments). */
  | { readonly type: 'reconnect'; readonly kind: ProviderKind; readonly provider: string; readonly ms: number; readonly replayed: number }
  /**
   * A fallback chain moved this call from `from` (which failed with `error`) to `to`; `ms` is
   * from noticing the failure to the next provider being ready, `replayed` as for `reconnect`.
   */
  | {
      readonly type: 'failover';
      readonly kind: ProviderKind;
      readonly provider: string;
      readonly from: string;
      readonly to: string;
      readonly ms: number;
      readonly replayed: number;
      readonly error: CallwireError;
    };

// ---------------------------------------------------------------- STT

/** One recognised word with times relative to the session's audio start (ms). */
export interface SttWord {
  readonly word: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly confidence?: number;
}

/** Events from a streaming recogniser, in the order the vendor sent them. */
export type SttEvent =
  /** The vendor detected the start of speech (Deepgram SpeechStarted). */
  | { readonly type: 'speech_started'; readonly audioMs?: number }
  /** A partial hypothesis for the current segment; replaced by later interims/finals. */
  | { readonly type: 'interim'; readonly text: string; readonly confidence: number; readonly words?: readonly SttWord[] }
  /**
   * A final transcript for a segment (Deepgram is_final). `speechFinal` is the vendor's
   * endpointing verdict (Deepgram speech_final): the speaker paused long enough.
   */
  | {
      readonly type: 'final';
      readonly text: string;
      readonly confidence: number;
      readonly speechFinal: boolean;
      readonly words?: readonly SttWord[];
    }
  /** The vendor's utterance-end signal (Deepgram UtteranceEnd). */
  | { readonly type: 'utterance_end'; readonly lastWordEndMs?: number }
  /** The connection dropped and is being re-established; audio is buffered meanwhile. */
  | { readonly type: 'reconnecting'; readonly attempt: number; readonly error: CallwireError }
  /** Reconnected; `replayedMs` of buffered audio were sent again. */
  | { readonly type: 'reconnected'; readonly replayedMs: number }
  /** A non-fatal problem worth logging (fatal ones end the iterator by throwing). */
  | { readonly type: 'warning'; readonly error: CallwireError };

/** Options for opening a recognition session. */
export interface SttOpenOptions extends ProviderContext {
  /** The audio that will be pushed (chosen from {@link SttProvider.inputFormats}). */
  readonly audio: AudioSpec;
  /** BCP-47 language, e.g. `en-US`. */
  readonly language?: string;
}

/** A live recognition stream for one call. Iterate it for events. */
export interface SttSession extends AsyncIterable<SttEvent> {
  /** Send audio (in the session's {@link AudioSpec}); never blocks, buffers boundedly while reconnecting. */
  push(audio: Uint8Array): void;
  /** Ask the vendor to finalise what it has now (Deepgram Finalize). */
  finalize(): void;
  /** Close gracefully (Deepgram CloseStream); the iterator ends after the last result. */
  close(): Promise<void>;
}

/** A streaming speech-to-text vendor. */
export interface SttProvider {
  readonly name: string;
  /** Formats accepted with no transcoding, best first (the agent uses the call's wire format if listed). */
  readonly inputFormats: readonly AudioSpec[];
  /** Open (and authenticate) a session. Rejects with a ProviderError, e.g. PROVIDER_AUTH_FAILED. */
  open(options: SttOpenOptions): Promise<SttSession>;
  /**
   * Check credentials and settings without starting a call, so start-up can fail early with a
   * message that names the env var to fix. Rejects with a ProviderError.
   */
  verify?(signal: AbortSignal): Promise<void>;
}

// ---------------------------------------------------------------- LLM

/** A tool call the model asked for. `arguments` is the raw JSON text. */
export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** The chat context, in OpenAI's roles. */
export type ChatMessage =
  | { readonly role: 'system'; readonly content: string }
  | { readonly role: 'user'; readonly content: string }
  | {
      readonly role: 'assistant';
      readonly content: string;
      readonly toolCalls?: readonly ToolCall[];
      /** Set when barge-in cut the message to what the caller heard. */
      readonly interrupted?: boolean;
    }
  | { readonly role: 'tool'; readonly toolCallId: string; readonly content: string };

/** A tool offered to the model: name, description and JSON-Schema parameters. */
export interface ToolSchema {
  readonly name: string;
  readonly description: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** One streamed completion request. */
export interface LlmRequest {
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ToolSchema[];
  /** Aborts the HTTP request (barge-in). */
  readonly signal: AbortSignal;
  readonly temperature?: number;
  readonly maxTokens?: number;
  /** Receives TTFT/retry figures for the latency ledger (optional). */
  readonly onMetric?: (metric: ProviderMetric) => void;
}

/** Streamed completion output. */
export type LlmEvent =
  /** A text delta, as soon as it arrives. */
  | { readonly type: 'text'; readonly text: string }
  /** Complete tool calls (deltas already assembled), emitted once the model finished them. */
  | { readonly type: 'tool_calls'; readonly calls: readonly ToolCall[] }
  /** End of the completion. */
  | {
      readonly type: 'done';
      readonly finishReason: string;
      readonly usage?: { readonly promptTokens: number; readonly completionTokens: number };
    };

/** A streaming chat-completion vendor. */
export interface LlmProvider {
  readonly name: string;
  /** Open a connection ahead of the first turn (keep-alive), if the vendor benefits. */
  warm?(signal: AbortSignal): Promise<void>;
  /** Stream one completion. Throws ProviderError; aborting `signal` ends it with PROVIDER_CANCELLED. */
  chat(request: LlmRequest): AsyncIterable<LlmEvent>;
  /** Check credentials (and the model) without a call; rejects with a ProviderError. */
  verify?(signal: AbortSignal): Promise<void>;
}

// ---------------------------------------------------------------- TTS

/** Options for opening a synthesis session. */
export interface TtsOpenOptions extends ProviderContext {
  /** Formats the caller can use without transcoding, best first (the call's wire format first). */
  readonly preferred: readonly AudioSpec[];
  readonly voice?: string;
}

/** A spoken word and when it ends, in ms from the start of its segment's audio. */
export interface TimedWord {
  readonly word: string;
  readonly endMs: number;
}

/** Options of one synthesis. */
export interface SynthesizeOptions {
  readonly signal: AbortSignal;
  /**
   * Word timings, as the vendor reports them (ElevenLabs character alignment, Cartesia word
   * timestamps), in order, each word once. The heard-ledger uses them to cut a reply at the
   * exact word the caller heard; vendors without timings never call it.
   */
  readonly onWords?: (words: readonly TimedWord[]) => void;
}

/** A per-call synthesis session, usually one pre-warmed connection. */
export interface TtsSession {
  /** The format every synthesize() yields. */
  readonly audio: AudioSpec;
  /**
   * Speak one segment (a sentence or clause); audio bytes stream as they are generated.
   * Several segments may be in flight at once; each yields only its own audio, in order.
   * Aborting `signal` stops synthesis promptly (barge-in) and ends the iterator.
   */
  synthesize(text: string, options: SynthesizeOptions): AsyncIterable<Uint8Array>;
  /**
   * Speak one segment whose text is still being produced (LLM tokens): pieces are sent to the
   * vendor as they arrive, audio streams back before the text ends. Present only where the
   * vendor accepts streamed input (ElevenLabs, Cartesia); otherwise use {@link synthesize}.
   */
  synthesizeStream?(text: AsyncIterable<string>, options: { readonly signal: AbortSignal }): AsyncIterable<Uint8Array>;
  close(): Promise<void>;
}

/** A streaming text-to-speech vendor. */
export interface TtsProvider {
  readonly name: string;
  /** Formats it can produce natively, best first. */
  readonly outputFormats: readonly AudioSpec[];
  open(options: TtsOpenOptions): Promise<TtsSession>;
  /** Check credentials (and the voice) without a call; rejects with a ProviderError. */
  verify?(signal: AbortSignal): Promise<void>;
}

// ---------------------------------------------------------------- VAD

/** A frame-level voice activity detector for one call. */
export interface Vad {
  readonly sampleRate: number;
  /** Samples per frame it expects (e.g. 10, 20 or 30 ms worth). */
  readonly frameSamples: number;
  /** Speech probability for one frame, 0..1 (binary detectors return 0 or 1). */
  process(frame: Int16Array): number;
  reset(): void;
  destroy(): void;
}

/** A VAD backend. */
export interface VadProvider {
  readonly name: string;
  /** Sample rates it runs at natively. */
  readonly sampleRates: readonly number[];
  create(sampleRate: number): Promise<Vad>;
}
