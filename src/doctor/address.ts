/**
 * Where an address can be reached from: this machine only (loopback), a private network, or
 * the internet. Plivo connects from the internet, so only `public` addresses work for it.
 * Pure.
 */
import { isIP } from 'node:net';

/** Reachability class of an IP address. */
export type AddressKind = 'loopback' | 'private' | 'link-local' | 'shared' | 'unspecified' | 'public';

function v4(address: string): number[] | undefined {
  const parts = address.split('.').map(Number);
  return parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255) ? parts : undefined;
}

function classifyV4(p: number[]): AddressKind {
  const [a, b] = p as [number, number, number, number];
  if (a === 127) return 'loopback';
  if (a === 0) return 'unspecified';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 169 && b === 254) return 'link-local';
  // 100.64.0.0/10: carrier-grade NAT (RFC 6598), not reachable from the internet.
  if (a === 100 && b >= 64 && b <= 127) return 'shared';
  return 'public';
}

/** Classify an IPv4 or IPv6 address (IPv4-mapped IPv6 is classified as IPv4). Non-addresses are `public`: callers check `isIP` first. */
export function classifyAddress(address: string): AddressKind {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(bare) === 4) return classifyV4(v4(bare) as number[]);
  if (isIP(bare) !== 6) return 'public';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped !== null) return classifyV4(v4(mapped[1] as string) as number[]);
  if (bare === '::1') return 'loopback';
  if (bare === '::') return 'unspecified';
  if (/^f[cd][0-9a-f]{2}:/.test(bare)) return 'private';
  if (/^fe[89ab][0-9a-f]:/.test(bare)) return 'link-local';
  return 'public';
}

/** Words for an address class, for messages. */
export function describeKind(kind: AddressKind): string {
  switch (kind) {
    case 'loopback':
      return 'a loopback address (this machine only)';
    case 'private':
      return 'a private network address';
    case 'link-local':
      return 'a link-local address';
    case 'shared':
      return 'a carrier-grade NAT address (100.64.0.0/10)';
    case 'unspecified':
      return 'an unspecified address';
    case 'public':
      return 'a public address';
  }
}
