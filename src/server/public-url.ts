/**
 * Where Plivo reaches this server. With a configured public URL, everything derives from
 * it; without one and with `trustProxy`, from the request's X-Forwarded-Proto/Host (so a
 * tunnel that restarts under a new hostname needs no change: the guide's "ngrok tunnel not
 * running ... update your XML"); otherwise from the Host header and the socket's TLS.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** The public origin a request came to. */
export interface PublicOrigin {
  /** `https` or `http`. */
  readonly scheme: 'https' | 'http';
  /** host[:port] */
  readonly host: string;
  /** Path prefix of the public URL (e.g. `/agent` behind a path-routing proxy), no trailing slash. */
  readonly prefix: string;
}

function first(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s?.split(',')[0]?.trim() || undefined;
}

/** The public origin for a request. */
export function publicOrigin(req: IncomingMessage, publicUrl: URL | undefined, trustProxy: boolean): PublicOrigin {
  if (publicUrl !== undefined) {
    return { scheme: publicUrl.protocol === 'http:' ? 'http' : 'https', host: publicUrl.host, prefix: publicUrl.pathname.replace(/\/+$/, '') };
  }
  const encrypted = (req.socket as TLSSocket).encrypted === true;
  let scheme: 'https' | 'http' = encrypted ? 'https' : 'http';
  let host = req.headers.host ?? 'localhost';
  if (trustProxy) {
    const proto = first(req.headers['x-forwarded-proto']);
    if (proto === 'https' || proto === 'http') scheme = proto;
    if (proto === 'wss') scheme = 'https';
    if (proto === 'ws') scheme = 'http';
    host = first(req.headers['x-forwarded-host']) ?? host;
  }
  return { scheme, host, prefix: '' };
}

export { isLoopbackHost } from './loopback.js';

/** The http(s) URL of a path on the public origin. */
export function httpUrl(o: PublicOrigin, path: string): string {
  return `${o.scheme}://${o.host}${o.prefix}${path}`;
}

/** The ws(s) URL of a path on the public origin. */
export function wsUrl(o: PublicOrigin, path: string): string {
  return `${o.scheme === 'https' ? 'wss' : 'ws'}://${o.host}${o.prefix}${path}`;
}

/**
 * URL forms Plivo may have signed for this request (docs/plivo-protocol.md §5.4 is an open
 * question: the wss:// URL as written in the XML, or https://). For a WebSocket upgrade try
 * wss, https, ws, http; for HTTP requests https, http. Each with the public host and, when it
 * differs, the Host header; with the public path prefix and without.
 */
export function signatureCandidates(req: IncomingMessage, o: PublicOrigin, upgrade: boolean): string[] {
  const pathAndQuery = req.url ?? '/';
  const hosts = [o.host];
  const hostHeader = req.headers.host;
  if (hostHeader !== undefined && hostHeader !== o.host) hosts.push(hostHeader);
  const paths = o.prefix !== '' && !pathAndQuery.startsWith(o.prefix) ? [o.prefix + pathAndQuery, pathAndQuery] : [pathAndQuery];
  const schemes = upgrade ? ['wss', 'https', 'ws', 'http'] : ['https', 'http'];
  const out: string[] = [];
  for (const s of schemes) for (const h of hosts) for (const p of paths) out.push(`${s}://${h}${p}`);
  return out;
}
