/**
 * What a multi-context TTS WebSocket vendor (ElevenLabs multi-stream-input, Cartesia
 * /tts/websocket) must say and understand, so one session implementation (session.ts) can run
 * concurrent segments, cancellation and reconnect-with-resume for both.
 */
import type { ProviderError } from '../../errors.js';
import type { TimedWord } from '../types.js';

/** One thing a server message told us. */
export type TtsWireEvent =
  /**
   * Audio for a context; `chars` is the input text this chunk speaks (alignment), when sent,
   * and `charEndsMs` when each of those characters ends, in ms from the chunk's start.
   */
  | { readonly type: 'audio'; readonly context: string; readonly bytes: Uint8Array; readonly chars?: string; readonly charEndsMs?: readonly number[] }
  /** Word timings for a context. */
  | { readonly type: 'words'; readonly context: string; readonly words: readonly TimedWord[] }
  /** The context has produced all its audio. */
  | { readonly type: 'done'; readonly context: string }
  /** A failure of one context (or of the connection when `context` is undefined). */
  | { readonly type: 'error'; readonly context: string | undefined; readonly error: ProviderError }
  /** Nothing we act on (acknowledgements, flush markers, unknown types). */
  | { readonly type: 'ignore' };

/** The vendor's messages. Each returns the text frames to send, in order. */
export interface TtsWire {
  /** Start context `id` with its first text. `firstOnSocket`: first context on this connection. */
  open(id: string, text: string, firstOnSocket: boolean): string[];
  /** More text for an open context. */
  append(id: string, text: string): string[];
  /** No more text: generate what is buffered and finish the context. */
  end(id: string): string[];
  /** Stop a context now (barge-in). */
  cancel(id: string): string[];
  /** Messages that keep an idle socket and the contexts still waiting for text alive. */
  keepAlive(waiting: readonly string[]): string[];
  /** Polite goodbye before closing the socket, if the vendor has one. */
  closeSocket(): string[];
  /** Parse one server text frame. */
  parse(data: string): TtsWireEvent[];
  /** Parse one binary frame (vendors that send raw audio, e.g. Deepgram Aura); ignored when absent. */
  parseBinary?(data: Uint8Array): TtsWireEvent[];
  /** What an unexpected close means (retryable -> reconnect; otherwise fatal). */
  closeError(code: number, reason: string): ProviderError;
}
