/**
 * One streamed `chat.completion.chunk` -> what callwire needs from it. Shape per
 * https://platform.openai.com/docs/api-reference/chat-streaming: `choices[0].delta.content`,
 * `choices[0].delta.tool_calls[{index, id?, function:{name?, arguments?}}]`,
 * `choices[0].finish_reason`, and with `stream_options.include_usage` a last chunk whose
 * `choices` is empty and `usage` is set. A mid-stream failure arrives as `{"error": {...}}`.
 */
import { describeErrorObject } from './error-body.js';

/** A fragment of one tool call, as streamed. */
export interface ToolCallDelta {
  readonly index: number;
  readonly id?: string;
  readonly name?: string;
  readonly arguments?: string;
}

/** What one chunk carried. */
export type ChatChunk =
  | {
      readonly type: 'delta';
      readonly text: string;
      readonly toolCalls: readonly ToolCallDelta[];
      readonly finishReason: string | undefined;
      readonly usage: { readonly promptTokens: number; readonly completionTokens: number } | undefined;
    }
  | { readonly type: 'error'; readonly vendorCode?: string; readonly vendorMessage?: string };

/** Parse one `data:` payload (not `[DONE]`). Returns undefined for JSON that is not an object. */
export function parseChatChunk(data: string): ChatChunk | undefined {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const obj = json as Record<string, unknown>;
  if (obj.error !== undefined && obj.error !== null) return { type: 'error', ...describeErrorObject(obj) };
  const choice = Array.isArray(obj.choices) ? (obj.choices[0] as Record<string, unknown> | undefined) : undefined;
  const delta = (choice?.delta ?? {}) as Record<string, unknown>;
  const text = typeof delta.content === 'string' ? delta.content : '';
  const toolCalls: ToolCallDelta[] = [];
  if (Array.isArray(delta.tool_calls)) {
    for (const raw of delta.tool_calls) {
      if (typeof raw !== 'object' || raw === null) continue;
      const tc = raw as Record<string, unknown>;
      const fn = (tc.function ?? {}) as Record<string, unknown>;
      toolCalls.push({
        // Some local servers omit `index` and send each call whole: -1 lets the assembler
        // tell calls apart by id.
        index: typeof tc.index === 'number' ? tc.index : -1,
        id: typeof tc.id === 'string' ? tc.id : undefined,
        name: typeof fn.name === 'string' ? fn.name : undefined,
        arguments: typeof fn.arguments === 'string' ? fn.arguments : undefined,
      });
    }
  }
  const finishReason = typeof choice?.finish_reason === 'string' ? choice.finish_reason : undefined;
  const u = obj.usage as Record<string, unknown> | null | undefined;
  const usage =
    u != null && typeof u.prompt_tokens === 'number' && typeof u.completion_tokens === 'number'
      ? { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens }
      : undefined;
  return { type: 'delta', text, toolCalls, finishReason, usage };
}
