// The one token helper behind the call context (`ctx`) and the browser phone sessions:
// AES-256-GCM with HKDF-derived keys, versioned, expiring, and opaque to whoever reads the URL.
import { describe, expect, it } from 'vitest';
import { PhoneTokens } from '../../src/dashboard/phone-tokens.js';
import { CallContextCodec } from '../../src/server/call-context.js';
import { SealedTokens } from '../../src/server/sealed-token.js';

const CALL = { CallUUID: 'c-1', From: '+14155550100', To: '+14155550199', CallerName: 'Ada Lovelace', Direction: 'inbound' };

/** Every readable rendering of a token a proxy log could hold. */
function readings(token: string): string {
  const parts = token.split('.');
  return [token, ...parts.map((p) => Buffer.from(p, 'base64url').toString('latin1')), ...parts.map((p) => Buffer.from(p, 'base64').toString('latin1'))].join('\n');
}

describe('sealed tokens', () => {
  it('the ctx token hides the caller\'s numbers and name, and still carries them to the stream', () => {
    const codec = new CallContextCodec('TOKEN_0123456789');
    const token = codec.encode(CALL, 1_000);
    for (const secret of ['+14155550100', '4155550100', '14155550199', 'Ada Lovelace', 'Lovelace']) expect(readings(token)).not.toContain(secret);
    expect(token.startsWith('v1.')).toBe(true);
    expect(codec.decode(token, 2_000)).toEqual(CALL);
    // A random nonce per token: the same call never gives the same token twice.
    expect(codec.encode(CALL, 1_000)).not.toBe(token);
    // The key is derived from the server secret: another server's secret cannot open it.
    expect(new CallContextCodec('TOKEN_9876543210').decode(token, 2_000)).toBeUndefined();
    expect(new CallContextCodec('TOKEN_0123456789').decode(token, 2_000)).toEqual(CALL);
  });

  it('refuses a changed byte, a wrong version, another purpose\'s token, junk and an expired token', () => {
    const codec = new CallContextCodec('TOKEN_0123456789');
    const token = codec.encode(CALL, 1_000);
    const raw = Buffer.from(token.slice(3), 'base64url');
    for (let i = 0; i < raw.length; i += 7) {
      const bad = Buffer.from(raw);
      bad[i] = (bad[i] as number) ^ 0x01;
      expect(codec.decode(`v1.${bad.toString('base64url')}`, 2_000)).toBeUndefined();
    }
    expect(codec.decode(`v2.${token.slice(3)}`, 2_000)).toBeUndefined();
    expect(codec.decode(token.slice(0, -4), 2_000)).toBeUndefined();
    for (const junk of ['', 'v1.', 'v1.AAAA', 'eyJwIjp7fX0.forged', 'x'.repeat(5000)]) expect(codec.decode(junk, 2_000)).toBeUndefined();
    // Kept for 24 h, not a millisecond more.
    expect(codec.decode(token, 1_000 + 24 * 3_600_000 - 1)).toEqual(CALL);
    expect(codec.decode(token, 1_000 + 24 * 3_600_000)).toBeUndefined();
    // Same secret, another purpose: a phone token never opens as a call context and back.
    const phone = new SealedTokens('phone', 'TOKEN_0123456789').seal({ From: 'x' }, 5_000);
    expect(codec.decode(phone, 2_000)).toBeUndefined();
    expect(new SealedTokens('phone', 'TOKEN_0123456789').open(phone, 2_000)).toEqual({ From: 'x' });
  });

  it('phone tokens are sealed by the same helper: opaque, bound to their call and stream ids', () => {
    const tokens = new PhoneTokens(60_000, () => 10_000);
    const s = tokens.mint();
    expect(s.token.startsWith('v1.')).toBe(true);
    expect(readings(s.token)).not.toContain(s.streamId);
    expect(tokens.verify(s.token)).toEqual({ params: expect.objectContaining({ CallUUID: s.callId }), streamId: s.streamId });
  });
});
