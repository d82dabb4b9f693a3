/**
 * Inspect a server's TLS certificate without trusting it: `tls.connect` with
 * `rejectUnauthorized: false`, then read `authorized` / `authorizationError` and the
 * certificate chain the server presented. Bounded by a timeout; never throws.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { type PeerCertificate, type DetailedPeerCertificate, connect } from 'node:tls';
import type { Clock } from '../clock.js';

/** What the TLS handshake showed. */
export type TlsOutcome =
  | {
      readonly kind: 'connected';
      readonly authorized: boolean;
      /** OpenSSL's verification error (e.g. DEPTH_ZERO_SELF_SIGNED_CERT), when not authorized. */
      readonly authorizationError: string | undefined;
      /** The leaf's legacy form, for `tls.checkServerIdentity`. */
      readonly peer: PeerCertificate;
      /** Leaf first, then issuers as Node linked them (may end with a root from the local store). */
      readonly chain: readonly X509Certificate[];
      readonly protocol: string | undefined;
    }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string };

// A hostile server could present an endless chain; real ones have 2 to 4 certificates.
const MAX_CHAIN = 10;

function chainOf(peer: DetailedPeerCertificate): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  let cur: DetailedPeerCertificate | undefined = peer;
  while (cur?.raw !== undefined && out.length < MAX_CHAIN && !seen.has(cur.fingerprint256)) {
    seen.add(cur.fingerprint256);
    try {
      out.push(new X509Certificate(cur.raw));
    } catch {
      break;
    }
    cur = cur.issuerCertificate;
  }
  return out;
}

/** Handshake with `host:port` (SNI = host unless it is an IP address) and describe the certificate. */
export function probeTls(host: string, port: number, timeoutMs: number, clock: Clock): Promise<TlsOutcome> {
  return new Promise((resolve) => {
    const bare = host.replace(/^\[|\]$/g, '');
    const socket = connect({
      host: bare,
      port,
      // SNI must be a name, never an IP literal (RFC 6066 §3).
      servername: isIP(bare) === 0 ? bare : undefined,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    let done = false;
    const finish = (outcome: TlsOutcome): void => {
      if (done) return;
      done = true;
      clock.clearTimer(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = clock.setTimer(() => finish({ kind: 'failed', code: 'ETIMEDOUT', message: `no TLS handshake within ${timeoutMs} ms` }), timeoutMs);
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate(true);
      if (peer === null || Object.keys(peer).length === 0) {
        finish({ kind: 'failed', code: 'NO_CERTIFICATE', message: 'the server presented no certificate' });
        return;
      }
      const error = socket.authorizationError;
      finish({
        kind: 'connected',
        authorized: socket.authorized,
        authorizationError: error === undefined || error === null ? undefined : String((error as Error & { code?: string }).code ?? error),
        peer,
        chain: chainOf(peer),
        protocol: socket.getProtocol() ?? undefined,
      });
    });
    socket.once('error', (e: NodeJS.ErrnoException) => finish({ kind: 'failed', code: e.code ?? 'ERROR', message: e.message }));
  });
}
