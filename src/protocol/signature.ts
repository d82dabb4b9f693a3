/**
 * Plivo request signatures (docs/plivo-protocol.md §5). V3 is what Plivo sends today on
 * answer, status-callback and stream-upgrade requests (`X-Plivo-Signature-V3` or
 * `X-Plivo-Signature-Ma-V3`, with `X-Plivo-Signature-V3-Nonce`). V2 is the legacy form.
 *
 * The string to sign is built exactly as Plivo's Node SDK builds it (plivo/plivo-node
 * lib/utils/v3Security.js): the URL is taken apart without normalisation, the query is
 * decoded with node's querystring, keys and values are sorted by code unit, and nothing is
 * re-encoded. A property test checks agreement with the SDK over generated inputs.
 * Comparison is constant time (the SDK uses `===`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';
import { SignatureError } from '../errors.js';

/** Request parameters: form fields of a POST, or extra query parameters of a GET. */
export type SignatureParams = Readonly<Record<string, string | number | readonly (string | number)[]>>;

/** Inputs of {@link computeSignatureV3}. */
export interface SignatureV3Input {
  /** `GET` or `POST` (the WebSocket upgrade is a GET). */
  method: string;
  /** The full URL Plivo requested, as Plivo knows it (public scheme, host, port, path and query). */
  url: string;
  /** The `X-Plivo-Signature-V3-Nonce` header. */
  nonce: string;
  /** The Plivo auth token (main account for `-Ma-V3`, else the (sub)account's). */
  authToken: string;
  /** POST form fields. For GET, leave empty: the query string already carries them. */
  params?: SignatureParams;
}

/** Inputs of {@link validateSignatureV3}. */
export interface ValidateV3Input extends SignatureV3Input {
  /** The header value; may hold several comma-separated signatures. */
  signature: string;
}

interface UrlParts {
  base: string;
  query: string;
}

// The SDK passes every string through utf8.encode (a UTF-8 "byte string") before parsing
// and hashing, and crypto then hashes that string as UTF-8 again. We do the same so that
// even non-ASCII URLs agree with the SDK.
function byteString(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

// Take a URL apart the way the SDK's loose URI parser does for well-formed URLs:
// scheme, host, port and path kept verbatim (no lower-casing, no default-port removal,
// no percent-encoding), user info and fragment dropped.
function splitUrl(url: string): UrlParts {
  let rest = url;
  let scheme = 'http';
  const m = /^([^:/?#.]+):\/\//.exec(rest);
  if (m !== null) {
    scheme = m[1] as string;
    rest = rest.slice(m[0].length);
  } else if (rest.startsWith('//')) {
    rest = rest.slice(2);
  }
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const authEnd = rest.search(/[/?]/);
  let authority = authEnd === -1 ? rest : rest.slice(0, authEnd);
  let tail = authEnd === -1 ? '' : rest.slice(authEnd);
  const at = authority.lastIndexOf('@');
  if (at !== -1) authority = authority.slice(at + 1);
  const q = tail.indexOf('?');
  const query = q === -1 ? '' : tail.slice(q + 1);
  tail = q === -1 ? tail : tail.slice(0, q);
  let base = `${scheme}://${authority}`;
  if (base.endsWith(':')) base = base.slice(0, -1);
  const path = tail.trim();
  if (path !== '') base += path.startsWith('/') ? path : `/${path}`;
  return { base, query };
}

function collect(query: string, extra: SignatureParams): Map<string, string[]> {
  const map = new Map<string, string[]>();
  const add = (k: string, v: unknown): void => {
    const list = map.get(k);
    const values = (Array.isArray(v) ? v : [v]).map(String);
    if (list === undefined) map.set(k, values);
    else list.push(...values);
  };
  const parsed = parseQuery(query);
  for (const k of Object.keys(parsed)) add(k, parsed[k]);
  for (const k of Object.keys(extra)) add(k, extra[k]);
  return map;
}

function sortedKeys(map: Map<string, string[]>): string[] {
  // Default sort = UTF-16 code-unit order, as the SDK's Array.prototype.sort().
  return [...map.keys()].sort();
}

function sortedQuery(map: Map<string, string[]>): string {
  const parts: string[] = [];
  for (const k of sortedKeys(map)) for (const v of [...(map.get(k) as string[])].sort()) parts.push(`${k}=${v}`);
  return parts.join('&');
}

function sortedConcat(map: Map<string, string[]>): string {
  let out = '';
  for (const k of sortedKeys(map)) for (const v of [...(map.get(k) as string[])].sort()) out += k + v;
  return out;
}

/**
 * The exact string Plivo signs with V3 (before `.nonce` is appended). Exposed so a rejected
 * request can be logged with the URL form that was checked (never the token).
 */
export function signatureBaseV3(method: string, url: string, params: SignatureParams = {}): string {
  const m = method.toUpperCase();
  const { base, query } = splitUrl(byteString(url));
  if (m === 'GET') {
    const qs = sortedQuery(collect(query, params));
    return qs.length > 0 ? `${base}?${qs}` : base;
  }
  if (m === 'POST') {
    const qs = sortedQuery(collect(query, {}));
    const hasParams = Object.keys(params).length > 0;
    let s = base;
    if (qs.length > 0 || hasParams) s += `?${qs}`;
    if (qs.length > 0 && hasParams) s += '.';
    return s + sortedConcat(collect('', params));
  }
  throw new SignatureError('SIGNATURE_INVALID_METHOD', `V3 signatures cover GET and POST requests, not ${m.slice(0, 10)}`);
}

function hmacBase64(authToken: string, message: string): string {
  return createHmac('sha256', byteString(authToken)).update(message, 'utf8').digest('base64');
}

/** Compute the `X-Plivo-Signature-V3` header value for a request (the emulator signs with this). */
export function computeSignatureV3(input: SignatureV3Input): string {
  const base = signatureBaseV3(input.method, input.url, input.params ?? {});
  return hmacBase64(input.authToken, `${base}.${byteString(input.nonce)}`);
}

/** Constant-time check of `expected` against any of the comma-separated values in `header`. */
function matchesAny(header: string, expected: string): boolean {
  const want = Buffer.from(expected, 'utf8');
  let ok = false;
  for (const candidate of header.split(',')) {
    const got = Buffer.from(candidate.trim(), 'utf8');
    // Lengths are public (every valid signature is 44 chars); contents are compared in constant time.
    if (got.length === want.length && timingSafeEqual(got, want)) ok = true;
  }
  return ok;
}

/**
 * Validate a V3 signature header. Returns false for any mismatch, missing value or
 * unsupported method; never throws.
 */
export function validateSignatureV3(input: ValidateV3Input): boolean {
  if (!input.signature || !input.nonce || !input.authToken) return false;
  let expected: string;
  try {
    expected = computeSignatureV3(input);
  } catch {
    return false;
  }
  return matchesAny(input.signature, expected);
}

/** Inputs of the legacy V2 signature: `base64(HMAC-SHA256(token, scheme://host[:port]/path + nonce))`. */
export interface SignatureV2Input {
  url: string;
  nonce: string;
  authToken: string;
}

/** Compute the legacy `X-Plivo-Signature-V2` value (no query, no params, no separator). */
export function computeSignatureV2(input: SignatureV2Input): string {
  const { base } = splitUrl(byteString(input.url));
  return hmacBase64(input.authToken, base + byteString(input.nonce));
}

/** Validate a legacy V2 signature header; never throws. */
export function validateSignatureV2(input: SignatureV2Input & { signature: string }): boolean {
  if (!input.signature || !input.nonce || !input.authToken) return false;
  return matchesAny(input.signature, computeSignatureV2(input));
}
