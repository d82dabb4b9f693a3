/**
 * Streaming Chat Completions over fetch + SSE, for any OpenAI-compatible server (OpenAI, Groq,
 * Together, vLLM, Ollama, llama.cpp) chosen by base URL and model. Keep-alive connection reuse
 * comes from fetch's pool; `warm()` opens that connection before the first turn.
 */
import { ProviderError, isCallwireError } from '../../errors.js';
import { cancelledError, failureError, protocolError } from '../net/failure.js';
import { type OpenResponse, httpRequest } from '../net/http-request.js';
import { backoffDelay } from '../net/retry.js';
import { delay } from '../net/delay.js';
import { SseDecoder } from '../net/sse.js';
import type { LlmEvent, LlmProvider, LlmRequest, ProviderMetric } from '../types.js';
import { buildChatBody } from './chat-request.js';
import { parseChatChunk } from './chat-chunk.js';
import { type OpenAiClientConfig, type OpenAiClientOptions, resolveOpenAiConfig } from './config.js';
import { describeOpenAiError } from './error-body.js';
import { listModels } from './models.js';
import { ReplayGuard } from './replay-guard.js';
import { ToolCallAssembler } from './tool-assembler.js';

/** Options of {@link OpenAiLlm}. */
export interface OpenAiLlmOptions extends OpenAiClientOptions {
  /** Model name as the server knows it, e.g. `gpt-4o-mini`, `llama-3.1-8b-instant`. */
  readonly model: string;
  /** Default temperature (a request's own wins). */
  readonly temperature?: number;
  /** Default output limit (a request's own wins). */
  readonly maxTokens?: number;
  /** Sent as `seed`; makes a resumed stream far more likely to regenerate the same prefix. */
  readonly seed?: number;
  /** Ask for usage figures in the stream; default true. Turn off for servers that reject `stream_options`. */
  readonly includeUsage?: boolean;
  /** Vendor-specific body fields, merged into every request. */
  readonly extraBody?: Readonly<Record<string, unknown>>;
  /** `verify()` also checks the model is listed by `/models`; default true. */
  readonly checkModel?: boolean;
}

/** See the module comment. */
export class OpenAiLlm implements LlmProvider {
  readonly name: string;
  readonly #config: OpenAiClientConfig;
  readonly #options: OpenAiLlmOptions;

  constructor(options: OpenAiLlmOptions) {
    if (typeof options.model !== 'string' || options.model.trim() === '') {
      throw new ProviderError('PROVIDER_BAD_REQUEST', 'openai', 'OpenAiLlm needs a model name, e.g. { model: "gpt-4o-mini" }.');
    }
    this.#config = resolveOpenAiConfig(options, 'llm');
    this.#options = options;
    this.name = this.#config.vendor.id;
  }

  /** The resolved base URL (for logs; never includes the key). */
  get baseUrl(): string {
    return this.#config.baseUrl;
  }

  /** Open the keep-alive connection (and check the key) with one `GET /models`. */
  async warm(signal: AbortSignal): Promise<void> {
    await listModels(this.#config, signal);
  }

  /** Check the key, and that the model is served unless `checkModel: false`. */
  async verify(signal: AbortSignal): Promise<void> {
    const models = await listModels(this.#config, signal);
    const model = this.#options.model;
    if (this.#options.checkModel !== false && models.length > 0 && !models.includes(model)) {
      throw new ProviderError(
        'PROVIDER_BAD_REQUEST',
        this.name,
        `model "${model}" is not offered at ${this.#config.baseUrl} (it lists ${models.slice(0, 8).join(', ')}${models.length > 8 ? ', …' : ''}). Fix the model name, or pass checkModel: false for servers that accept any name.`,
        { details: { model } },
      );
    }
  }

  chat(request: LlmRequest): AsyncIterable<LlmEvent> {
    return this.#stream(request);
  }

  async *#stream(request: LlmRequest): AsyncGenerator<LlmEvent> {
    const c = this.#config;
    const o = this.#options;
    const started = c.clock.now();
    const metric = (m: ProviderMetric): void => request.onMetric?.(m);
    const body = JSON.stringify(
      buildChatBody({
        model: o.model,
        messages: request.messages,
        tools: request.tools,
        temperature: request.temperature ?? o.temperature,
        maxTokens: request.maxTokens ?? o.maxTokens,
        maxTokensField: c.isOpenAi ? 'max_completion_tokens' : 'max_tokens',
        seed: o.seed,
        includeUsage: o.includeUsage !== false,
        extra: o.extraBody,
      }),
    );
    const guard = new ReplayGuard();
    let firstToken = true;
    for (let attempt = 1; ; attempt++) {
      guard.restart();
      const tools = new ToolCallAssembler();
      let finishReason: string | undefined;
      let usage: { promptTokens: number; completionTokens: number } | undefined;
      let open: OpenResponse | undefined;
      try {
        open = await httpRequest({
          vendor: c.vendor,
          url: `${c.baseUrl}/chat/completions`,
          method: 'POST',
          headers: { ...c.headers, 'content-type': 'application/json', accept: 'text/event-stream' },
          body,
          timeoutMs: c.timeoutMs,
          clock: c.clock,
          signal: request.signal,
          secret: c.apiKey,
          what: `chat completions with model ${o.model}`,
          describe: describeOpenAiError,
        });
        const sse = new SseDecoder();
        const text = new TextDecoder();
        let done = false;
        // Read to the end of the body even after [DONE]: a fully read response returns its
        // connection to the keep-alive pool, an abandoned one is destroyed.
        for await (const bytes of open.chunks(c.idleTimeoutMs)) {
          for (const ev of sse.push(text.decode(bytes, { stream: true }))) {
            if (done) continue;
            if (ev.data === '[DONE]') {
              done = true;
              continue;
            }
            const chunk = parseChatChunk(ev.data);
            if (chunk === undefined) throw protocolError(c.vendor, 'a stream event that is not a JSON object');
            if (chunk.type === 'error') throw this.#midStreamError(chunk.vendorCode, chunk.vendorMessage);
            if (chunk.usage !== undefined) usage = chunk.usage;
            if (chunk.toolCalls.length > 0) tools.add(chunk.toolCalls);
            if (chunk.text !== '') {
              const r = guard.feed(chunk.text);
              if (r.type === 'diverged') throw this.#diverged(guard.delivered);
              if (r.type === 'emit' && r.text !== '') {
                if (firstToken) {
                  firstToken = false;
                  metric({ type: 'ttfb', kind: 'llm', provider: this.name, ms: c.clock.now() - started });
                }
                yield { type: 'text', text: r.text };
              }
            }
            if (chunk.finishReason !== undefined) finishReason = chunk.finishReason;
          }
        }
        if (!done && finishReason === undefined) {
          throw new ProviderError('PROVIDER_DISCONNECTED', this.name, `${c.vendor.label} ended the stream before the completion finished.`);
        }
      } catch (caught) {
        open?.abort();
        const error = isCallwireError(caught) ? caught : protocolError(c.vendor, `a malformed stream (${(caught as Error).message})`);
        // A drop after finish_reason lost only the usage chunk and [DONE]: the answer is complete.
        if (finishReason === undefined || request.signal.aborted) {
          if (request.signal.aborted) throw cancelledError(c.vendor);
          const wait = backoffDelay(attempt, error, c.retry);
          if (wait === undefined) throw error;
          metric({ type: 'retry', kind: 'llm', provider: this.name, attempt, delayMs: wait, code: error.code });
          await delay(wait, c.clock, request.signal, () => cancelledError(c.vendor));
          continue;
        }
      }
      if (tools.any) {
        if (firstToken) metric({ type: 'ttfb', kind: 'llm', provider: this.name, ms: c.clock.now() - started });
        yield { type: 'tool_calls', calls: tools.finish() };
      }
      yield { type: 'done', finishReason: finishReason ?? 'stop', usage };
      return;
    }
  }

  #midStreamError(vendorCode: string | undefined, vendorMessage: string | undefined): ProviderError {
    const c = this.#config;
    // No status on a mid-stream error event: infer one from the vendor code so the mapping
    // (rate limit -> retry, server error -> retry, anything else -> fail) stays the same.
    const code = vendorCode ?? '';
    const status = /rate_limit/.test(code) ? 429 : /server_error|overloaded|internal/.test(code) ? 500 : 400;
    return failureError(c.vendor, { status, vendorCode, vendorMessage }, { what: `the streamed completion`, secret: c.apiKey });
  }

  #diverged(delivered: string): ProviderError {
    return new ProviderError(
      'PROVIDER_DISCONNECTED',
      this.name,
      `${this.#config.vendor.label} dropped the stream and the retried completion no longer matched the ${delivered.length} characters already delivered; the turn ends with what was said (set a seed to make resumes reliable).`,
      { retryable: false, details: { deliveredChars: delivered.length } },
    );
  }
}
