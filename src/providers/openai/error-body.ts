/**
 * Error bodies of OpenAI-compatible servers. OpenAI sends `{"error":{"message","type","param",
 * "code"}}` (https://platform.openai.com/docs/guides/error-codes); Ollama sends
 * `{"error":"..."}`; vLLM sends `{"object":"error","message","type","code"}`; FastAPI-based
 * servers send `{"detail": ...}`.
 */
import { parseJsonBody } from '../net/json-body.js';

/** Code and message from any of the shapes above. */
export function describeOpenAiError(_status: number, body: string): { vendorCode?: string; vendorMessage?: string } {
  const json = parseJsonBody(body);
  return describeErrorObject(json) ?? { vendorMessage: body.slice(0, 300) };
}

/** The same for an already-parsed value (a mid-stream `data: {"error":...}` event). */
export function describeErrorObject(json: Record<string, unknown>): { vendorCode?: string; vendorMessage?: string } | undefined {
  const err = json.error;
  if (typeof err === 'string') return { vendorMessage: err };
  if (typeof err === 'object' && err !== null) {
    const e = err as Record<string, unknown>;
    const code = typeof e.code === 'string' ? e.code : typeof e.type === 'string' ? e.type : undefined;
    return { vendorCode: code, vendorMessage: typeof e.message === 'string' ? e.message : undefined };
  }
  if (typeof json.message === 'string') return { vendorCode: typeof json.type === 'string' ? json.type : undefined, vendorMessage: json.message };
  if (json.detail !== undefined) return { vendorMessage: typeof json.detail === 'string' ? json.detail : JSON.stringify(json.detail).slice(0, 300) };
  return undefined;
}
