/**
 * The TLS group, the guide's "SSL certificate issues: verify your SSL certificate is valid and
 * not expired": who vouches for the certificate (tls.certificate), whether the server sends
 * the whole chain (tls.chain), whether it names the host (tls.hostname), and how long it has
 * left (tls.expiry, warn under 14 days). Each problem is owned by exactly one check; the
 * dates come from the certificate and the doctor's clock, not from OpenSSL's single error.
 */
import type { X509Certificate } from 'node:crypto';
import { checkServerIdentity } from 'node:tls';
import type { TargetProbe } from './target.js';
import { type ChainVerdict, certName, chainVerdict } from './tls-chain.js';
import { type CheckResult, result } from './types.js';

/** Inputs besides the probe. */
export interface TlsCheckContext {
  readonly epochNow: () => number;
  readonly expiryWarnDays: number;
}

const DAY_MS = 86_400_000;
const PUBLIC_CA = 'a certificate from a public CA (e.g. Let\'s Encrypt via certbot, or your cloud provider\'s)';

function skipAll(p: TargetProbe, why: string): CheckResult[] {
  const t = { target: p.target };
  return [
    result('tls.certificate', 'skip', why, {}, t),
    result('tls.chain', 'skip', why, { presented: 0 }, t),
    result('tls.hostname', 'skip', why, { host: p.host }, t),
    result('tls.expiry', 'skip', why, {}, t),
  ];
}

function certificateCheck(p: TargetProbe, v: ChainVerdict, leaf: X509Certificate, error: string | undefined): CheckResult {
  const t = { target: p.target };
  const data = { subject: certName(leaf), issuer: leaf.issuer.replace(/\n/g, ', ').slice(0, 160), ...(error === undefined ? {} : { error }) };
  switch (v.kind) {
    case 'trusted':
      return result('tls.certificate', 'ok', `issued to ${certName(leaf)} by a trusted CA (${v.path.slice(1).join(' -> ') || 'a trusted root'})`, data, t);
    case 'self-signed':
      return result('tls.certificate', 'fail', `self-signed certificate (${v.subject}): Plivo will not trust it`, data, {
        ...t,
        fix: `replace it with ${PUBLIC_CA}; behind a tunnel or a TLS proxy, let it terminate TLS with its own certificate`,
      });
    case 'untrusted-root':
      return result('tls.certificate', 'fail', `issued by "${v.root}", a root CA that is not publicly trusted: Plivo will not trust it`, data, {
        ...t,
        fix: `replace it with ${PUBLIC_CA} (a private CA only works for clients you configure, and Plivo is not one)`,
      });
    case 'incomplete':
      return result('tls.certificate', 'skip', `issued to ${certName(leaf)}; trust cannot be established until the chain is complete (see tls.chain)`, data, t);
    case 'other':
      return result('tls.certificate', 'fail', `the certificate does not verify (${v.code})`, data, { ...t, fix: `replace it with ${PUBLIC_CA}` });
  }
}

function chainCheck(p: TargetProbe, v: ChainVerdict, presented: number): CheckResult {
  const t = { target: p.target };
  const data = { presented };
  switch (v.kind) {
    case 'trusted':
      return result('tls.chain', 'ok', `complete: ${v.path.join(' -> ')}`, data, t);
    case 'untrusted-root':
      return result('tls.chain', 'ok', `complete up to the root "${v.root}" (whose trust is judged by tls.certificate)`, data, t);
    case 'self-signed':
      return result('tls.chain', 'skip', 'a self-signed certificate has no chain (see tls.certificate)', data, t);
    case 'incomplete':
      return result('tls.chain', 'fail', `incomplete: the server does not send the certificate of "${v.missingIssuer}", which issued "${v.of}", and it is not a trusted root`, data, {
        ...t,
        fix: 'serve the full chain, not just your certificate: with certbot use fullchain.pem (not cert.pem); otherwise append the intermediate certificates to your certificate file',
      });
    case 'other':
      return result('tls.chain', 'skip', `the chain could not be judged (${v.code}; see tls.certificate)`, data, t);
  }
}

function hostnameCheck(p: TargetProbe, peer: Parameters<typeof checkServerIdentity>[1]): CheckResult {
  const t = { target: p.target };
  const names = (peer.subjectaltname ?? '').slice(0, 200) || (peer.subject?.CN === undefined ? undefined : `CN=${String(peer.subject.CN)}`);
  const data = { host: p.host, ...(names === undefined ? {} : { names }) };
  const error = checkServerIdentity(p.host, peer);
  if (error === undefined) return result('tls.hostname', 'ok', `the certificate covers ${p.host}${names === undefined ? '' : ` (${names})`}`, data, t);
  return result('tls.hostname', 'fail', `the certificate does not cover ${p.host}: it names ${names ?? 'no host'}`, data, {
    ...t,
    fix: `get a certificate whose subjectAltName includes ${p.host}, or use a URL with a host the certificate names`,
  });
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function expiryCheck(p: TargetProbe, leaf: X509Certificate, ctx: TlsCheckContext): CheckResult {
  const t = { target: p.target };
  const now = ctx.epochNow();
  const from = Date.parse(leaf.validFrom);
  const to = Date.parse(leaf.validTo);
  if (!Number.isFinite(from) || !Number.isFinite(to)) return result('tls.expiry', 'skip', 'the certificate dates are unreadable', { validTo: leaf.validTo }, t);
  const daysLeft = Math.floor((to - now) / DAY_MS);
  const data = { validTo: new Date(to).toISOString(), daysLeft };
  const renew = 'renew the certificate (certbot renew, or your CA) and reload the server; automate renewal so it cannot lapse';
  if (now < from) {
    return result('tls.expiry', 'fail', `not valid until ${day(from)}`, data, { ...t, fix: 'check the certificate\'s dates and the server\'s clock; reissue it if its start date is wrong' });
  }
  if (now > to) return result('tls.expiry', 'fail', `expired on ${day(to)} (${Math.floor((now - to) / DAY_MS)} days ago): Plivo refuses expired certificates`, data, { ...t, fix: renew });
  if (daysLeft < ctx.expiryWarnDays) {
    return result('tls.expiry', 'warn', `expires on ${day(to)}, in ${daysLeft} days`, data, { ...t, fix: renew });
  }
  return result('tls.expiry', 'ok', `valid until ${day(to)} (${daysLeft} days)`, data, t);
}

/** The tls.* checks for one target (skipped when it is not https/wss). */
export function tlsChecks(p: TargetProbe, ctx: TlsCheckContext): CheckResult[] {
  if (p.url === undefined) return skipAll(p, 'not a URL');
  if (!p.secure) return skipAll(p, `no TLS: the URL is ${p.url.protocol}// (see url.scheme)`);
  // No address means no connection was tried: point at DNS, not at the port.
  if (p.dns !== undefined && p.dns.kind !== 'resolved') return skipAll(p, `${p.host} does not resolve (${p.dns.code}), so no TLS handshake was tried (see url.dns)`);
  if (p.tcp?.kind !== 'open') return skipAll(p, 'the port does not accept connections (see url.port)');
  const tls = p.tls;
  if (tls === undefined) return skipAll(p, 'no TLS handshake was attempted');
  if (tls.kind === 'failed') {
    const t = { target: p.target };
    const why = `no certificate: the TLS handshake failed (${tls.code})`;
    return [
      result('tls.certificate', 'fail', `the TLS handshake with ${p.host}:${p.port} failed: ${tls.message.slice(0, 160)}`, { error: tls.code }, {
        ...t,
        fix: `serve TLS on port ${p.port} (is a plain http server answering a ${p.url.protocol}// URL?), with ${PUBLIC_CA}`,
      }),
      ...skipAll(p, why).slice(1),
    ];
  }
  const leaf = tls.chain[0];
  if (leaf === undefined) return skipAll(p, 'the server presented no readable certificate');
  const verdict = chainVerdict(tls.authorized, tls.authorizationError, tls.chain);
  return [
    certificateCheck(p, verdict, leaf, tls.authorizationError),
    chainCheck(p, verdict, tls.chain.length),
    hostnameCheck(p, tls.peer),
    expiryCheck(p, leaf, ctx),
  ];
}
