/**
 * Checks Plivo's signature on an incoming request (answer, status callback or stream
 * upgrade): `X-Plivo-Signature-V3` with the account's auth token, or
 * `X-Plivo-Signature-Ma-V3` with the main account's, over each URL form Plivo may have
 * signed; a nonce already accepted within the replay window is refused.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { CodeOf } from '../errors.js';
import { type SignatureParams, validateSignatureV3 } from '../protocol/signature.js';
import type { NonceCache } from './nonce-cache.js';

/** Tokens and replay state. */
export interface SignatureConfig {
  readonly authToken: string;
  /** The main account's token, when the app runs under a subaccount (for `-Ma-V3`). */
  readonly mainAuthToken?: string;
  readonly nonces: NonceCache;
}

/** Outcome of a check. */
export type SignatureResult =
  | { readonly ok: true; readonly url: string; readonly header: 'v3' | 'ma-v3' }
  | { readonly ok: false; readonly code: CodeOf<'signature'>; readonly message: string; readonly checked: readonly string[] };

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Validate a request's Plivo signature against candidate URLs. */
export function checkSignature(
  config: SignatureConfig,
  method: 'GET' | 'POST',
  candidates: readonly string[],
  headers: IncomingHttpHeaders,
  params: SignatureParams,
): SignatureResult {
  const nonce = header(headers, 'x-plivo-signature-v3-nonce');
  const v3 = header(headers, 'x-plivo-signature-v3');
  const ma = header(headers, 'x-plivo-signature-ma-v3');
  if (!nonce || (!v3 && !ma)) {
    return {
      ok: false,
      code: 'SIGNATURE_MISSING',
      message: 'no X-Plivo-Signature-V3 (or -Ma-V3) and X-Plivo-Signature-V3-Nonce headers',
      checked: [],
    };
  }
  const attempts: { signature: string; token: string; header: 'v3' | 'ma-v3' }[] = [];
  if (v3) attempts.push({ signature: v3, token: config.authToken, header: 'v3' });
  if (ma) attempts.push({ signature: ma, token: config.mainAuthToken ?? config.authToken, header: 'ma-v3' });
  for (const url of candidates) {
    for (const a of attempts) {
      if (validateSignatureV3({ method, url, nonce, signature: a.signature, authToken: a.token, params })) {
        if (!config.nonces.use(nonce)) {
          return { ok: false, code: 'SIGNATURE_REPLAYED', message: 'this signed request was already accepted (nonce reused)', checked: [url] };
        }
        return { ok: true, url, header: a.header };
      }
    }
  }
  return {
    ok: false,
    code: 'SIGNATURE_MISMATCH',
    message: 'signature does not match PLIVO_AUTH_TOKEN for any URL form Plivo may have signed',
    checked: candidates,
  };
}

/** A URL safe to log: scheme, host and path, with the query elided (it may carry caller numbers). */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : `${url.slice(0, q)}?…`;
}
