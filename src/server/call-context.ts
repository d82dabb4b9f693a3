/**
 * Carries the answer request's call parameters (CallUUID, From, To, Direction, ...) to the
 * stream, as a sealed token in the stream URL's query (`?ctx=...`).
 *
 * Why not `extraHeaders`: Plivo allows only [A-Za-z0-9] in them and at most 512 bytes
 * (docs/plivo-protocol.md §1.2), so `+14155550100` or a caller name cannot pass. The token is
 * encrypted and authenticated ({@link SealedTokens}) with a key derived from the server
 * secret: a client cannot forge who is calling, and the caller's numbers and name do not sit
 * readable in every proxy's access log. When Plivo signatures are on, Plivo's own signature
 * covers the whole URL including the token.
 */
import { SealedTokens } from './sealed-token.js';

/** Parameters copied from the answer request. */
export const CONTEXT_PARAMS = ['CallUUID', 'From', 'To', 'Direction', 'CallerName', 'CallStatus', 'ParentUUID', 'ForwardedFrom', 'SIP-H-To'] as const;

const MAX_AGE_MS = 24 * 60 * 60 * 1000;

export class CallContextCodec {
  readonly #tokens: SealedTokens;

  /** @param secret a server secret (the auth token works); a random one is used if absent */
  constructor(secret?: string) {
    this.#tokens = new SealedTokens('ctx', secret);
  }

  /** Encode the relevant parameters of an answer request (valid for 24 h). */
  encode(params: Readonly<Record<string, string>>, now = Date.now()): string {
    const picked: Record<string, string> = {};
    for (const k of CONTEXT_PARAMS) {
      const v = params[k];
      if (v !== undefined && v !== '') picked[k] = v.slice(0, 128);
    }
    return this.#tokens.seal(picked, now + MAX_AGE_MS);
  }

  /** Decode and verify a token; undefined when forged, malformed or too old. */
  decode(token: string, now = Date.now()): Record<string, string> | undefined {
    const claims = this.#tokens.open(token, now);
    if (claims === undefined) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(claims)) if (typeof v === 'string') out[k] = v;
    return out;
  }

  /** A MAC binding a transfer destination, so /plivo/transfer dials only what the agent asked for. */
  signTransfer(to: string): string {
    return this.#tokens.mac(`transfer:${to}`);
  }

  /** Check a transfer MAC (constant time). */
  verifyTransfer(to: string, mac: string): boolean {
    return this.#tokens.verifyMac(`transfer:${to}`, mac);
  }
}
