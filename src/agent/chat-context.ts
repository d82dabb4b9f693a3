/**
 * The conversation as the LLM sees it. Bounded: past `maxMessages`, the oldest turns (never
 * the system prompt) are dropped. After a barge-in the assistant's last message holds only
 * what the caller heard, marked `interrupted`.
 */
import type { ChatMessage, ToolCall } from '../providers/types.js';

export class ChatContext {
  readonly #messages: ChatMessage[] = [];
  readonly #max: number;

  constructor(instructions: string | undefined, maxMessages = 200) {
    this.#max = maxMessages;
    if (instructions) this.#messages.push({ role: 'system', content: instructions });
  }

  /** Replace everything with `messages` (a conversation resumed after a dropped stream). */
  restore(messages: readonly ChatMessage[]): void {
    this.#messages.length = 0;
    for (const m of messages) this.#push(m);
  }

  /** A copy of the messages. */
  get messages(): readonly ChatMessage[] {
    return [...this.#messages];
  }

  addUser(content: string): void {
    this.#push({ role: 'user', content });
  }

  addAssistant(content: string, options: { interrupted?: boolean; toolCalls?: readonly ToolCall[] } = {}): void {
    const msg: ChatMessage = { role: 'assistant', content, ...(options.toolCalls ? { toolCalls: options.toolCalls } : {}), ...(options.interrupted ? { interrupted: true } : {}) };
    this.#push(msg);
  }

  addToolResult(toolCallId: string, content: string): void {
    this.#push({ role: 'tool', toolCallId, content });
  }

  /** The last assistant message's text, if the last message is one. */
  get lastAssistant(): string | undefined {
    const last = this.#messages[this.#messages.length - 1];
    return last?.role === 'assistant' ? last.content : undefined;
  }

  /** Replace the last assistant message (e.g. with the heard part after a barge-in, or the full text after a resume). */
  replaceLastAssistant(content: string, interrupted: boolean): void {
    for (let i = this.#messages.length - 1; i >= 0; i--) {
      const m = this.#messages[i] as ChatMessage;
      if (m.role === 'assistant' && m.toolCalls === undefined) {
        this.#messages[i] = { role: 'assistant', content, ...(interrupted ? { interrupted: true } : {}) };
        return;
      }
      if (m.role === 'user') break;
    }
    this.addAssistant(content, { interrupted });
  }

  #push(m: ChatMessage): void {
    this.#messages.push(m);
    const system = this.#messages[0]?.role === 'system' ? 1 : 0;
    while (this.#messages.length > this.#max) {
      this.#messages.splice(system, 1);
      // Never leave a tool result without the assistant message that asked for it.
      while (this.#messages[system]?.role === 'tool') this.#messages.splice(system, 1);
    }
  }
}
