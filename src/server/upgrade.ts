/**
 * The WebSocket upgrade gate. Every refusal is an HTTP status written before the handshake
 * (ws's `abortHandshake` pattern): 404 wrong path, 503 draining or full, 429 too many
 * upgrades from one IP, 403 bad signature or forged call context. One log line per refusal
 * names the reason and, for signatures, the URL that was checked (never the token).
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { PATHS } from './answer.js';
import type { ServerContext } from './context.js';
import { clientIp } from './http-io.js';
import { type PublicOrigin, publicOrigin, signatureCandidates } from './public-url.js';
import { checkSignature, loggableUrl } from './signature-check.js';

/** Why an upgrade was refused (also emitted for metrics). */
export interface UpgradeRejection {
  readonly status: number;
  readonly reason: string;
  readonly code?: string;
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

/** Checks a `?phone=` token on a stream upgrade: the call's parameters, or undefined to refuse. */
export type StreamTokenVerifier = (token: string) => Record<string, string> | undefined;

/** Gate one upgrade request; on success hands the socket to `accept` with the call's parameters. */
export function handleUpgrade(
  ctx: ServerContext,
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  accept: (ws: WebSocket, callParams: Record<string, string>, origin: PublicOrigin) => void,
  onReject: (r: UpgradeRejection) => void,
  streamTokens?: StreamTokenVerifier,
): void {
  socket.on('error', () => socket.destroy());
  const ip = clientIp(req, ctx.options.trustProxy);
  const refuse = (status: number, reason: string, code?: string, extra?: Record<string, string>): void => {
    onReject({ status, reason, code, ip });
    reject(socket, status, code ? `${code}: ${reason}` : reason, extra);
  };
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://local');
  } catch {
    refuse(400, 'bad request URL');
    return;
  }
  if (url.pathname !== PATHS.stream) {
    refuse(404, `no WebSocket endpoint at ${url.pathname.slice(0, 64)}; Plivo streams connect to ${PATHS.stream}`);
    return;
  }
  if (ctx.draining) {
    refuse(503, 'server is draining (shutting down); not accepting new streams', undefined, { 'retry-after': '1' });
    return;
  }
  if (!ctx.limiter.take(ip)) {
    ctx.log.warn({ ip }, 'upgrade refused: too many upgrades from one address');
    refuse(429, 'too many WebSocket upgrades from this address', undefined, { 'retry-after': '1' });
    return;
  }
  if (ctx.streams.size >= ctx.options.limits.maxStreams) {
    ctx.log.warn({ active: ctx.streams.size }, 'upgrade refused: at the concurrent stream limit');
    refuse(503, `at the limit of ${ctx.options.limits.maxStreams} concurrent streams`, undefined, { 'retry-after': '1' });
    return;
  }
  const origin = publicOrigin(req, ctx.options.publicUrl, ctx.options.trustProxy);
  // The dashboard's browser phone: a short-lived, single-use token minted for a signed-in
  // dashboard user stands in for Plivo's signature, so signatures can stay on in production.
  const phone = url.searchParams.get('phone');
  if (phone !== null) {
    const params = streamTokens?.(phone);
    if (params === undefined) {
      ctx.log.warn({ ip }, 'upgrade refused: the browser phone token is invalid, expired or already used');
      refuse(403, streamTokens === undefined ? 'this server does not accept browser phone sessions' : 'phone session token is invalid, expired or already used', 'PHONE_TOKEN_INVALID');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, params, origin));
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
      ctx.log.warn(
        { code: result.code, ip, url: loggableUrl(candidates[0] ?? ''), tried: result.checked.length },
        `authentication_failed: stream upgrade refused (${result.message}); checked ${loggableUrl(candidates[0] ?? '')} and ${Math.max(0, result.checked.length - 1)} other URL forms. The token must be the Auth Token of the Plivo account that owns the call, and PUBLIC_URL must be the URL in the answer XML`,
      );
      refuse(403, result.message, result.code);
      return;
    }
  }
  const token = url.searchParams.get('ctx');
  let callParams: Record<string, string> = {};
  if (token !== null) {
    const decoded = ctx.contexts.decode(token);
    if (decoded === undefined) {
      ctx.log.warn({ ip }, 'upgrade refused: the stream URL carries a forged or expired call context');
      refuse(403, 'call context token is invalid or expired', 'SIGNATURE_MISMATCH');
      return;
    }
    callParams = decoded;
  }
  wss.handleUpgrade(req, socket, head, (ws) => accept(ws, callParams, origin));
}
