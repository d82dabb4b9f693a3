/**
 * Anthropic Messages API, native: `POST /v1/messages` with `stream: true`, read as SSE
 * (events in events.ts), tool use (tool_use blocks assembled from `input_json_delta`), and
 * prompt caching of the system prompt and tools (request.ts). A stream that drops is sent
 * again and resumed past the text already delivered (the same guard as the OpenAI client).
 */
import { ProviderError, isCallwireError } from '../../errors.js';
import { delay } from '../net/delay.js';
import { cancelledError, failureError, protocolError } from '../net/failure.js';
import { type OpenResponse, httpRequest } from '../net/http-request.js';
import { backoffDelay, withRetry } from '../net/retry.js';
import { SseDecoder } from '../net/sse.js';
import { ReplayGuard } from '../openai/replay-guard.js';
import type { LlmEvent, LlmProvider, LlmRequest, ProviderMetric, ToolCall } from '../types.js';
import { type AnthropicEvent, describeAnthropicError, parseAnthropicEvent, statusOfErrorType } from './events.js';
import { ANTHROPIC, type AnthropicConfig, type AnthropicLlmOptions, resolveAnthropicConfig } from './options.js';
import { buildMessagesBody } from './request.js';

/** Largest `/v1/models` body read. */
const MAX_MODELS_BODY = 1 << 20;

// Anthropic's stop reasons in the names the agent's other LLMs use.
const FINISH: Record<string, string> = { end_turn: 'stop', stop_sequence: 'stop', tool_use: 'tool_calls', max_tokens: 'length' };

/** See the module comment. */
export class AnthropicLlm implements LlmProvider {
  readonly name = ANTHROPIC.id;
  readonly #c: AnthropicConfig;

  constructor(options: AnthropicLlmOptions) {
    this.#c = resolveAnthropicConfig(options);
  }

  /** The resolved base URL (never includes the key). */
  get baseUrl(): string {
    return this.#c.baseUrl;
  }

  /** Open the keep-alive connection (and check the key). */
  async warm(signal: AbortSignal): Promise<void> {
    await this.#models(signal);
  }

  /** Check the key, and that the model is listed unless `checkModel: false`. */
  async verify(signal: AbortSignal): Promise<void> {
    const models = await this.#models(signal);
    const m = this.#c.model;
    // Aliases such as `claude-3-5-haiku-latest` are accepted by the API but not listed.
    if (this.#c.checkModel && models.length > 0 && !models.includes(m) && !m.endsWith('-latest')) {
      throw new ProviderError('PROVIDER_BAD_REQUEST', this.name, `model "${m}" is not offered by Anthropic (it lists ${models.slice(0, 8).join(', ')}). Fix the model name, or pass checkModel: false.`, { details: { model: m } });
    }
  }

  chat(request: LlmRequest): AsyncIterable<LlmEvent> {
    return this.#stream(request);
  }

  async *#stream(request: LlmRequest): AsyncGenerator<LlmEvent> {
    const c = this.#c;
    const started = c.clock.now();
    const metric = (m: ProviderMetric): void => request.onMetric?.(m);
    const body = JSON.stringify(
      buildMessagesBody({ model: c.model, messages: request.messages, tools: request.tools, maxTokens: request.maxTokens ?? c.maxTokens, temperature: request.temperature ?? c.temperature, cachePrompt: c.cachePrompt }),
    );
    const guard = new ReplayGuard();
    let firstToken = true;
    for (let attempt = 1; ; attempt++) {
      guard.restart();
      const tools = new Map<number, { id: string; name: string; json: string }>();
      let stopReason: string | undefined;
      let ended = false;
      let usage = { promptTokens: 0, completionTokens: 0 };
      let open: OpenResponse | undefined;
      try {
        open = await httpRequest({
          vendor: ANTHROPIC,
          url: `${c.baseUrl}/v1/messages`,
          method: 'POST',
          headers: { ...c.headers, 'content-type': 'application/json', accept: 'text/event-stream' },
          body,
          timeoutMs: c.timeoutMs,
          clock: c.clock,
          signal: request.signal,
          secret: c.apiKey,
          what: `messages with model ${c.model}`,
          describe: describeAnthropicError,
        });
        const sse = new SseDecoder();
        const text = new TextDecoder();
        for await (const bytes of open.chunks(c.idleTimeoutMs)) {
          for (const raw of sse.push(text.decode(bytes, { stream: true }))) {
            if (ended) continue;
            const ev: AnthropicEvent | undefined = parseAnthropicEvent(raw.data);
            if (ev === undefined) throw protocolError(ANTHROPIC, 'a stream event that is not a JSON object');
            switch (ev.type) {
              case 'message_start':
                usage = { ...usage, promptTokens: ev.inputTokens + ev.cacheReadTokens + ev.cacheWriteTokens };
                break;
              case 'block_start':
                if (ev.block === 'tool_use') tools.set(ev.index, { id: ev.id ?? `call_${ev.index}`, name: ev.name ?? '', json: '' });
                break;
              case 'tool_json': {
                const t = tools.get(ev.index);
                if (t !== undefined) t.json += ev.json;
                break;
              }
              case 'text': {
                if (ev.text === '') break;
                const r = guard.feed(ev.text);
                if (r.type === 'diverged') throw this.#diverged(guard.delivered.length);
                if (r.type === 'emit' && r.text !== '') {
                  if (firstToken) {
                    firstToken = false;
                    metric({ type: 'ttfb', kind: 'llm', provider: this.name, ms: c.clock.now() - started });
                  }
                  yield { type: 'text', text: r.text };
                }
                break;
              }
              case 'message_delta':
                if (ev.stopReason !== undefined) stopReason = ev.stopReason;
                if (ev.outputTokens !== undefined) usage = { ...usage, completionTokens: ev.outputTokens };
                break;
              case 'message_stop':
                ended = true;
                break;
              case 'error':
                throw failureError(ANTHROPIC, { status: statusOfErrorType(ev.errorType), vendorCode: ev.errorType, vendorMessage: ev.message }, { what: 'the streamed message', secret: c.apiKey });
              case 'block_stop':
              case 'ignored':
                break;
              default: {
                const never: never = ev;
                void never;
              }
            }
          }
        }
        if (!ended && stopReason === undefined) throw new ProviderError('PROVIDER_DISCONNECTED', this.name, 'Anthropic ended the stream before the message finished.');
      } catch (caught) {
        open?.abort();
        if (request.signal.aborted) throw cancelledError(ANTHROPIC);
        const error = isCallwireError(caught) ? caught : protocolError(ANTHROPIC, `a malformed stream (${(caught as Error).message})`);
        // A drop after message_delta lost only message_stop: the answer is complete.
        if (stopReason === undefined) {
          const wait = backoffDelay(attempt, error, c.retry);
          if (wait === undefined) throw error;
          metric({ type: 'retry', kind: 'llm', provider: this.name, attempt, delayMs: wait, code: error.code });
          await delay(wait, c.clock, request.signal, () => cancelledError(ANTHROPIC));
          continue;
        }
      }
      if (tools.size > 0) {
        if (firstToken) metric({ type: 'ttfb', kind: 'llm', provider: this.name, ms: c.clock.now() - started });
        const calls: ToolCall[] = [...tools.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => ({ id: t.id, name: t.name, arguments: t.json === '' ? '{}' : t.json }));
        yield { type: 'tool_calls', calls };
      }
      yield { type: 'done', finishReason: FINISH[stopReason ?? 'end_turn'] ?? stopReason ?? 'stop', usage };
      return;
    }
  }

  async #models(signal: AbortSignal): Promise<string[]> {
    const c = this.#c;
    return withRetry(
      async () => {
        const open = await httpRequest({ vendor: ANTHROPIC, url: `${c.baseUrl}/v1/models?limit=1000`, method: 'GET', headers: c.headers, timeoutMs: c.timeoutMs, clock: c.clock, signal, secret: c.apiKey, what: 'listing models', describe: describeAnthropicError });
        const parts: Uint8Array[] = [];
        let size = 0;
        for await (const chunk of open.chunks(c.idleTimeoutMs)) {
          size += chunk.length;
          if (size > MAX_MODELS_BODY) break;
          parts.push(chunk);
        }
        try {
          const data = (JSON.parse(Buffer.concat(parts).toString('utf8')) as { data?: unknown } | null)?.data;
          return Array.isArray(data) ? data.map((m) => (m as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === 'string') : [];
        } catch {
          return [];
        }
      },
      { policy: c.retry, clock: c.clock, signal, cancelled: () => cancelledError(ANTHROPIC) },
    );
  }

  #diverged(chars: number): ProviderError {
    return new ProviderError('PROVIDER_DISCONNECTED', this.name, `Anthropic dropped the stream and the retried message no longer matched the ${chars} characters already delivered; the turn ends with what was said.`, {
      retryable: false,
      details: { deliveredChars: chars },
    });
  }
}
