/**
 * OpenAI text-to-speech over HTTP streaming (`POST /audio/speech` with `response_format:
 * "pcm"`: raw 24 kHz 16-bit little-endian mono, https://platform.openai.com/docs/api-reference/audio/createSpeech).
 * OpenAI offers no 8 or 16 kHz output, so the session declares 24 kHz PCM16 and the caller
 * resamples. HTTP cannot take text while it is being generated, so there is no streamed input.
 * A segment whose body drops mid-audio is requested again and the bytes already delivered are
 * skipped (OpenAI returns no timestamps to resume by word).
 */
import { ProviderError } from '../../errors.js';
import { cancelledError } from '../net/failure.js';
import { delay } from '../net/delay.js';
import { httpRequest } from '../net/http-request.js';
import { backoffDelay } from '../net/retry.js';
import type { AudioSpec, ProviderMetric, TtsOpenOptions, TtsProvider, TtsSession } from '../types.js';
import { type OpenAiClientConfig, type OpenAiClientOptions, resolveOpenAiConfig } from './config.js';
import { describeOpenAiError } from './error-body.js';
import { listModels } from './models.js';

/** OpenAI's `pcm` format. */
export const OPENAI_TTS_AUDIO: AudioSpec = { encoding: 'pcm16', sampleRate: 24_000 };

/** The API's limit on `input` (characters). */
const MAX_INPUT = 4096;

/** Options of {@link OpenAiTts}. */
export interface OpenAiTtsOptions extends OpenAiClientOptions {
  /** Default `gpt-4o-mini-tts`. */
  readonly model?: string;
  /** Default `alloy` (a session's `voice` wins). */
  readonly voice?: string;
  /** Speaking-style instructions (gpt-4o-mini-tts). */
  readonly instructions?: string;
  /** 0.25-4.0. */
  readonly speed?: number;
}

/** See the module comment. */
export class OpenAiTts implements TtsProvider {
  readonly name: string;
  readonly outputFormats: readonly AudioSpec[] = [OPENAI_TTS_AUDIO];
  readonly #c: OpenAiClientConfig;
  readonly #o: OpenAiTtsOptions;

  constructor(options: OpenAiTtsOptions = {}) {
    this.#c = resolveOpenAiConfig(options, 'tts');
    this.#o = options;
    this.name = this.#c.vendor.id;
  }

  /** Check the key (`GET /models`), which also opens the keep-alive connection the session reuses. */
  async open(options: TtsOpenOptions): Promise<TtsSession> {
    const started = this.#c.clock.now();
    await listModels(this.#c, options.signal);
    options.onMetric?.({ type: 'connect', kind: 'tts', provider: this.name, ms: this.#c.clock.now() - started, attempt: 1 });
    return new OpenAiTtsSession(this.#c, this.#o, options);
  }

  async verify(signal: AbortSignal): Promise<void> {
    await listModels(this.#c, signal);
  }
}

class OpenAiTtsSession implements TtsSession {
  readonly audio = OPENAI_TTS_AUDIO;
  readonly #c: OpenAiClientConfig;
  readonly #o: OpenAiTtsOptions;
  readonly #ctx: TtsOpenOptions;
  readonly #closed = new AbortController();

  constructor(c: OpenAiClientConfig, o: OpenAiTtsOptions, ctx: TtsOpenOptions) {
    this.#c = c;
    this.#o = o;
    this.#ctx = ctx;
  }

  async *synthesize(text: string, options: { readonly signal: AbortSignal }): AsyncGenerator<Uint8Array> {
    if (this.#closed.signal.aborted) throw new ProviderError('PROVIDER_UNAVAILABLE', this.#c.vendor.id, `${this.#c.vendor.label} TTS session is closed.`);
    const signal = AbortSignal.any([options.signal, this.#ctx.signal, this.#closed.signal]);
    try {
      for (const piece of splitInput(text)) yield* this.#speak(piece, signal);
    } catch (error) {
      // Barge-in or hang-up: the interface ends the iterator quietly.
      if (signal.aborted) return;
      throw error;
    }
  }

  async close(): Promise<void> {
    this.#closed.abort();
  }

  #metric(m: ProviderMetric): void {
    this.#ctx.onMetric?.(m);
  }

  async *#speak(input: string, signal: AbortSignal): AsyncGenerator<Uint8Array> {
    const c = this.#c;
    const body = JSON.stringify({
      model: this.#o.model ?? 'gpt-4o-mini-tts',
      input,
      voice: this.#ctx.voice ?? this.#o.voice ?? 'alloy',
      response_format: 'pcm',
      ...(this.#o.instructions === undefined ? {} : { instructions: this.#o.instructions }),
      ...(this.#o.speed === undefined ? {} : { speed: this.#o.speed }),
    });
    const started = c.clock.now();
    let delivered = 0;
    let firstByte = true;
    for (let attempt = 1; ; attempt++) {
      // Bytes of this attempt to drop: what earlier attempts already delivered.
      let skip = delivered;
      let odd: Uint8Array | undefined;
      try {
        const open = await httpRequest({
          vendor: c.vendor,
          url: `${c.baseUrl}/audio/speech`,
          method: 'POST',
          headers: { ...c.headers, 'content-type': 'application/json' },
          body,
          timeoutMs: c.timeoutMs,
          clock: c.clock,
          signal,
          secret: c.apiKey,
          what: 'speech synthesis',
          describe: describeOpenAiError,
        });
        for await (const raw of open.chunks(c.idleTimeoutMs)) {
          let bytes: Uint8Array = raw;
          if (skip > 0) {
            const n = Math.min(skip, bytes.length);
            skip -= n;
            bytes = bytes.subarray(n);
          }
          // Yield whole 16-bit samples only; an odd byte waits for the next chunk.
          if (odd !== undefined) {
            bytes = Buffer.concat([odd, bytes]);
            odd = undefined;
          }
          if (bytes.length % 2 === 1) {
            odd = bytes.slice(bytes.length - 1);
            bytes = bytes.subarray(0, bytes.length - 1);
          }
          if (bytes.length === 0) continue;
          if (firstByte) {
            firstByte = false;
            this.#metric({ type: 'ttfb', kind: 'tts', provider: c.vendor.id, ms: c.clock.now() - started });
          }
          delivered += bytes.length;
          yield bytes;
        }
        return;
      } catch (error) {
        if (signal.aborted) throw cancelledError(c.vendor);
        const wait = backoffDelay(attempt, error, c.retry);
        if (wait === undefined) throw error;
        this.#metric({ type: 'retry', kind: 'tts', provider: c.vendor.id, attempt, delayMs: wait, code: (error as ProviderError).code });
        await delay(wait, c.clock, signal, () => cancelledError(c.vendor));
      }
    }
  }
}

/** Split text over the API's input limit at sentence (else word) boundaries. */
export function splitInput(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > MAX_INPUT) {
    const window = rest.slice(0, MAX_INPUT);
    // After the last sentence end and its space, else after the last space, else a hard cut.
    const sentence = window.search(/[.!?]\s[^.!?]*$/);
    const at = sentence > 0 ? sentence + 2 : window.lastIndexOf(' ') > 0 ? window.lastIndexOf(' ') + 1 : MAX_INPUT;
    out.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  if (rest.trim() !== '') out.push(rest);
  return out;
}
