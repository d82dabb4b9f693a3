/** Whether an address or host only reaches this machine. */
import { isIPv4, isIPv6 } from 'node:net';

/**
 * True for loopback bind addresses: `localhost`, 127.0.0.0/8, `::1` and IPv4-mapped
 * 127.x. False for wildcards (`0.0.0.0`, `::`), which accept connections from the network,
 * and for every other address.
 */
export function isLoopbackHost(host: string): boolean {
  let h = host.trim().toLowerCase();
  // host:port (a Host header) or [v6]:port
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(h);
  if (bracketed !== null) h = bracketed[1] as string;
  else if (/^[^:]+:\d+$/.test(h)) h = h.slice(0, h.lastIndexOf(':'));
  if (h.endsWith('.localhost')) return true;
  if (h === 'localhost' || h === 'localhost.') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (isIPv6(h)) {
    if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped !== null && (mapped[1] as string).startsWith('127.');
  }
  return false;
}

// Headers that proxies and tunnels (ngrok, cloudflared, nginx, load balancers) add.
const FORWARDING = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded', 'x-real-ip', 'cf-connecting-ip', 'true-client-ip'];

/**
 * Whether a request really came from this machine: a loopback peer and no forwarding
 * headers. A tunnel to a loopback port makes it public, and its requests arrive from
 * 127.0.0.1 with forwarding headers: those are not local.
 */
export function isLocalRequest(req: { readonly socket: { readonly remoteAddress?: string | undefined }; readonly headers: Readonly<Record<string, unknown>> }): boolean {
  if (!isLoopbackHost(req.socket.remoteAddress ?? '')) return false;
  return FORWARDING.every((h) => req.headers[h] === undefined);
}
