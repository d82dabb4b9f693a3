/**
 * What every fake OpenAI endpoint shares: the error body shape
 * (`{"error":{"message","type","param","code"}}`,
 * https://platform.openai.com/docs/guides/error-codes), JSON body intake and scripted faults.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type FaultQueue, type HttpFault, faultHeaders } from './faults.js';
import { readBody, sendJson } from './http-host.js';

/** `{ error: { message, type, param, code } }` as OpenAI sends it. */
export function openAiError(message: string, type: string, code: string | null): { error: Record<string, unknown> } {
  return { error: { message, type, param: null, code } };
}

/** OpenAI's body for a status, used when a fault gives none. */
export function defaultFaultBody(status: number): unknown {
  if (status === 401) {
    return openAiError(
      'Incorrect API key provided: sk-fa***ke. You can find your API key at https://platform.openai.com/account/api-keys.',
      'invalid_request_error',
      'invalid_api_key',
    );
  }
  if (status === 429) return openAiError('Rate limit reached for requests. Please try again in 1s.', 'requests', 'rate_limit_exceeded');
  if (status >= 500) return openAiError('The server had an error while processing your request. Sorry about that!', 'server_error', null);
  return openAiError('Bad request.', 'invalid_request_error', null);
}

/** Answer 404 for a model the fake does not serve, in OpenAI's words. */
export function sendModelNotFound(res: ServerResponse, model: string): void {
  sendJson(res, 404, openAiError(`The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'));
}

/**
 * Read a JSON object body, or answer a scripted fault. Returns the body, or undefined when the
 * request was already answered (bad JSON: 400; a queued fault: its status).
 */
export async function takeOpenAiRequest(
  req: IncomingMessage,
  res: ServerResponse,
  maxBody: number,
  faults: FaultQueue,
  onFault: (fault: HttpFault) => void,
): Promise<Record<string, unknown> | undefined> {
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(await readBody(req, maxBody));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    body = parsed as Record<string, unknown>;
  } catch {
    sendJson(res, 400, openAiError('We could not parse the JSON body of your request.', 'invalid_request_error', null));
    return undefined;
  }
  const fault = faults.take();
  if (fault !== undefined) {
    onFault(fault);
    sendJson(res, fault.status, fault.body ?? defaultFaultBody(fault.status), faultHeaders(fault));
    return undefined;
  }
  return body;
}
