/**
 * Gemini API wire format, pure (https://ai.google.dev/api/generate-content and
 * https://ai.google.dev/gemini-api/docs/function-calling): the request is `{contents: [{role:
 * "user"|"model", parts: [{text} | {functionCall: {name, args}} | {functionResponse: {name,
 * response}}]}], systemInstruction: {parts: [{text}]}, tools: [{functionDeclarations: [{name,
 * description, parameters}]}], generationConfig: {temperature, maxOutputTokens}}`. With
 * `?alt=sse` each SSE `data:` is one GenerateContentResponse: `candidates[0].content.parts`
 * (text pieces, or whole function calls), `candidates[0].finishReason` (STOP, MAX_TOKENS,
 * SAFETY, ...) and `usageMetadata`; the stream ends when the response does (no [DONE]).
 * Errors are `{"error": {"code", "message", "status"}}` (https://ai.google.dev/gemini-api/docs/troubleshooting).
 */
import type { ChatMessage, ToolCall, ToolSchema } from '../types.js';

type Part = Record<string, unknown>;

/** The request body. Tool results need the function's name: taken from the call they answer. */
export function buildGeminiBody(messages: readonly ChatMessage[], tools: readonly ToolSchema[] | undefined, temperature?: number, maxTokens?: number): Record<string, unknown> {
  const names = new Map<string, string>();
  const contents: { role: 'user' | 'model'; parts: Part[] }[] = [];
  const add = (role: 'user' | 'model', parts: Part[]): void => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  const system: string[] = [];
  for (const m of messages) {
    switch (m.role) {
      case 'system':
        if (m.content !== '') system.push(m.content);
        break;
      case 'user':
        add('user', m.content === '' ? [] : [{ text: m.content }]);
        break;
      case 'assistant': {
        const parts: Part[] = m.content === '' ? [] : [{ text: m.content }];
        for (const c of m.toolCalls ?? []) {
          names.set(c.id, c.name);
          parts.push({ functionCall: { name: c.name, args: parseArgs(c.arguments) } });
        }
        add('model', parts);
        break;
      }
      case 'tool':
        add('user', [{ functionResponse: { name: names.get(m.toolCallId) ?? m.toolCallId, response: { result: m.content } } }]);
        break;
      default: {
        const never: never = m;
        void never;
      }
    }
  }
  const body: Record<string, unknown> = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system.map((text) => ({ text })) };
  if (tools !== undefined && tools.length > 0) body.tools = [{ functionDeclarations: tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })) }];
  const config: Record<string, unknown> = {};
  if (temperature !== undefined) config.temperature = temperature;
  if (maxTokens !== undefined) config.maxOutputTokens = maxTokens;
  if (Object.keys(config).length > 0) body.generationConfig = config;
  return body;
}

/** One parsed stream chunk. */
export interface GeminiChunk {
  readonly text: string;
  readonly calls: readonly { readonly name: string; readonly args: string }[];
  readonly finishReason?: string;
  readonly usage?: { readonly promptTokens: number; readonly completionTokens: number };
  readonly error?: { readonly code: number; readonly status?: string; readonly message?: string };
}

/** Parse one SSE data payload; `undefined` when it is not a JSON object. */
export function parseGeminiChunk(data: string): GeminiChunk | undefined {
  let j: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(data);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    j = v as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const err = j.error as Record<string, unknown> | undefined;
  if (err !== undefined) return { text: '', calls: [], error: { code: typeof err.code === 'number' ? err.code : 500, status: str(err.status), message: str(err.message) } };
  const cand = (Array.isArray(j.candidates) ? j.candidates[0] : undefined) as Record<string, unknown> | undefined;
  const parts = ((cand?.content as Record<string, unknown> | undefined)?.parts ?? []) as Part[];
  let text = '';
  const calls: { name: string; args: string }[] = [];
  for (const p of Array.isArray(parts) ? parts : []) {
    if (typeof p.text === 'string' && p.thought !== true) text += p.text;
    const fc = p.functionCall as Record<string, unknown> | undefined;
    if (fc !== undefined && typeof fc.name === 'string') calls.push({ name: fc.name, args: JSON.stringify(fc.args ?? {}) });
  }
  const u = j.usageMetadata as Record<string, unknown> | undefined;
  const usage = u === undefined ? undefined : { promptTokens: num(u.promptTokenCount), completionTokens: num(u.candidatesTokenCount) };
  return { text, calls, finishReason: str(cand?.finishReason), usage };
}

/** Error bodies -> code and message; an invalid key is a 400 INVALID_ARGUMENT, reported as such. */
export function describeGeminiError(_status: number, body: string): { vendorCode?: string; vendorMessage?: string } {
  const c = parseGeminiChunk(body);
  return c?.error !== undefined ? { vendorCode: c.error.status, vendorMessage: c.error.message } : { vendorMessage: body.slice(0, 300) };
}

/** Calls with ids (Gemini's function calls carry none on the v1beta surface). */
export function withIds(calls: readonly { name: string; args: string }[], offset: number): ToolCall[] {
  return calls.map((c, i) => ({ id: `call_${offset + i}`, name: c.name, arguments: c.args }));
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function parseArgs(args: string): unknown {
  try {
    const v: unknown = JSON.parse(args);
    return typeof v === 'object' && v !== null ? v : {};
  } catch {
    return {};
  }
}
