/**
 * Fetch the answer XML the way Plivo does (form-encoded POST, or GET with the parameters in
 * the query, signed with X-Plivo-Signature-V3 when a token is given), but without trusting
 * the certificate: the TLS checks report on it, and the rest of the XML can still be judged.
 * Bounded: a timeout on the whole exchange and at most 100 KB of body (Plivo's limit).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Clock } from '../clock.js';
import { MAX_ANSWER_BYTES, answerParams } from '../emulator/answer.js';
import { signatureHeaders, withQuery } from '../emulator/signed-request.js';

/** The call the doctor pretends to be. */
export const DOCTOR_CALL = { callUuid: '00000000-d0c7-4000-8000-000000000000', from: '+14155550100', to: '+14155550199' } as const;

/** What the answer URL gave. */
export type AnswerFetch =
  | { readonly kind: 'response'; readonly status: number; readonly body: string; readonly ms: number; readonly contentType: string | undefined }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string };

/** Options of {@link fetchAnswerXml}. */
export interface AnswerFetchOptions {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly authToken: string | undefined;
  readonly timeoutMs: number;
  readonly clock: Clock;
}

/** Make the answer request; never throws. */
export function fetchAnswerXml(o: AnswerFetchOptions): Promise<AnswerFetch> {
  return new Promise((resolve) => {
    const params = answerParams(DOCTOR_CALL);
    let target: URL;
    try {
      target = new URL(o.method === 'GET' ? withQuery(o.url, params) : o.url);
    } catch {
      resolve({ kind: 'failed', code: 'INVALID_URL', message: 'not a valid URL' });
      return;
    }
    if (target.protocol !== 'https:' && target.protocol !== 'http:') {
      resolve({ kind: 'failed', code: 'INVALID_URL', message: `an answer URL is http(s), not ${target.protocol.slice(0, 12)}` });
      return;
    }
    const headers: Record<string, string> = { 'User-Agent': 'PlivoHTTP/callwire-doctor' };
    if (o.authToken !== undefined) Object.assign(headers, signatureHeaders(o.method, target.toString(), params, o.authToken));
    const body = o.method === 'POST' ? new URLSearchParams(params).toString() : undefined;
    if (body !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const started = o.clock.now();
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    let done = false;
    const finish = (r: AnswerFetch): void => {
      if (done) return;
      done = true;
      o.clock.clearTimer(timer);
      req.destroy();
      resolve(r);
    };
    const req = send(target, { method: o.method, headers, rejectUnauthorized: false }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (c: Buffer) => {
        total += c.length;
        if (total > MAX_ANSWER_BYTES) finish({ kind: 'failed', code: 'TOO_LARGE', message: `the response is larger than Plivo's ${MAX_ANSWER_BYTES / 1024} KB limit` });
        else chunks.push(c);
      });
      res.on('end', () =>
        finish({ kind: 'response', status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: o.clock.now() - started, contentType: res.headers['content-type'] }),
      );
      res.on('error', (e) => finish({ kind: 'failed', code: 'ERROR', message: e.message }));
    });
    const timer = o.clock.setTimer(() => finish({ kind: 'failed', code: 'ETIMEDOUT', message: `no complete answer within ${o.timeoutMs} ms` }), o.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish({ kind: 'failed', code: e.code ?? 'ERROR', message: e.message }));
    req.end(body);
  });
}
