/**
 * Fake OpenAI Chat Completions (`POST /v1/chat/completions`, `stream: true`) speaking the real
 * SSE wire format (https://platform.openai.com/docs/api-reference/chat-streaming): a role
 * chunk, content deltas, tool-call deltas (`{index, id, type, function:{name, arguments}}`
 * first, then argument fragments), a `finish_reason` chunk, a usage chunk with empty `choices`
 * when `stream_options.include_usage` is set, then `data: [DONE]`. Replies are scripted per
 * turn or by a matcher on the last user message; every request is recorded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../clock.js';
import { FaultQueue, type HttpFault } from './faults.js';
import { sendJson } from './http-host.js';
import { openAiError, sendModelNotFound, takeOpenAiRequest } from './openai-wire.js';
import { Recorder } from './recorder.js';
import { Timeline } from './timeline.js';

/** A tool call the fake model makes. */
export interface FakeToolCall {
  readonly name: string;
  /** JSON text, or an object serialised for you. */
  readonly arguments: string | Readonly<Record<string, unknown>>;
  readonly id?: string;
}

/** One scripted answer. */
export interface FakeChatReply {
  readonly text?: string;
  /** Exact streamed pieces (default: `text` split after each word). */
  readonly tokens?: readonly string[];
  readonly toolCalls?: readonly FakeToolCall[];
  /** Default `tool_calls` when there are tool calls, else `stop`. */
  readonly finishReason?: string;
  /** Override the fake's time to first token for this reply. */
  readonly ttftMs?: number;
  /** Override the fake's delay between tokens for this reply. */
  readonly interTokenMs?: number;
  /** Destroy the connection after this many content tokens (this attempt only). */
  readonly dropAfterTokens?: number;
  /** Send `data: {"error": ...}` after this many tokens and end the stream (this attempt only). */
  readonly errorAfterTokens?: { readonly tokens: number; readonly code: string; readonly message: string };
  /** What a retry of this request gets after a drop or error (default: this reply without the fault). */
  readonly retryReply?: FakeChatReply;
}

/** A reply, or a function of the request that returns one. */
export type FakeChatScript = FakeChatReply | ((request: RecordedChatRequest) => FakeChatReply);

/** A request as the fake received it. */
export interface RecordedChatRequest {
  /** Fake clock time of arrival. */
  readonly at: number;
  readonly model: string;
  readonly messages: readonly Record<string, unknown>[];
  readonly tools: readonly Record<string, unknown>[] | undefined;
  readonly stream: boolean;
  /** The whole parsed body. */
  readonly body: Readonly<Record<string, unknown>>;
  /** The last user message's text ('' when none). */
  readonly lastUser: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** Streaming events, for order assertions. */
export type ChatStreamEvent =
  | { readonly type: 'request'; readonly at: number; readonly index: number }
  | { readonly type: 'token'; readonly at: number; readonly index: number; readonly text: string }
  | { readonly type: 'tool_call'; readonly at: number; readonly index: number; readonly name: string }
  | { readonly type: 'done'; readonly at: number; readonly index: number }
  | { readonly type: 'aborted'; readonly at: number; readonly index: number; readonly tokensSent: number }
  | { readonly type: 'dropped'; readonly at: number; readonly index: number; readonly tokensSent: number }
  | { readonly type: 'fault'; readonly at: number; readonly status: number };

interface Matcher {
  readonly test: (lastUser: string, req: RecordedChatRequest) => boolean;
  readonly script: FakeChatScript;
}

/** Largest request body accepted (a long chat context is ~100 KB). */
const MAX_BODY = 4 * 1024 * 1024;

/** The scriptable chat endpoint. Create through `startFakeOpenAi`. */
export class FakeChatCompletions {
  /** Every request, in order. */
  readonly requests = new Recorder<RecordedChatRequest>();
  /** Streaming events, in order. */
  readonly events = new Recorder<ChatStreamEvent>();
  /** Time to first token, ms (per reply overridable). */
  ttftMs: number;
  /** Delay between tokens, ms. */
  interTokenMs: number;
  readonly #clock: Clock;
  readonly #models: readonly string[];
  readonly #turns: FakeChatScript[] = [];
  readonly #matchers: Matcher[] = [];
  readonly #faults = new FaultQueue();
  #fallback: FakeChatReply = { text: 'OK.' };
  #retryNext: FakeChatReply | undefined;
  #count = 0;

  constructor(clock: Clock, models: readonly string[], ttftMs: number, interTokenMs: number) {
    this.#clock = clock;
    this.#models = models;
    this.ttftMs = ttftMs;
    this.interTokenMs = interTokenMs;
  }

  /** Queue the answer for the next turn (turns are consumed in order). */
  reply(script: FakeChatScript): this {
    this.#turns.push(script);
    return this;
  }

  /** Answer with `script` whenever the last user message matches (checked before the turn queue). */
  when(match: string | RegExp | ((lastUser: string, req: RecordedChatRequest) => boolean), script: FakeChatScript): this {
    const test =
      typeof match === 'string'
        ? (u: string) => u.toLowerCase().includes(match.toLowerCase())
        : match instanceof RegExp
          ? (u: string) => match.test(u)
          : match;
    this.#matchers.push({ test, script });
    return this;
  }

  /** The answer when nothing else applies (default "OK."). */
  otherwise(reply: FakeChatReply): this {
    this.#fallback = reply;
    return this;
  }

  /** Answer the next `times` requests with an HTTP error (e.g. 429 with Retry-After). */
  failNext(fault: HttpFault, times = 1): this {
    this.#faults.push(fault, times);
    return this;
  }

  /** Handle one request (routed by the host). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await takeOpenAiRequest(req, res, MAX_BODY, this.#faults, (f) =>
      this.events.add({ type: 'fault', at: this.#clock.now(), status: f.status }),
    );
    if (body === undefined) return;
    const model = typeof body.model === 'string' ? body.model : '';
    if (!this.#models.includes(model)) {
      sendModelNotFound(res, model);
      return;
    }
    const messages = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
    if (messages.length === 0 || !messages.every(validMessage)) {
      sendJson(res, 400, openAiError("Invalid 'messages': each message needs a valid role and content.", 'invalid_request_error', 'invalid_value'));
      return;
    }
    const lastUser = [...messages].reverse().find((m) => m.role === 'user');
    const record: RecordedChatRequest = {
      at: this.#clock.now(),
      model,
      messages,
      tools: Array.isArray(body.tools) ? (body.tools as Record<string, unknown>[]) : undefined,
      stream: body.stream === true,
      body,
      lastUser: typeof lastUser?.content === 'string' ? lastUser.content : '',
      headers: req.headers,
    };
    const index = this.#count++;
    this.requests.add(record);
    this.events.add({ type: 'request', at: record.at, index });
    const reply = this.#pick(record);
    if (!record.stream) {
      sendJson(res, 200, completionObject(model, reply, index));
      return;
    }
    const usage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    this.#stream(res, model, reply, index, usage, messages);
  }

  #pick(record: RecordedChatRequest): FakeChatReply {
    if (this.#retryNext !== undefined) {
      const r = this.#retryNext;
      this.#retryNext = undefined;
      return r;
    }
    const matched = this.#matchers.find((m) => m.test(record.lastUser, record));
    const script = matched?.script ?? this.#turns.shift() ?? this.#fallback;
    return typeof script === 'function' ? script(record) : script;
  }

  #stream(res: ServerResponse, model: string, reply: FakeChatReply, index: number, includeUsage: boolean, messages: readonly Record<string, unknown>[]): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.flushHeaders();
    const id = `chatcmpl-fake${index}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: Record<string, unknown>, finish: string | null, usage?: unknown): string =>
      `data: ${JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        system_fingerprint: 'fp_fake',
        choices: usage === undefined ? [{ index: 0, delta, logprobs: null, finish_reason: finish }] : [],
        ...(includeUsage ? { usage: usage ?? null } : {}),
      })}\n\n`;
    const tokens = reply.tokens ?? splitTokens(reply.text ?? '');
    const calls = (reply.toolCalls ?? []).map((c, i) => ({
      id: c.id ?? `call_fake${index}_${i}`,
      name: c.name,
      args: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
    }));
    const timeline = new Timeline(this.#clock);
    let sent = 0;
    let finished = false;
    res.on('close', () => {
      timeline.cancel();
      if (!finished) this.events.add({ type: 'aborted', at: this.#clock.now(), index, tokensSent: sent });
    });
    const ttft = reply.ttftMs ?? this.ttftMs;
    const gap = reply.interTokenMs ?? this.interTokenMs;
    let t = ttft;
    timeline.at(t, () => res.write(chunk({ role: 'assistant', content: calls.length > 0 && tokens.length === 0 ? null : '' }, null)));
    const drop = (): void => {
      this.#retryNext = reply.retryReply ?? { ...reply, dropAfterTokens: undefined };
      finished = true;
      this.events.add({ type: 'dropped', at: this.#clock.now(), index, tokensSent: sent });
      timeline.cancel();
      res.socket?.destroy();
    };
    for (const [i, tok] of tokens.entries()) {
      if (i > 0) t += gap;
      timeline.at(t, () => {
        if (reply.errorAfterTokens !== undefined && sent >= reply.errorAfterTokens.tokens) {
          const e = reply.errorAfterTokens;
          this.#retryNext = reply.retryReply ?? { ...reply, errorAfterTokens: undefined };
          finished = true;
          timeline.cancel();
          res.end(`data: ${JSON.stringify(openAiError(e.message, 'server_error', e.code))}\n\n`);
          return;
        }
        sent++;
        this.events.add({ type: 'token', at: this.#clock.now(), index, text: tok });
        // The token that reaches a scripted drop goes out first: the socket is destroyed once
        // it has been written, so the client really received exactly `dropAfterTokens` tokens.
        const dropNow = reply.dropAfterTokens !== undefined && sent === reply.dropAfterTokens;
        if (dropNow) timeline.cancel();
        res.write(chunk({ content: tok }, null), dropNow ? drop : undefined);
      });
    }
    for (const [i, call] of calls.entries()) {
      t += gap;
      timeline.at(t, () => {
        this.events.add({ type: 'tool_call', at: this.#clock.now(), index, name: call.name });
        res.write(chunk({ tool_calls: [{ index: i, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }, null));
      });
      for (const piece of splitArguments(call.args)) {
        t += gap;
        timeline.at(t, () => res.write(chunk({ tool_calls: [{ index: i, function: { arguments: piece } }] }, null)));
      }
    }
    t += gap;
    timeline.at(t, () => {
      finished = true;
      res.write(chunk({}, reply.finishReason ?? (calls.length > 0 ? 'tool_calls' : 'stop')));
      if (includeUsage) {
        const prompt = messages.reduce((n, m) => n + wordCount(typeof m.content === 'string' ? m.content : ''), 0);
        const completion = tokens.length + calls.reduce((n, c) => n + splitArguments(c.args).length, 0);
        res.write(chunk({}, null, { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }));
      }
      res.end('data: [DONE]\n\n');
      this.events.add({ type: 'done', at: this.#clock.now(), index });
    });
  }
}

function validMessage(m: Record<string, unknown>): boolean {
  switch (m.role) {
    case 'system':
    case 'user':
      return typeof m.content === 'string';
    case 'assistant':
      return typeof m.content === 'string' || (m.content === null && Array.isArray(m.tool_calls));
    case 'tool':
      return typeof m.tool_call_id === 'string' && typeof m.content === 'string';
    default:
      return false;
  }
}

/** Split text into word tokens that keep their trailing whitespace ("Hello ", "there."). */
export function splitTokens(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function splitArguments(args: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i += 8) out.push(args.slice(i, i + 8));
  return out.length > 0 ? out : [''];
}

function wordCount(s: string): number {
  return s.split(/\s+/).filter((w) => w !== '').length;
}

function completionObject(model: string, reply: FakeChatReply, index: number): unknown {
  const calls = (reply.toolCalls ?? []).map((c, i) => ({
    id: c.id ?? `call_fake${index}_${i}`,
    type: 'function',
    function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) },
  }));
  return {
    id: `chatcmpl-fake${index}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply.text ?? null, ...(calls.length > 0 ? { tool_calls: calls } : {}) },
        finish_reason: reply.finishReason ?? (calls.length > 0 ? 'tool_calls' : 'stop'),
      },
    ],
  };
}
