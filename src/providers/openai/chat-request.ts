/**
 * callwire's chat context -> the Chat Completions request body
 * (https://platform.openai.com/docs/api-reference/chat/create), in the subset every
 * OpenAI-compatible server accepts.
 */
import type { ChatMessage, ToolSchema } from '../types.js';

/** A message as sent on the wire. */
export type WireChatMessage =
  | { role: 'system' | 'user'; content: string }
  | {
      role: 'assistant';
      content: string | null;
      tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
    }
  | { role: 'tool'; tool_call_id: string; content: string };

/** Convert the chat context, exhaustively over roles. */
export function toWireMessages(messages: readonly ChatMessage[]): WireChatMessage[] {
  return messages.map((m): WireChatMessage => {
    switch (m.role) {
      case 'system':
      case 'user':
        return { role: m.role, content: m.content };
      case 'assistant': {
        if (m.toolCalls === undefined || m.toolCalls.length === 0) return { role: 'assistant', content: m.content };
        return {
          role: 'assistant',
          // OpenAI requires content or tool_calls; an empty string next to tool calls is sent as null.
          content: m.content === '' ? null : m.content,
          tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
        };
      }
      case 'tool':
        return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
      default: {
        const never: never = m;
        throw new TypeError(`unknown chat role ${String((never as { role: unknown }).role)}`);
      }
    }
  });
}

/** Tools in the `{type:"function", function:{...}}` shape. */
export function toWireTools(tools: readonly ToolSchema[]): { type: 'function'; function: ToolSchema }[] {
  return tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
}

/** Inputs of {@link buildChatBody}. */
export interface ChatBodyInput {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ToolSchema[];
  readonly temperature?: number;
  readonly maxTokens?: number;
  /** OpenAI's newer models take `max_completion_tokens`; other servers `max_tokens`. */
  readonly maxTokensField: 'max_tokens' | 'max_completion_tokens';
  readonly seed?: number;
  /** Ask for a final usage chunk (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
  /** Vendor-specific fields merged last (e.g. `{ top_k: 40 }`). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** The JSON body of a streamed chat completion. */
export function buildChatBody(input: ChatBodyInput): Record<string, unknown> {
  const body: Record<string, unknown> = { model: input.model, messages: toWireMessages(input.messages), stream: true };
  if (input.includeUsage) body.stream_options = { include_usage: true };
  if (input.tools !== undefined && input.tools.length > 0) body.tools = toWireTools(input.tools);
  if (input.temperature !== undefined) body.temperature = input.temperature;
  if (input.maxTokens !== undefined) body[input.maxTokensField] = input.maxTokens;
  if (input.seed !== undefined) body.seed = input.seed;
  return { ...body, ...input.extra };
}
