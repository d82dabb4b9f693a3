/**
 * The WebSocket upgrade gate. Every refusal is an HTTP status written before the handshake
 * (ws's `abortHandshake` pattern): 404 wrong path, 503 draining or full, 429 too many
 * upgrades from one IP, 403 bad signature, forged call context or a browser's Origin. The body starts with the
 * refusal's code; the log has a line per code, sampled (a flood logs its 1st, 10th, 100th, ...
 * occurrence with the count), naming the reason and, for signatures, the URL that was checked
 * (never the token).
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { PATHS } from './answer.js';
import type { ServerContext } from './context.js';
import { clientIp } from './http-io.js';
import { type PublicOrigin, publicOrigin, signatureCandidates } from './public-url.js';
import { sameOrigin } from './origin.js';
import { logRefusal } from './refusal-log.js';
import { checkSignature, loggableUrl } from './signature-check.js';

/** Why an upgrade was refused (also emitted for metrics). */
export interface UpgradeRejection {
  readonly status: number;
  readonly reason: string;
  readonly code: string;
  readonly ip: string;
}

function reject(socket: Duplex, status: number, message: string, extra: Record<string, string> = {}): void {
  const body = `${message}\n`;
  const headers = Object.entries({ connection: 'close', 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...extra })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  if (socket.writable) socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${headers}\r\n${body}`);
  socket.destroy();
}

/** What a valid `?phone=` token admits: the call's parameters and the stream id its `start` must carry. */
export interface StreamGrant {
  readonly params: Record<string, string>;
  readonly streamId: string;
}

/** Checks a `?phone=` token on a stream upgrade: what it admits, or undefined to refuse. */
export type StreamTokenVerifier = (token: string) => StreamGrant | undefined;

/** Gate one upgrade request; on success hands the socket to `accept` with the call's parameters. */
export function handleUpgrade(
  ctx: ServerContext,
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  accept: (ws: WebSocket, callParams: Record<string, string>, origin: PublicOrigin, grantedStreamId?: string) => void,
  onReject: (r: UpgradeRejection) => void,
  streamTokens?: StreamTokenVerifier,
): void {
  socket.on('error', () => socket.destroy());
  const ip = clientIp(req, ctx.options.proxyHops);
  const refuse = (status: number, code: string, reason: string, log: { fields?: Record<string, unknown>; message?: string } = {}, extra?: Record<string, string>): void => {
    onReject({ status, reason, code, ip });
    logRefusal(ctx, code, { ip, status, ...log.fields }, log.message ?? `upgrade refused (${status}): ${reason}`);
    reject(socket, status, `${code}: ${reason}`, extra);
  };
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://local');
  } catch {
    refuse(400, 'SERVER_BAD_REQUEST', 'bad request URL');
    return;
  }
  if (url.pathname !== PATHS.stream) {
    refuse(404, 'SERVER_NOT_FOUND', `no WebSocket endpoint at ${url.pathname.slice(0, 64)}; Plivo streams connect to ${PATHS.stream}`);
    return;
  }
  const retry = { 'retry-after': '1' };
  if (ctx.draining) {
    refuse(503, 'SERVER_DRAINING', 'server is draining (shutting down); not accepting new streams', {}, retry);
    return;
  }
  if (!ctx.limiter.take(ip)) {
    refuse(429, 'SERVER_RATE_LIMITED', 'too many WebSocket upgrades from this address', {}, retry);
    return;
  }
  if (ctx.streams.size >= ctx.options.limits.maxStreams) {
    refuse(503, 'SERVER_AT_CAPACITY', `at the limit of ${ctx.options.limits.maxStreams} concurrent streams`, { fields: { active: ctx.streams.size } }, retry);
    return;
  }
  // Plivo sends no Origin; a browser always does. Any web page the developer visits could
  // otherwise open this socket (unsigned servers) and drive the agent on their provider keys:
  // a browser may only come as the dashboard's own page with a phone session (below).
  const phone = url.searchParams.get('phone');
  if (req.headers.origin !== undefined && (phone === null || !sameOrigin(req, ctx.options.trustProxy, ctx.options.publicUrl?.host))) {
    refuse(403, 'SERVER_ORIGIN_REFUSED', phone === null ? 'a browser page may not open the Plivo stream (it carries an Origin header); the browser phone uses a phone session' : 'a phone session from another site (its Origin is not this server)', { fields: { origin: String(req.headers.origin).slice(0, 100) } });
    return;
  }
  const origin = publicOrigin(req, ctx.options.publicUrl, ctx.options.trustProxy);
  // The dashboard's browser phone: a short-lived, single-use token minted for a signed-in
  // dashboard user stands in for Plivo's signature, so signatures can stay on in production.
  if (phone !== null) {
    const grant = streamTokens?.(phone);
    if (grant === undefined) {
      refuse(403, 'PHONE_TOKEN_INVALID', streamTokens === undefined ? 'this server does not accept browser phone sessions' : 'phone session token is invalid, expired or already used');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, grant.params, origin, grant.streamId));
    return;
  }
  if (ctx.options.authToken !== undefined) {
    const candidates = signatureCandidates(req, origin, true);
    const result = checkSignature(
      { authToken: ctx.options.authToken, mainAuthToken: ctx.options.mainAuthToken, nonces: ctx.nonces },
      'GET',
      candidates,
      req.headers,
      {},
    );
    if (!result.ok) {
      refuse(403, result.code, result.message, {
        fields: { url: loggableUrl(candidates[0] ?? ''), tried: result.checked.length },
        message: `authentication_failed: stream upgrade refused (${result.message}); checked ${loggableUrl(candidates[0] ?? '')} and ${Math.max(0, result.checked.length - 1)} other URL forms. The token must be the Auth Token of the Plivo account that owns the call, and PUBLIC_URL must be the URL in the answer XML`,
      });
      return;
    }
  }
  const token = url.searchParams.get('ctx');
  let callParams: Record<string, string> = {};
  if (token !== null) {
    const decoded = ctx.contexts.decode(token);
    if (decoded === undefined) {
      refuse(403, 'SIGNATURE_MISMATCH', 'call context token is invalid or expired', { message: 'upgrade refused: the stream URL carries a forged or expired call context' });
      return;
    }
    callParams = decoded;
  }
  wss.handleUpgrade(req, socket, head, (ws) => accept(ws, callParams, origin));
}
