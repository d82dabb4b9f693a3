/**
 * Carries the answer request's call parameters (CallUUID, From, To, Direction, ...) to the
 * stream, as a signed token in the stream URL's query (`?ctx=...`).
 *
 * Why not `extraHeaders`: Plivo allows only [A-Za-z0-9] in them and at most 512 bytes
 * (docs/plivo-protocol.md §1.2), so `+14155550100` or a caller name cannot pass. The token is
 * HMAC-signed with a server secret so a client cannot forge who is calling; when Plivo
 * signatures are on, Plivo's own signature covers the whole URL including the token.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Parameters copied from the answer request. */
export const CONTEXT_PARAMS = ['CallUUID', 'From', 'To', 'Direction', 'CallerName', 'CallStatus', 'ParentUUID', 'ForwardedFrom', 'SIP-H-To'] as const;

const MAX_AGE_MS = 24 * 60 * 60 * 1000;

export class CallContextCodec {
  readonly #key: Buffer;

  /** @param secret a server secret (the auth token works); a random one is used if absent */
  constructor(secret?: string) {
    this.#key = secret ? createHmac('sha256', 'callwire/ctx').update(secret).digest() : randomBytes(32);
  }

  /** Encode the relevant parameters of an answer request. */
  encode(params: Readonly<Record<string, string>>, now = Date.now()): string {
    const picked: Record<string, string> = {};
    for (const k of CONTEXT_PARAMS) {
      const v = params[k];
      if (v !== undefined && v !== '') picked[k] = v.slice(0, 128);
    }
    const body = Buffer.from(JSON.stringify({ p: picked, t: now })).toString('base64url');
    return `${body}.${this.#mac(body)}`;
  }

  /** Decode and verify a token; undefined when forged, malformed or too old. */
  decode(token: string, now = Date.now()): Record<string, string> | undefined {
    if (token.length > 4096) return undefined;
    const dot = token.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const body = token.slice(0, dot);
    const mac = Buffer.from(token.slice(dot + 1));
    const want = Buffer.from(this.#mac(body));
    if (mac.length !== want.length || !timingSafeEqual(mac, want)) return undefined;
    try {
      const o = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { p?: Record<string, string>; t?: number };
      if (typeof o.t !== 'number' || now - o.t > MAX_AGE_MS || typeof o.p !== 'object' || o.p === null) return undefined;
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(o.p)) if (typeof v === 'string') out[k] = v;
      return out;
    } catch {
      return undefined;
    }
  }

  /** A MAC binding a transfer destination, so /plivo/transfer dials only what the agent asked for. */
  signTransfer(to: string): string {
    return this.#mac(`transfer:${to}`);
  }

  /** Check a transfer MAC (constant time). */
  verifyTransfer(to: string, mac: string): boolean {
    const want = Buffer.from(this.signTransfer(to));
    const got = Buffer.from(mac);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url').slice(0, 27);
  }
}
