/**
 * A fake Anthropic Messages API on loopback, built from the documented protocol
 * (https://docs.anthropic.com/en/api/messages, .../build-with-claude/streaming,
 * .../api/errors, .../build-with-claude/prompt-caching): `POST /v1/messages` with
 * `stream: true` answers the SSE sequence message_start, content_block_start, ping,
 * content_block_delta (text_delta / input_json_delta), content_block_stop, message_delta
 * (stop_reason, usage), message_stop; `GET /v1/models`; `x-api-key` and `anthropic-version`
 * required; errors as `{"type":"error","error":{"type","message"}}` (429 with retry-after).
 * Prompt caching is modelled: a request whose system or tools carry `cache_control` reports
 * `cache_creation_input_tokens` the first time and `cache_read_input_tokens` after.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { type Clock, defaultClock } from '../../clock.js';
import { FaultQueue, type HttpFault, faultHeaders } from './faults.js';
import { HttpHost, readBody, sendJson } from './http-host.js';
import { splitTokens } from './openai-chat.js';
import { Recorder } from './recorder.js';

/** One scripted answer. */
export interface FakeAnthropicReply {
  readonly text?: string;
  readonly toolCalls?: readonly { readonly name: string; readonly input: Readonly<Record<string, unknown>>; readonly id?: string }[];
  readonly ttftMs?: number;
  readonly interTokenMs?: number;
  /** Destroy the connection after this many text deltas (this attempt only). */
  readonly dropAfterTokens?: number;
  /** Send an `error` event after this many deltas and end the stream (this attempt only). */
  readonly errorAfterTokens?: { readonly tokens: number; readonly type: string; readonly message: string };
}

/** A request as received. */
export interface RecordedAnthropicRequest {
  readonly at: number;
  readonly body: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The last user text block ('' when none). */
  readonly lastUser: string;
}

/** A running fake. */
export interface FakeAnthropic {
  /** `http://127.0.0.1:<port>`: pass as `baseUrl`. */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly requests: Recorder<RecordedAnthropicRequest>;
  /** Answer whenever the last user text matches. */
  when(match: RegExp, reply: FakeAnthropicReply): void;
  /** The answer when nothing matches (default "OK."). */
  otherwise(reply: FakeAnthropicReply): void;
  /** Answer the next `times` message requests with an HTTP error. */
  failNext(fault: HttpFault, times?: number): void;
  close(): Promise<void>;
}

/** Options of {@link startFakeAnthropic}. */
export interface FakeAnthropicOptions {
  readonly apiKey?: string;
  readonly models?: readonly string[];
  readonly ttftMs?: number;
  readonly interTokenMs?: number;
  readonly clock?: Clock;
}

const ERROR_TYPES: Record<number, string> = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 429: 'rate_limit_error', 500: 'api_error', 529: 'overloaded_error' };
const MAX_BODY = 4 << 20;

function errorBody(type: string, message: string): Record<string, unknown> {
  return { type: 'error', error: { type, message } };
}

/** Start the fake on 127.0.0.1 (port 0). */
export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const clock = options.clock ?? defaultClock;
  const apiKey = options.apiKey ?? 'test-anthropic-key';
  const models = options.models ?? ['claude-3-5-haiku-20241022', 'claude-sonnet-4-5'];
  const requests = new Recorder<RecordedAnthropicRequest>();
  const faults = new FaultQueue();
  const matchers: { re: RegExp; reply: FakeAnthropicReply }[] = [];
  let fallback: FakeAnthropicReply = { text: 'OK.' };
  const cached = new Set<string>();
  const retried = new Set<string>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.headers['x-api-key'] !== apiKey) return sendJson(res, 401, errorBody('authentication_error', 'invalid x-api-key'));
    if (typeof req.headers['anthropic-version'] !== 'string') return sendJson(res, 400, errorBody('invalid_request_error', 'anthropic-version: header is required'));
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      return sendJson(res, 200, { data: models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' })), has_more: false, first_id: models[0], last_id: models.at(-1) });
    }
    if (req.method !== 'POST' || url.pathname !== '/v1/messages') return sendJson(res, 404, errorBody('not_found_error', 'Not found'));
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req, MAX_BODY)) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, errorBody('invalid_request_error', 'invalid JSON body'));
    }
    const fault = faults.take();
    if (fault !== undefined) return sendJson(res, fault.status, fault.body ?? errorBody(ERROR_TYPES[fault.status] ?? 'api_error', 'scripted failure'), faultHeaders(fault));
    const msgs = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
    if (typeof body.model !== 'string' || !models.includes(body.model)) return sendJson(res, 404, errorBody('not_found_error', `model: ${String(body.model)}`));
    if (typeof body.max_tokens !== 'number') return sendJson(res, 400, errorBody('invalid_request_error', 'max_tokens: Field required'));
    if (msgs.length === 0 || msgs.some((m) => m.role !== 'user' && m.role !== 'assistant')) return sendJson(res, 400, errorBody('invalid_request_error', 'messages: roles must be user or assistant'));
    const lastUser = lastUserText(msgs);
    requests.add({ at: clock.now(), body, headers: req.headers, lastUser });
    const key = JSON.stringify(msgs);
    const reply0 = matchers.find((m) => m.re.test(lastUser))?.reply ?? fallback;
    // A fault scripted on a reply hits the first attempt only; the retry gets it clean.
    const reply = retried.has(key) ? { ...reply0, dropAfterTokens: undefined, errorAfterTokens: undefined } : reply0;
    if (reply0.dropAfterTokens !== undefined || reply0.errorAfterTokens !== undefined) retried.add(key);
    if (body.stream !== true) return sendJson(res, 400, errorBody('invalid_request_error', 'this fake serves stream: true only'));
    stream(res, body, reply, cacheUsage(body, cached));
  };

  const stream = (res: ServerResponse, body: Record<string, unknown>, reply: FakeAnthropicReply, cache: { read: number; write: number }): void => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_${randomUUID()}` });
    const send = (event: string, data: Record<string, unknown>): void => {
      if (!res.destroyed) res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
    };
    const emit = (event: string, data: Record<string, unknown>): true => {
      send(event, data);
      return true;
    };
    const tokens = splitTokens(reply.text ?? '');
    const ttft = reply.ttftMs ?? options.ttftMs ?? 0;
    const gap = reply.interTokenMs ?? options.interTokenMs ?? 0;
    const steps: (() => boolean)[] = [];
    let index = 0;
    send('message_start', { message: { id: `msg_${randomUUID()}`, type: 'message', role: 'assistant', content: [], model: body.model, stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 1, cache_creation_input_tokens: cache.write, cache_read_input_tokens: cache.read } } });
    if (tokens.length > 0) {
      const i = index++;
      steps.push(() => emit('content_block_start', { index: i, content_block: { type: 'text', text: '' } }) && emit('ping', {}));
      tokens.forEach((t, k) => {
        steps.push(() => {
          if (reply.dropAfterTokens !== undefined && k >= reply.dropAfterTokens) {
            res.destroy();
            return false;
          }
          if (reply.errorAfterTokens !== undefined && k >= reply.errorAfterTokens.tokens) {
            send('error', { error: { type: reply.errorAfterTokens.type, message: reply.errorAfterTokens.message } });
            res.end();
            return false;
          }
          send('content_block_delta', { index: i, delta: { type: 'text_delta', text: t } });
          return true;
        });
      });
      steps.push(() => emit('content_block_stop', { index: i }));
    }
    for (const call of reply.toolCalls ?? []) {
      const i = index++;
      const json = JSON.stringify(call.input);
      const half = Math.ceil(json.length / 2);
      steps.push(() => emit('content_block_start', { index: i, content_block: { type: 'tool_use', id: call.id ?? `toolu_${randomUUID().slice(0, 8)}`, name: call.name, input: {} } }));
      steps.push(() => emit('content_block_delta', { index: i, delta: { type: 'input_json_delta', partial_json: json.slice(0, half) } }));
      steps.push(() => emit('content_block_delta', { index: i, delta: { type: 'input_json_delta', partial_json: json.slice(half) } }));
      steps.push(() => emit('content_block_stop', { index: i }));
    }
    steps.push(() => {
      send('message_delta', { delta: { stop_reason: (reply.toolCalls?.length ?? 0) > 0 ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: tokens.length } });
      send('message_stop', {});
      res.end();
      return false;
    });
    let k = 0;
    const next = (): void => {
      const step = steps[k++];
      if (step === undefined || res.destroyed) return;
      if (step()) clock.setTimer(next, k === 1 ? 0 : gap);
    };
    clock.setTimer(next, ttft);
  };

  const host = await HttpHost.start({
    request(req, res) {
      handle(req, res).catch(() => res.destroy());
    },
  });
  return {
    baseUrl: host.httpUrl,
    apiKey,
    requests,
    when: (re, reply) => void matchers.push({ re, reply }),
    otherwise: (reply) => {
      fallback = reply;
    },
    failNext: (fault, times = 1) => faults.push(fault, times),
    close: () => host.close(),
  };
}

function lastUserText(msgs: readonly Record<string, unknown>[]): string {
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i] as Record<string, unknown>;
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) {
      const texts = (m.content as Record<string, unknown>[]).filter((b) => b.type === 'text').map((b) => String(b.text));
      if (texts.length > 0) return texts.join(' ');
    }
  }
  return '';
}

// The prefix up to the last cache_control breakpoint (tools, then system), as Anthropic caches it.
function cacheUsage(body: Record<string, unknown>, cached: Set<string>): { read: number; write: number } {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const system = Array.isArray(body.system) ? body.system : [];
  const marked = [...tools, ...system].some((b) => typeof b === 'object' && b !== null && 'cache_control' in b);
  if (!marked) return { read: 0, write: 0 };
  const prefix = JSON.stringify([body.model, tools, system]);
  const size = Math.ceil(prefix.length / 4);
  if (cached.has(prefix)) return { read: size, write: 0 };
  cached.add(prefix);
  return { read: 0, write: size };
}
