/**
 * HTTP requests as Plivo makes them: form-encoded POST (or GET with the parameters in the
 * query), signed with X-Plivo-Signature-V3 / -Ma-V3 and a fresh nonce
 * (https://docs.plivo.com/docs/voice/xml/request/validation), with a timeout and a cap on
 * the response size.
 */
import { randomInt } from 'node:crypto';
import { CallwireError } from '../errors.js';
import { computeSignatureV3 } from '../protocol/signature.js';

/** Form parameters. */
export type FormParams = Readonly<Record<string, string>>;

/** A nonce like Plivo's: 20 random digits. */
export function plivoNonce(): string {
  let s = '';
  for (let i = 0; i < 20; i++) s += String(randomInt(10));
  return s;
}

/**
 * The signature headers for a request. Plivo signs with the account's token and the main
 * account's token (`-Ma-V3`); the emulator has one account, so both carry the same value.
 */
export function signatureHeaders(method: 'GET' | 'POST', url: string, params: FormParams, authToken: string): Record<string, string> {
  const nonce = plivoNonce();
  const signature = computeSignatureV3({ method, url, nonce, authToken, params: method === 'POST' ? params : {} });
  return { 'X-Plivo-Signature-V3': signature, 'X-Plivo-Signature-Ma-V3': signature, 'X-Plivo-Signature-V3-Nonce': nonce };
}

/** Options of {@link signedRequest}. */
export interface SignedRequestOptions {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly params: FormParams;
  /** Sign when set; Plivo always signs, but a test may want an unsigned request. */
  readonly authToken?: string;
  readonly timeoutMs: number;
  /** Largest response body read (bytes); longer bodies fail. */
  readonly maxBytes: number;
}

/** What came back. */
export interface SignedResponse {
  readonly status: number;
  readonly body: string;
  readonly ms: number;
}

/** The URL a GET goes to: `url` with `params` appended to its query. */
export function withQuery(url: string, params: FormParams): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.append(k, v);
  return u.toString();
}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  const reader = res.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new CallwireError('EMULATOR_ANSWER_FAILED', `response body exceeds ${maxBytes} bytes`, { details: { limit: maxBytes } });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Make one request. Rejects with EMULATOR_CONNECTION_FAILED when no response arrives
 * (refused, timed out) and EMULATOR_ANSWER_FAILED when the body is too large.
 */
export async function signedRequest(options: SignedRequestOptions): Promise<SignedResponse> {
  const started = performance.now();
  const target = options.method === 'GET' ? withQuery(options.url, options.params) : options.url;
  const headers: Record<string, string> = { 'User-Agent': 'PlivoHTTP/callwire-emulator' };
  if (options.authToken !== undefined) Object.assign(headers, signatureHeaders(options.method, target, options.params, options.authToken));
  let body: string | undefined;
  if (options.method === 'POST') {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.params).toString();
  }
  let res: Response;
  try {
    res = await fetch(target, { method: options.method, headers, body, signal: AbortSignal.timeout(options.timeoutMs), redirect: 'manual' });
  } catch (cause) {
    throw new CallwireError('EMULATOR_CONNECTION_FAILED', `${options.method} ${new URL(target).origin} failed: ${(cause as Error).message}`, { cause });
  }
  const text = await readCapped(res, options.maxBytes);
  return { status: res.status, body: text, ms: performance.now() - started };
}
