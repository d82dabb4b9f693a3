/** Reading request bodies (bounded) and writing small responses. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Clock } from '../clock.js';

/** A body that exceeded its limit. */
export class BodyTooLarge extends Error {}

/** A body that did not arrive in time. */
export class BodyTimeout extends Error {}

/** Read a request body up to `limit` bytes (and, given `timeout`, within `timeout.ms`). */
export function readBody(req: IncomingMessage, limit: number, timeout?: { readonly ms: number; readonly clock: Clock }): Promise<Buffer> {
  const reading = new Promise<Buffer>((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new BodyTooLarge(`body of ${declared} bytes exceeds ${limit}`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BodyTooLarge(`body exceeds ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    // An aborted upload emits 'close' without 'end' (or 'error'): settle, so no caller waits for ever.
    req.on('close', () => reject(new Error('the client closed the request before its body ended')));
  });
  if (timeout === undefined) return reading;
  const { ms, clock } = timeout;
  return new Promise((resolve, reject) => {
    const timer = clock.setTimer(() => reject(new BodyTimeout(`body not complete within ${ms} ms`)), ms);
    reading.then(
      (b) => {
        clock.clearTimer(timer);
        resolve(b);
      },
      (e: unknown) => {
        clock.clearTimer(timer);
        reject(e);
      },
    );
  });
}

/** Request parameters: query string merged with a form-encoded or JSON body (body wins). */
export function parseParams(query: string, body: Buffer, contentType: string | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const add = (obj: Record<string, unknown>): void => {
    for (const [k, v] of Object.entries(obj)) {
      if (Array.isArray(v)) out[k] = String(v[0] ?? '');
      else if (v !== undefined && v !== null && typeof v !== 'object') out[k] = String(v);
    }
  };
  add(parseQuery(query));
  if (body.length > 0) {
    if ((contentType ?? '').includes('application/json')) {
      try {
        const j: unknown = JSON.parse(body.toString('utf8'));
        if (typeof j === 'object' && j !== null) add(j as Record<string, unknown>);
      } catch {
        // not JSON: ignore, the caller sees only the query parameters
      }
    } else add(parseQuery(body.toString('utf8')));
  }
  return out;
}

/** Form fields only (for signature checks of POST requests, which sign the body fields). */
export function parseForm(body: Buffer): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  const q = parseQuery(body.toString('utf8'));
  for (const [k, v] of Object.entries(q)) if (v !== undefined) out[k] = v;
  return out;
}

/** Send a response with a body and content type. */
export function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8', headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...headers });
  res.end(body);
}

/** Send JSON. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

/**
 * The client's address. Without a trusted proxy (`hops` 0 or false) it is the socket's peer.
 * Behind `hops` trusted proxies it is the address the outermost trusted proxy saw: the
 * `hops`-th X-Forwarded-For entry counted from the right (each proxy appends the address it
 * got the request from), or the leftmost when the list is shorter. Never the leftmost by
 * default: the client writes that one itself, so trusting it lets anyone rotate it past every
 * per-address limit. Same rule as Express's numeric `trust proxy` ("trust the nth hop from
 * the front-facing proxy server as the client", https://expressjs.com/en/guide/behind-proxies.html,
 * implemented by jshttp/proxy-addr) and fastify's numeric `trustProxy`.
 */
export function clientIp(req: IncomingMessage, hops: number | boolean): string {
  const socket = req.socket.remoteAddress ?? 'unknown';
  const n = hops === true ? 1 : hops === false ? 0 : Math.max(0, Math.floor(hops));
  if (n === 0) return socket;
  const xff = req.headers['x-forwarded-for'];
  const raw = Array.isArray(xff) ? xff.join(',') : xff;
  if (raw === undefined || raw.length > 4096) return socket;
  const entries = raw.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0) return socket;
  // [socket, rightmost, ..., leftmost]: the nth is the client as the nth trusted proxy saw it.
  return entries[Math.max(0, entries.length - n)] as string;
}
