/**
 * Google Gemini, native: `POST {base}/v1beta/models/{model}:streamGenerateContent?alt=sse`
 * with `x-goog-api-key` (https://ai.google.dev/api/generate-content), function calling
 * (function calls arrive whole in a chunk; results go back as `functionResponse` parts), and
 * the same drop-resume guard as the other LLM clients. `verify()` lists `GET /v1beta/models`.
 */
import { type Clock, defaultClock } from '../../clock.js';
import { ConfigError, ProviderError, isCallwireError } from '../../errors.js';
import { resolveApiKey } from '../net/api-key.js';
import { httpAndWsBase } from '../net/base-url.js';
import { delay } from '../net/delay.js';
import { cancelledError, failureError, protocolError } from '../net/failure.js';
import { type OpenResponse, httpRequest } from '../net/http-request.js';
import { type RetryOptions, type RetryPolicy, backoffDelay, retryPolicy, withRetry } from '../net/retry.js';
import { SseDecoder } from '../net/sse.js';
import type { VendorInfo } from '../net/vendor.js';
import { ReplayGuard } from '../openai/replay-guard.js';
import type { LlmEvent, LlmProvider, LlmRequest, ProviderMetric, ToolCall } from '../types.js';
import { buildGeminiBody, describeGeminiError, parseGeminiChunk, withIds } from './wire.js';

/** Who the client is. */
export const GEMINI: VendorInfo = { id: 'gemini', label: 'Google Gemini', envVar: 'GEMINI_API_KEY', kind: 'llm' };

/** Options of {@link GeminiLlm}. */
export interface GeminiLlmOptions {
  /** e.g. `gemini-2.0-flash`. */
  readonly model: string;
  /** Default GEMINI_API_KEY. */
  readonly apiKey?: string;
  /** Default GEMINI_BASE_URL, else `https://generativelanguage.googleapis.com`. */
  readonly baseUrl?: string;
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly timeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly retry?: RetryOptions;
  /** `verify()` also checks the model is listed; default true. */
  readonly checkModel?: boolean;
  readonly clock?: Clock;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const MAX_MODELS_BODY = 1 << 20;
const FINISH: Record<string, string> = { STOP: 'stop', MAX_TOKENS: 'length' };

/** See the module comment. */
export class GeminiLlm implements LlmProvider {
  readonly name = GEMINI.id;
  readonly #o: GeminiLlmOptions;
  readonly #key: string;
  readonly #base: string;
  readonly #retry: RetryPolicy;
  readonly #clock: Clock;

  constructor(options: GeminiLlmOptions) {
    if (typeof options.model !== 'string' || !/^[\w.-]+$/.test(options.model)) throw new ConfigError('CONFIG_INVALID', 'GeminiLlm needs a model name, e.g. { model: "gemini-2.0-flash" }.');
    const env = options.env ?? process.env;
    this.#o = options;
    this.#key = resolveApiKey(GEMINI, options.apiKey, { env });
    this.#base = httpAndWsBase(options.baseUrl ?? env.GEMINI_BASE_URL ?? 'https://generativelanguage.googleapis.com', 'Gemini').http;
    this.#retry = retryPolicy(options.retry);
    this.#clock = options.clock ?? defaultClock;
  }

  /** The resolved base URL (never includes the key). */
  get baseUrl(): string {
    return this.#base;
  }

  async warm(signal: AbortSignal): Promise<void> {
    await this.#models(signal);
  }

  async verify(signal: AbortSignal): Promise<void> {
    const models = await this.#models(signal);
    if (this.#o.checkModel !== false && models.length > 0 && !models.includes(this.#o.model)) {
      throw new ProviderError('PROVIDER_BAD_REQUEST', this.name, `model "${this.#o.model}" is not offered by Gemini (it lists ${models.slice(0, 8).join(', ')}). Fix the model name, or pass checkModel: false.`);
    }
  }

  chat(request: LlmRequest): AsyncIterable<LlmEvent> {
    return this.#stream(request);
  }

  async *#stream(request: LlmRequest): AsyncGenerator<LlmEvent> {
    const o = this.#o;
    const started = this.#clock.now();
    const metric = (m: ProviderMetric): void => request.onMetric?.(m);
    const body = JSON.stringify(buildGeminiBody(request.messages, request.tools, request.temperature ?? o.temperature, request.maxTokens ?? o.maxTokens));
    const guard = new ReplayGuard();
    let firstToken = true;
    for (let attempt = 1; ; attempt++) {
      guard.restart();
      const calls: ToolCall[] = [];
      let finish: string | undefined;
      let usage: { promptTokens: number; completionTokens: number } | undefined;
      let open: OpenResponse | undefined;
      try {
        open = await this.#request(`/v1beta/models/${o.model}:streamGenerateContent?alt=sse`, 'POST', request.signal, `streamGenerateContent with model ${o.model}`, body);
        const sse = new SseDecoder();
        const text = new TextDecoder();
        for await (const bytes of open.chunks(o.idleTimeoutMs ?? 15_000)) {
          for (const raw of sse.push(text.decode(bytes, { stream: true }))) {
            const chunk = parseGeminiChunk(raw.data);
            if (chunk === undefined) throw protocolError(GEMINI, 'a stream event that is not a JSON object');
            if (chunk.error !== undefined) throw this.#fail(chunk.error.code, chunk.error.status, chunk.error.message);
            if (chunk.usage !== undefined) usage = chunk.usage;
            if (chunk.calls.length > 0) calls.push(...withIds(chunk.calls, calls.length));
            if (chunk.text !== '') {
              const r = guard.feed(chunk.text);
              if (r.type === 'diverged') throw new ProviderError('PROVIDER_DISCONNECTED', this.name, `Gemini dropped the stream and the retry no longer matched the ${guard.delivered.length} characters already delivered.`, { retryable: false });
              if (r.type === 'emit' && r.text !== '') {
                if (firstToken) {
                  firstToken = false;
                  metric({ type: 'ttfb', kind: 'llm', provider: this.name, ms: this.#clock.now() - started });
                }
                yield { type: 'text', text: r.text };
              }
            }
            if (chunk.finishReason !== undefined) finish = chunk.finishReason;
          }
        }
        // The stream has no end marker: a body that ended without a finishReason was cut.
        if (finish === undefined) throw new ProviderError('PROVIDER_DISCONNECTED', this.name, 'Gemini ended the stream before the response finished.');
      } catch (caught) {
        open?.abort();
        if (request.signal.aborted) throw cancelledError(GEMINI);
        const error = isCallwireError(caught) ? caught : protocolError(GEMINI, `a malformed stream (${(caught as Error).message})`);
        if (finish === undefined) {
          const wait = backoffDelay(attempt, error, this.#retry);
          if (wait === undefined) throw error;
          metric({ type: 'retry', kind: 'llm', provider: this.name, attempt, delayMs: wait, code: error.code });
          await delay(wait, this.#clock, request.signal, () => cancelledError(GEMINI));
          continue;
        }
      }
      if (calls.length > 0) {
        if (firstToken) metric({ type: 'ttfb', kind: 'llm', provider: this.name, ms: this.#clock.now() - started });
        yield { type: 'tool_calls', calls };
      }
      yield { type: 'done', finishReason: calls.length > 0 ? 'tool_calls' : (FINISH[finish ?? 'STOP'] ?? (finish ?? 'stop').toLowerCase()), usage };
      return;
    }
  }

  async #request(path: string, method: 'GET' | 'POST', signal: AbortSignal, what: string, body?: string): Promise<OpenResponse> {
    try {
      return await httpRequest({
        vendor: GEMINI,
        url: `${this.#base}${path}`,
        method,
        headers: { 'x-goog-api-key': this.#key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body,
        timeoutMs: this.#o.timeoutMs ?? 10_000,
        clock: this.#clock,
        signal,
        secret: this.#key,
        what,
        describe: describeGeminiError,
      });
    } catch (e) {
      // Gemini answers a bad key with 400 INVALID_ARGUMENT ("API key not valid"): it is an auth failure.
      if (isCallwireError(e) && e.code === 'PROVIDER_BAD_REQUEST' && /API key not valid|API_KEY_INVALID/i.test(e.message)) {
        throw failureError(GEMINI, { status: 401, vendorCode: 'API_KEY_INVALID' }, { what, secret: this.#key });
      }
      throw e;
    }
  }

  #fail(code: number, status: string | undefined, message: string | undefined): ProviderError {
    return failureError(GEMINI, { status: code, vendorCode: status, vendorMessage: message }, { what: 'the streamed response', secret: this.#key });
  }

  async #models(signal: AbortSignal): Promise<string[]> {
    return withRetry(
      async () => {
        const open = await this.#request('/v1beta/models?pageSize=1000', 'GET', signal, 'listing models');
        const parts: Uint8Array[] = [];
        let size = 0;
        for await (const chunk of open.chunks(this.#o.idleTimeoutMs ?? 15_000)) {
          size += chunk.length;
          if (size > MAX_MODELS_BODY) break;
          parts.push(chunk);
        }
        try {
          const list = (JSON.parse(Buffer.concat(parts).toString('utf8')) as { models?: unknown } | null)?.models;
          // Names are `models/<id>`.
          return Array.isArray(list) ? list.map((m) => (m as { name?: unknown } | null)?.name).filter((n): n is string => typeof n === 'string').map((n) => n.replace(/^models\//, '')) : [];
        } catch {
          return [];
        }
      },
      { policy: this.#retry, clock: this.#clock, signal, cancelled: () => cancelledError(GEMINI) },
    );
  }
}
