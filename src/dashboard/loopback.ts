/** Whether a bind address only accepts connections from this machine. */
import { isIPv4, isIPv6 } from 'node:net';

/**
 * True for loopback bind addresses: `localhost`, 127.0.0.0/8, `::1` and IPv4-mapped
 * 127.x. False for wildcards (`0.0.0.0`, `::`), which accept connections from the network,
 * and for every other address.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === 'localhost.') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (isIPv6(h)) {
    if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped !== null && (mapped[1] as string).startsWith('127.');
  }
  return false;
}
