/**
 * Anthropic's streaming events, parsed (SSE `event:` name + JSON `data:`). Per
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming and the official SDK's types
 * (anthropics/anthropic-sdk-typescript, src/resources/messages/messages.ts): `message_start`,
 * `content_block_start` (a `text` or `tool_use {id, name}` block), `content_block_delta`
 * (`text_delta {text}` or `input_json_delta {partial_json}`), `content_block_stop`,
 * `message_delta` (`delta.stop_reason`, `usage.output_tokens`), `message_stop`, `ping`, and
 * `error {error: {type, message}}`. Unknown events are ignored, as the docs require. Pure.
 */

/** One event that matters to the client. */
export type AnthropicEvent =
  | { readonly type: 'message_start'; readonly inputTokens: number; readonly cacheReadTokens: number; readonly cacheWriteTokens: number }
  | { readonly type: 'block_start'; readonly index: number; readonly block: 'text' | 'tool_use' | 'other'; readonly id?: string; readonly name?: string }
  | { readonly type: 'text'; readonly index: number; readonly text: string }
  | { readonly type: 'tool_json'; readonly index: number; readonly json: string }
  | { readonly type: 'block_stop'; readonly index: number }
  | { readonly type: 'message_delta'; readonly stopReason?: string; readonly outputTokens?: number }
  | { readonly type: 'message_stop' }
  | { readonly type: 'error'; readonly errorType: string; readonly message: string }
  | { readonly type: 'ignored' };

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Parse one SSE event; `undefined` when its data is not a JSON object. */
export function parseAnthropicEvent(data: string): AnthropicEvent | undefined {
  let j: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(data);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    j = v as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const index = num(j.index);
  switch (j.type) {
    case 'message_start': {
      const u = ((j.message as Record<string, unknown> | undefined)?.usage ?? {}) as Record<string, unknown>;
      return { type: 'message_start', inputTokens: num(u.input_tokens), cacheReadTokens: num(u.cache_read_input_tokens), cacheWriteTokens: num(u.cache_creation_input_tokens) };
    }
    case 'content_block_start': {
      const b = (j.content_block ?? {}) as Record<string, unknown>;
      const block = b.type === 'text' ? 'text' : b.type === 'tool_use' ? 'tool_use' : 'other';
      return { type: 'block_start', index, block, id: str(b.id), name: str(b.name) };
    }
    case 'content_block_delta': {
      const d = (j.delta ?? {}) as Record<string, unknown>;
      if (d.type === 'text_delta') return { type: 'text', index, text: str(d.text) ?? '' };
      if (d.type === 'input_json_delta') return { type: 'tool_json', index, json: str(d.partial_json) ?? '' };
      return { type: 'ignored' };
    }
    case 'content_block_stop':
      return { type: 'block_stop', index };
    case 'message_delta': {
      const d = (j.delta ?? {}) as Record<string, unknown>;
      const u = (j.usage ?? {}) as Record<string, unknown>;
      return { type: 'message_delta', stopReason: str(d.stop_reason), outputTokens: typeof u.output_tokens === 'number' ? u.output_tokens : undefined };
    }
    case 'message_stop':
      return { type: 'message_stop' };
    case 'error': {
      const e = (j.error ?? {}) as Record<string, unknown>;
      return { type: 'error', errorType: str(e.type) ?? 'api_error', message: str(e.message) ?? '' };
    }
    default:
      return { type: 'ignored' };
  }
}

/**
 * HTTP status an error type stands for (https://docs.anthropic.com/en/api/errors): so a
 * mid-stream `error` event maps like the same failure at the start.
 */
export function statusOfErrorType(t: string): number {
  const map: Record<string, number> = {
    invalid_request_error: 400,
    authentication_error: 401,
    permission_error: 403,
    not_found_error: 404,
    request_too_large: 413,
    rate_limit_error: 429,
    api_error: 500,
    overloaded_error: 529,
  };
  return map[t] ?? 500;
}

/** `{type:"error", error:{type, message}}` bodies -> code and message. */
export function describeAnthropicError(_status: number, body: string): { vendorCode?: string; vendorMessage?: string } {
  const e = parseAnthropicEvent(body);
  return e?.type === 'error' ? { vendorCode: e.errorType, vendorMessage: e.message } : { vendorMessage: body.slice(0, 300) };
}
