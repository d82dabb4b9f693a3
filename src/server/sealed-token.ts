/**
 * Sealed tokens: the one helper behind every token this server hands out and later trusts
 * (the call context `ctx` in the stream URL, the dashboard's browser phone sessions) and
 * behind its own MACs (transfer destinations).
 *
 * A token is `v1.` + base64url(nonce ‖ ciphertext ‖ tag): the claims as JSON with their
 * expiry, encrypted and authenticated with AES-256-GCM under a key derived from the server
 * secret with HKDF-SHA256 (a separate key per purpose, so a phone token never opens as a
 * call context). A random 96-bit nonce per token (NIST SP 800-38D §8.2.2). Encrypted, not
 * just signed: the call context carries the caller's numbers and name, and the stream URL
 * lands in every proxy's access log. GCM's tag check is OpenSSL's constant-time compare;
 * the version prefix is public and compared plainly. The format is versioned so a new one
 * can be read beside the old during a rollout.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** What {@link SealedTokens.seal} binds with the claims. */
interface Sealed {
  /** Expiry, epoch ms. */
  readonly e: number;
  /** The claims. */
  readonly c: Record<string, unknown>;
}

/** Seals and opens tokens of one purpose. */
export class SealedTokens {
  readonly #encKey: Buffer;
  readonly #macKey: Buffer;
  readonly #aad: Buffer;
  readonly #maxLength: number;

  /**
   * @param purpose what the tokens are for (`ctx`, `phone`): part of the key derivation and the AAD
   * @param secret the server secret (the auth token works); a random per-process one when absent
   * @param maxLength tokens longer than this are refused before any work (default 4096)
   */
  constructor(purpose: string, secret?: string, maxLength = 4096) {
    const ikm = secret !== undefined && secret !== '' ? Buffer.from(secret, 'utf8') : randomBytes(32);
    const derive = (use: string): Buffer => Buffer.from(hkdfSync('sha256', ikm, 'callwire', `callwire/${purpose}/${use}/${VERSION}`, 32));
    this.#encKey = derive('aes-256-gcm');
    this.#macKey = derive('hmac-sha256');
    this.#aad = Buffer.from(`callwire:${purpose}:${VERSION}`);
    this.#maxLength = maxLength;
  }

  /** Encrypt `claims` (JSON-serialisable) into a token valid until `expiresAt` (epoch ms). */
  seal(claims: Record<string, unknown>, expiresAt: number): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#encKey, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(this.#aad);
    const body: Sealed = { e: expiresAt, c: claims };
    const ct = Buffer.concat([cipher.update(JSON.stringify(body), 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([nonce, ct, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /** The claims of an authentic, unexpired token; undefined when forged, malformed, too long or expired. */
  open(token: string, now: number): Record<string, unknown> | undefined {
    if (typeof token !== 'string' || token.length > this.#maxLength || !token.startsWith(`${VERSION}.`)) return undefined;
    const raw = Buffer.from(token.slice(VERSION.length + 1), 'base64url');
    if (raw.length < NONCE_BYTES + TAG_BYTES + 2) return undefined;
    let text: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#encKey, raw.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(this.#aad);
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      text = Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      // final() throws when the tag does not match: forged or changed.
      return undefined;
    }
    let body: Partial<Sealed>;
    try {
      body = JSON.parse(text) as Partial<Sealed>;
    } catch {
      return undefined;
    }
    if (typeof body.e !== 'number' || !(body.e > now) || typeof body.c !== 'object' || body.c === null) return undefined;
    return body.c;
  }

  /** A MAC of `text` under this purpose's key (base64url, 27 characters). */
  mac(text: string): string {
    return createHmac('sha256', this.#macKey).update(text).digest('base64url').slice(0, 27);
  }

  /** Check a MAC from {@link mac} in constant time. */
  verifyMac(text: string, mac: string): boolean {
    const want = Buffer.from(this.mac(text));
    const got = Buffer.from(typeof mac === 'string' ? mac : '');
    return got.length === want.length && timingSafeEqual(got, want);
  }
}
