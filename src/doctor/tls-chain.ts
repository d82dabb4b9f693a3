/**
 * Who vouches for a certificate: trusted, self-signed, an untrusted root, or a chain with a
 * missing link. OpenSSL reports only one verification error (the last one it met), so an
 * expired certificate hides whether its chain was fine. Trust and completeness are therefore
 * judged here independently of dates, by walking the presented chain with signature checks
 * (`X509Certificate.checkIssued` + `verify`) up to Node's trusted roots.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

/** The verdict on a chain. */
export type ChainVerdict =
  | { readonly kind: 'trusted'; readonly path: readonly string[] }
  | { readonly kind: 'self-signed'; readonly subject: string }
  | { readonly kind: 'untrusted-root'; readonly root: string }
  | { readonly kind: 'incomplete'; readonly missingIssuer: string; readonly of: string }
  | { readonly kind: 'other'; readonly code: string };

const MAX_DEPTH = 10;
const MAX_EXTRA_CA_BYTES = 1024 * 1024;

let trustedCache: readonly X509Certificate[] | undefined;

function parsePems(text: string): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const m of text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)) {
    try {
      out.push(new X509Certificate(m[0]));
    } catch {
      // An unreadable entry is skipped, as Node does.
    }
  }
  return out;
}

/** Node's trusted roots: the bundled Mozilla set plus NODE_EXTRA_CA_CERTS (as Node itself uses them). */
export function trustedRoots(): readonly X509Certificate[] {
  if (trustedCache !== undefined) return trustedCache;
  const roots = parsePems(rootCertificates.join('\n'));
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (extra) {
    try {
      const text = readFileSync(extra, 'utf8');
      if (text.length <= MAX_EXTRA_CA_BYTES) roots.push(...parsePems(text));
    } catch {
      // Node warns about an unreadable NODE_EXTRA_CA_CERTS itself.
    }
  }
  trustedCache = roots;
  return roots;
}

/** A short name for a certificate: its CN, else the whole subject on one line. */
export function certName(cert: X509Certificate): string {
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject);
  return (cn?.[1] ?? cert.subject.replace(/\n/g, ', ')).slice(0, 120);
}

function issuerName(cert: X509Certificate): string {
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.issuer);
  return (cn?.[1] ?? cert.issuer.replace(/\n/g, ', ')).slice(0, 120);
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * Walk `chain` (leaf first, as presented) to a root in `trusted`. The result ignores validity
 * dates and host names: other checks own those.
 */
export function verdictOf(chain: readonly X509Certificate[], trusted: readonly X509Certificate[] = trustedRoots()): ChainVerdict {
  const leaf = chain[0];
  if (leaf === undefined) return { kind: 'other', code: 'NO_CERTIFICATE' };
  const isTrusted = (c: X509Certificate): boolean => trusted.some((r) => r.fingerprint256 === c.fingerprint256);
  const path = [certName(leaf)];
  if (isTrusted(leaf)) return { kind: 'trusted', path };
  if (issuedBy(leaf, leaf)) return { kind: 'self-signed', subject: certName(leaf) };
  let cur = leaf;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const root = trusted.find((r) => issuedBy(cur, r));
    if (root !== undefined) return { kind: 'trusted', path: [...path, certName(root)] };
    const next = chain.find((c) => c !== cur && issuedBy(cur, c));
    if (next === undefined) return { kind: 'incomplete', missingIssuer: issuerName(cur), of: certName(cur) };
    path.push(certName(next));
    if (isTrusted(next)) return { kind: 'trusted', path };
    if (issuedBy(next, next)) return { kind: 'untrusted-root', root: certName(next) };
    cur = next;
  }
  return { kind: 'other', code: 'CHAIN_TOO_LONG' };
}

// OpenSSL errors about dates: the chain itself may be fine (see the file comment).
const DATE_ERRORS = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD']);

/**
 * The verdict from OpenSSL's answer when it is about trust, else from {@link verdictOf}.
 * `authorized` means OpenSSL verified the whole chain.
 */
export function chainVerdict(authorized: boolean, error: string | undefined, chain: readonly X509Certificate[]): ChainVerdict {
  const leaf = chain[0];
  const name = leaf === undefined ? 'the certificate' : certName(leaf);
  if (authorized) return { kind: 'trusted', path: chain.map(certName) };
  if (error === undefined || DATE_ERRORS.has(error)) return verdictOf(chain);
  switch (error) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return { kind: 'self-signed', subject: name };
    case 'SELF_SIGNED_CERT_IN_CHAIN': {
      const walked = verdictOf(chain);
      return walked.kind === 'untrusted-root' ? walked : { kind: 'untrusted-root', root: chain.length > 0 ? certName(chain[chain.length - 1] as X509Certificate) : name };
    }
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE': {
      const walked = verdictOf(chain);
      return walked.kind === 'incomplete' ? walked : { kind: 'incomplete', missingIssuer: leaf === undefined ? 'unknown' : issuerName(leaf), of: name };
    }
    default:
      return { kind: 'other', code: error };
  }
}
