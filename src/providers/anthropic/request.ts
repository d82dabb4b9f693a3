/**
 * The Messages request body from callwire's chat context. Pure.
 *
 * Wire format (https://docs.anthropic.com/en/api/messages): the system prompt is the top-level
 * `system` (there is no system role), as text blocks; `tools` are `{name, description,
 * input_schema}`; an assistant's tool calls are `tool_use` blocks `{id, name, input}` and their
 * results go back in a user message as `tool_result` blocks `{tool_use_id, content}`.
 * Consecutive messages of one role are merged into one. Prompt caching
 * (https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching): `cache_control:
 * {"type":"ephemeral"}` on the last system block and on the last tool caches everything up to it.
 */
import type { ChatMessage, ToolSchema } from '../types.js';

type Block = Record<string, unknown>;
interface WireMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

/** What the body is built from. */
export interface MessagesBodyInput {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ToolSchema[];
  readonly maxTokens: number;
  readonly temperature?: number;
  readonly cachePrompt: boolean;
}

const CACHE = { type: 'ephemeral' } as const;

/** The JSON body of `POST /v1/messages` with `stream: true`. */
export function buildMessagesBody(i: MessagesBodyInput): Record<string, unknown> {
  const system = i.messages.filter((m) => m.role === 'system').map((m) => m.content).filter((t) => t !== '');
  const wire: WireMessage[] = [];
  const add = (role: WireMessage['role'], blocks: Block[]): void => {
    if (blocks.length === 0) return;
    const last = wire[wire.length - 1];
    if (last?.role === role) last.content.push(...blocks);
    else wire.push({ role, content: blocks });
  };
  for (const m of i.messages) {
    switch (m.role) {
      case 'system':
        break;
      case 'user':
        add('user', m.content === '' ? [] : [{ type: 'text', text: m.content }]);
        break;
      case 'assistant': {
        const blocks: Block[] = m.content === '' ? [] : [{ type: 'text', text: m.content }];
        for (const c of m.toolCalls ?? []) blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: parseInput(c.arguments) });
        add('assistant', blocks);
        break;
      }
      case 'tool':
        add('user', [{ type: 'tool_result', tool_use_id: m.toolCallId, content: m.content }]);
        break;
      default: {
        const never: never = m;
        void never;
      }
    }
  }
  const body: Record<string, unknown> = { model: i.model, max_tokens: i.maxTokens, stream: true, messages: wire };
  if (system.length > 0) {
    body.system = system.map((text, k) => ({ type: 'text', text, ...(i.cachePrompt && k === system.length - 1 ? { cache_control: CACHE } : {}) }));
  }
  if (i.tools !== undefined && i.tools.length > 0) {
    body.tools = i.tools.map((t, k) => ({
      name: t.name,
      description: t.description,
      input_schema: t.parameters,
      ...(i.cachePrompt && i.tools !== undefined && k === i.tools.length - 1 ? { cache_control: CACHE } : {}),
    }));
  }
  if (i.temperature !== undefined) body.temperature = i.temperature;
  return body;
}

// Tool arguments are kept as JSON text; the wire wants the object.
function parseInput(args: string): unknown {
  try {
    const v: unknown = JSON.parse(args);
    return typeof v === 'object' && v !== null ? v : {};
  } catch {
    return {};
  }
}
