/**
 * A fake Gemini API on loopback, from the documented protocol
 * (https://ai.google.dev/api/generate-content, .../gemini-api/docs/function-calling,
 * .../gemini-api/docs/troubleshooting): `POST /v1beta/models/{model}:streamGenerateContent?alt=sse`
 * streams GenerateContentResponse chunks as SSE `data:` lines (text parts, whole
 * `functionCall` parts, `finishReason` and `usageMetadata` on the last), and the body simply
 * ends; `GET /v1beta/models`; the key in `x-goog-api-key` (or `?key=`); a bad key is a 400
 * INVALID_ARGUMENT "API key not valid", errors are `{"error":{"code","message","status"}}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, defaultClock } from '../../clock.js';
import { FaultQueue, type HttpFault, faultHeaders } from './faults.js';
import { HttpHost, readBody, sendJson } from './http-host.js';
import { splitTokens } from './openai-chat.js';
import { Recorder } from './recorder.js';

/** One scripted answer. */
export interface FakeGeminiReply {
  readonly text?: string;
  readonly functionCalls?: readonly { readonly name: string; readonly args: Readonly<Record<string, unknown>> }[];
  readonly ttftMs?: number;
  readonly interTokenMs?: number;
  /** Destroy the connection after this many text chunks (first attempt only). */
  readonly dropAfterTokens?: number;
}

/** A request as received. */
export interface RecordedGeminiRequest {
  readonly model: string;
  readonly body: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly lastUser: string;
}

/** A running fake. */
export interface FakeGemini {
  /** `http://127.0.0.1:<port>`: pass as `baseUrl`. */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly requests: Recorder<RecordedGeminiRequest>;
  when(match: RegExp, reply: FakeGeminiReply): void;
  otherwise(reply: FakeGeminiReply): void;
  failNext(fault: HttpFault, times?: number): void;
  close(): Promise<void>;
}

/** Options of {@link startFakeGemini}. */
export interface FakeGeminiOptions {
  readonly apiKey?: string;
  readonly models?: readonly string[];
  readonly ttftMs?: number;
  readonly interTokenMs?: number;
  readonly clock?: Clock;
}

const STATUS: Record<number, string> = { 400: 'INVALID_ARGUMENT', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };
const googleError = (code: number, message: string): Record<string, unknown> => ({ error: { code, message, status: STATUS[code] ?? 'UNKNOWN' } });

/** Start the fake on 127.0.0.1 (port 0). */
export async function startFakeGemini(options: FakeGeminiOptions = {}): Promise<FakeGemini> {
  const clock = options.clock ?? defaultClock;
  const apiKey = options.apiKey ?? 'test-gemini-key';
  const models = options.models ?? ['gemini-2.0-flash', 'gemini-2.5-flash'];
  const requests = new Recorder<RecordedGeminiRequest>();
  const faults = new FaultQueue();
  const matchers: { re: RegExp; reply: FakeGeminiReply }[] = [];
  let fallback: FakeGeminiReply = { text: 'OK.' };
  const dropped = new Set<string>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const key = req.headers['x-goog-api-key'] ?? url.searchParams.get('key');
    if (key !== apiKey) return sendJson(res, 400, googleError(400, 'API key not valid. Please pass a valid API key.'));
    if (req.method === 'GET' && url.pathname === '/v1beta/models') return sendJson(res, 200, { models: models.map((m) => ({ name: `models/${m}`, displayName: m, supportedGenerationMethods: ['generateContent'] })) });
    const m = /^\/v1beta\/models\/([\w.-]+):streamGenerateContent$/.exec(url.pathname);
    if (req.method !== 'POST' || m === null) return sendJson(res, 404, googleError(404, 'Not found'));
    const model = m[1] as string;
    if (!models.includes(model)) return sendJson(res, 404, googleError(404, `models/${model} is not found for API version v1beta`));
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req, 4 << 20)) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, googleError(400, 'Invalid JSON payload received.'));
    }
    const fault = faults.take();
    if (fault !== undefined) return sendJson(res, fault.status, fault.body ?? googleError(fault.status, 'scripted failure'), faultHeaders(fault));
    const contents = Array.isArray(body.contents) ? (body.contents as Record<string, unknown>[]) : [];
    if (contents.length === 0 || contents.some((c) => c.role !== 'user' && c.role !== 'model')) return sendJson(res, 400, googleError(400, '* GenerateContentRequest.contents: contents is not specified'));
    const lastUser = lastUserText(contents);
    requests.add({ model, body, headers: req.headers, lastUser });
    const reply0 = matchers.find((x) => x.re.test(lastUser))?.reply ?? fallback;
    const id = JSON.stringify(contents);
    const reply = dropped.has(id) ? { ...reply0, dropAfterTokens: undefined } : reply0;
    if (reply0.dropAfterTokens !== undefined) dropped.add(id);
    if (url.searchParams.get('alt') !== 'sse') return sendJson(res, 400, googleError(400, 'this fake serves alt=sse only'));
    stream(res, model, reply);
  };

  const stream = (res: ServerResponse, model: string, reply: FakeGeminiReply): void => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const tokens = splitTokens(reply.text ?? '');
    const chunk = (parts: Record<string, unknown>[], last: boolean): string =>
      `data: ${JSON.stringify({
        candidates: [{ content: { parts, role: 'model' }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }],
        ...(last ? { usageMetadata: { promptTokenCount: 10, candidatesTokenCount: tokens.length, totalTokenCount: 10 + tokens.length } } : {}),
        modelVersion: model,
      })}\r\n\r\n`;
    const steps: (() => boolean)[] = tokens.map((t, k) => () => {
      if (reply.dropAfterTokens !== undefined && k >= reply.dropAfterTokens) {
        res.destroy();
        return false;
      }
      res.write(chunk([{ text: t }], false));
      return true;
    });
    steps.push(() => {
      res.end(chunk((reply.functionCalls ?? []).map((f) => ({ functionCall: { name: f.name, args: f.args } })), true));
      return false;
    });
    let k = 0;
    const next = (): void => {
      const step = steps[k++];
      if (step === undefined || res.destroyed) return;
      if (step()) clock.setTimer(next, reply.interTokenMs ?? options.interTokenMs ?? 0);
    };
    clock.setTimer(next, reply.ttftMs ?? options.ttftMs ?? 0);
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

function lastUserText(contents: readonly Record<string, unknown>[]): string {
  for (let i = contents.length - 1; i >= 0; i--) {
    const c = contents[i] as Record<string, unknown>;
    if (c.role !== 'user' || !Array.isArray(c.parts)) continue;
    const texts = (c.parts as Record<string, unknown>[]).filter((p) => typeof p.text === 'string').map((p) => p.text as string);
    if (texts.length > 0) return texts.join(' ');
  }
  return '';
}
