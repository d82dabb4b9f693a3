/** Telling this site's own browser requests from other sites' (the `Origin` header). */
import type { IncomingMessage } from 'node:http';

/**
 * Whether a state-changing request came from this site: its Origin header, when sent, names
 * the host the request was made to (the Host header; behind a trusted proxy also
 * X-Forwarded-Host; or the configured public URL's host).
 */
export function sameOrigin(req: IncomingMessage, trustProxy = false, publicHost?: string): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  const forwarded = req.headers['x-forwarded-host'];
  const hosts = [req.headers.host, publicHost, trustProxy ? (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim() : undefined];
  return hosts.some((h) => h !== undefined && h !== '' && h === host);
}
