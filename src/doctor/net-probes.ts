/**
 * The lowest network steps, each bounded by a timeout and never throwing: resolve a host
 * name, open a TCP connection.
 */
import { lookup } from 'node:dns/promises';
import { connect, isIP } from 'node:net';
import type { Clock } from '../clock.js';

/** What resolving a host gave. */
export type DnsOutcome =
  | { readonly kind: 'resolved'; readonly addresses: readonly string[]; readonly literal: boolean }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string };

/** What a TCP connection attempt gave. */
export type TcpOutcome =
  | { readonly kind: 'open'; readonly address: string; readonly ms: number }
  | { readonly kind: 'refused' | 'timeout' | 'error'; readonly address: string; readonly message: string };

/** Resolve `host` to every address (an IP literal resolves to itself). */
export async function resolveHost(host: string, timeoutMs: number, clock: Clock): Promise<DnsOutcome> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) !== 0) return { kind: 'resolved', addresses: [bare], literal: true };
  let timer: ReturnType<Clock['setTimer']> | undefined;
  const timeout = new Promise<DnsOutcome>((resolve) => {
    timer = clock.setTimer(() => resolve({ kind: 'failed', code: 'ETIMEOUT', message: `no DNS answer within ${timeoutMs} ms` }), timeoutMs);
  });
  const query = lookup(bare, { all: true, verbatim: true }).then(
    (list): DnsOutcome =>
      list.length === 0 ? { kind: 'failed', code: 'ENOTFOUND', message: 'no addresses' } : { kind: 'resolved', addresses: list.map((a) => a.address), literal: false },
    (e: NodeJS.ErrnoException): DnsOutcome => ({ kind: 'failed', code: e.code ?? 'ERROR', message: e.message }),
  );
  try {
    return await Promise.race([query, timeout]);
  } finally {
    if (timer !== undefined) clock.clearTimer(timer);
  }
}

/** Open (and close) a TCP connection to `address:port`. */
export function probeTcp(address: string, port: number, timeoutMs: number, clock: Clock): Promise<TcpOutcome> {
  return new Promise((resolve) => {
    const started = clock.now();
    const socket = connect({ host: address, port });
    let done = false;
    const finish = (outcome: TcpOutcome): void => {
      if (done) return;
      done = true;
      clock.clearTimer(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = clock.setTimer(() => finish({ kind: 'timeout', address, message: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => finish({ kind: 'open', address, ms: clock.now() - started }));
    socket.once('error', (e: NodeJS.ErrnoException) =>
      finish({ kind: e.code === 'ECONNREFUSED' ? 'refused' : 'error', address, message: e.code ?? e.message }),
    );
  });
}
