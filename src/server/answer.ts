/**
 * `GET|POST /plivo/answer`: the Stream XML for the configured format, pointing Plivo at this
 * server's stream URL (with the call's parameters in a signed `ctx` token) and its status URL.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isCallwireError } from '../errors.js';
import { streamXml } from '../protocol/stream-xml.js';
import { escapeXml } from '../protocol/xml-escape.js';
import { send } from './http-io.js';
import { logRefusal } from './refusal-log.js';
import { httpUrl, isLoopbackHost, publicOrigin, wsUrl } from './public-url.js';
import type { ServerContext } from './context.js';

/** Paths the server serves. */
export const PATHS = { answer: '/plivo/answer', stream: '/plivo/stream', status: '/plivo/status', transfer: '/plivo/transfer' } as const;

/**
 * `/plivo/transfer?to=...&t=...`: the XML a transferred call runs: `<Dial>` to the number or
 * SIP URI the agent chose. The `t` MAC proves the agent asked for exactly this destination.
 */
export function transferXml(ctx: ServerContext, res: ServerResponse, params: Record<string, string>): void {
  const to = params.to ?? '';
  if (!/^(\+?[0-9]{3,15}|sip:[^\s<>&"']{3,200})$/.test(to) || !ctx.contexts.verifyTransfer(to, params.t ?? '')) {
    logRefusal(ctx, 'SIGNATURE_MISMATCH', { route: 'transfer' }, 'transfer request refused (403): the destination is not one this server signed');
    send(res, 403, 'SIGNATURE_MISMATCH: transfer destination is not signed by this server');
    return;
  }
  const target = to.startsWith('sip:') ? `<User>${escapeXml(to)}</User>` : `<Number>${escapeXml(to)}</Number>`;
  send(res, 200, `<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <Dial>${target}</Dial>\n</Response>\n`, 'application/xml; charset=utf-8');
}

/** Serve the answer XML for an already-authenticated request with its parameters. */
export function answer(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, params: Record<string, string>): void {
  if (ctx.draining) {
    send(res, 503, 'SERVER_DRAINING: this instance is shutting down', 'text/plain', { 'retry-after': '1' });
    return;
  }
  const origin = publicOrigin(req, ctx.options.publicUrl, ctx.options.trustProxy);
  const token = ctx.contexts.encode(params);
  const url = `${wsUrl(origin, PATHS.stream)}?ctx=${token}`;
  // ws:// is refused unless asked for, or the host is loopback (nothing outside this machine, Plivo included, can use it).
  const allowInsecure = ctx.options.insecure || isLoopbackHost(origin.host);
  try {
    const xml = streamXml({
      url,
      format: ctx.options.format,
      statusCallbackUrl: httpUrl(origin, PATHS.status),
      statusCallbackMethod: 'POST',
      allowInsecure,
      streamTimeout: ctx.raw.streamTimeout,
      keepCallAlive: ctx.raw.keepCallAlive ?? true,
      extraHeaders: ctx.raw.extraHeaders,
    });
    ctx.log.info({ callId: params.CallUUID, from: params.From, to: params.To, streamUrl: wsUrl(origin, PATHS.stream) }, 'answered with Stream XML');
    send(res, 200, xml, 'application/xml; charset=utf-8');
  } catch (e) {
    const code = isCallwireError(e) ? e.code : 'XML_INVALID_URL';
    const why = (e as Error).message;
    ctx.log.error({ code, host: origin.host }, `cannot build the answer XML: ${why}. Set PUBLIC_URL=https://your-host, serve TLS (--tls-cert/--tls-key), or use --trust-proxy behind a TLS proxy or tunnel`);
    send(res, 500, `${code}: ${why}\n`);
  }
}
