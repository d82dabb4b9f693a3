/**
 * Reading the body of a request to one of Plivo's routes (answer, status, transfer) before
 * its signature can be checked, without letting unauthenticated clients hold the server:
 * with signatures required, a request without the signature headers is refused before a
 * byte of its body is read; each client address may have only `maxPendingBodies` bodies in
 * flight; and a body must arrive within `bodyTimeoutMs` (Plivo's few hundred bytes arrive at
 * once). Every refusal closes the connection and is logged sampled per code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from './context.js';
import { BodyTimeout, BodyTooLarge, clientIp, readBody, send } from './http-io.js';
import type { PendingBodies } from './pending.js';
import { logRefusal } from './refusal-log.js';

/** A refused request: route, status and code (the server emits it as `refused`). */
export type BodyRefusal = { readonly route: string; readonly status: number; readonly code: string };

/** Whether the request carries Plivo's signature headers (V3 or Ma-V3, and the nonce). */
export function hasSignatureHeaders(req: IncomingMessage): boolean {
  const h = req.headers;
  return h['x-plivo-signature-v3-nonce'] !== undefined && (h['x-plivo-signature-v3'] !== undefined || h['x-plivo-signature-ma-v3'] !== undefined);
}

/** The body (empty for GET), or undefined when the request was refused and answered. */
export async function readPlivoBody(ctx: ServerContext, pending: PendingBodies, req: IncomingMessage, res: ServerResponse, route: string, onRefused: (r: BodyRefusal) => void): Promise<Buffer | undefined> {
  const limits = ctx.options.limits;
  const refuse = (status: number, code: string, reason: string, fields: Record<string, unknown> = {}, headers: Record<string, string> = {}): undefined => {
    onRefused({ route, status, code });
    // Signature refusals carry the keyword operators grep for (as the upgrade gate's do).
    logRefusal(ctx, code, { route, ...fields }, `${status === 403 ? 'authentication_failed: ' : ''}${route} request refused (${status}): ${reason}`);
    // The body was not (all) read: close rather than drain what the client still sends.
    send(res, status, `${code}: ${reason}`, 'text/plain; charset=utf-8', { connection: 'close', ...headers });
    return undefined;
  };
  if (ctx.options.authToken !== undefined && !hasSignatureHeaders(req)) {
    return refuse(403, 'SIGNATURE_MISSING', 'no X-Plivo-Signature-V3 (or -Ma-V3) and X-Plivo-Signature-V3-Nonce headers');
  }
  if (req.method !== 'POST') return Buffer.alloc(0);
  const ip = clientIp(req, ctx.options.proxyHops);
  if (!pending.enter(ip)) {
    return refuse(429, 'SERVER_RATE_LIMITED', `too many unfinished requests from this address (${limits.maxPendingBodies})`, { ip }, { 'retry-after': '1' });
  }
  try {
    return await readBody(req, limits.maxBodyBytes, { ms: limits.bodyTimeoutMs, clock: ctx.clock });
  } catch (e) {
    if (e instanceof BodyTooLarge) return refuse(413, 'SERVER_BODY_TOO_LARGE', `body over ${limits.maxBodyBytes} bytes`, { limit: limits.maxBodyBytes });
    if (e instanceof BodyTimeout) return refuse(408, 'SERVER_REQUEST_TIMEOUT', `body not complete within ${limits.bodyTimeoutMs} ms`, { ip });
    // The client went away mid-body: nothing to answer, and not the server's error.
    res.destroy();
    return undefined;
  } finally {
    pending.leave(ip);
  }
}
