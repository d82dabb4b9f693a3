import { ProtocolError } from '../errors.js';

// Strict standard base64 (RFC 4648 §4) with padding. Buffer.from(s, 'base64') silently
// skips bad characters, which would turn a corrupted frame into quiet noise.
const STRICT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** True when `text` is canonical padded base64. */
export function isBase64(text: string): boolean {
  return text.length % 4 === 0 && STRICT.test(text);
}

/**
 * Decode strict base64 into bytes, or throw `PROTOCOL_INVALID_BASE64` naming `field`.
 * Also accepts unpadded input (some senders strip `=`), which is padded before checking.
 */
export function decodeBase64(text: string, field: string): Uint8Array {
  let s = text;
  const rem = s.length % 4;
  if (rem === 2) s += '==';
  else if (rem === 3) s += '=';
  if (!isBase64(s)) {
    throw new ProtocolError('PROTOCOL_INVALID_BASE64', `${field} is not valid base64 (${text.length} chars)`, {
      details: { field },
    });
  }
  // A dedicated allocation, not Node's shared 8 KiB pool: a frame kept by the application
  // (e.g. for a recording) must not pin a whole pool slab.
  const length = (s.length / 4) * 3 - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0);
  const out = Buffer.allocUnsafeSlow(length);
  out.write(s, 0, 'base64');
  return new Uint8Array(out.buffer, out.byteOffset, length);
}

/** Encode bytes as standard padded base64. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
