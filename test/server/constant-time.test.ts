// Signatures (and the server's own MACs) are compared with crypto.timingSafeEqual, never with
// ===: a comparison that stops at the first differing byte tells an attacker, by its timing,
// how much of a forged signature was right. Timing itself is not measured (no wall-clock
// assertions); the comparison primitive is.
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';

const compare = vi.hoisted(() => ({ calls: 0, gcmTags: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return {
    ...real,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compare.calls++;
      return real.timingSafeEqual(a, b);
    },
    // Sealed tokens are authenticated by AES-256-GCM: OpenSSL compares the tag in constant time.
    createDecipheriv: (...args: Parameters<typeof real.createDecipheriv>) => {
      const d = real.createDecipheriv(...args) as import('node:crypto').DecipherGCM;
      const setAuthTag = d.setAuthTag.bind(d);
      d.setAuthTag = (tag: NodeJS.ArrayBufferView) => {
        if (args[0] === 'aes-256-gcm' && tag.byteLength === 16) compare.gcmTags++;
        return setAuthTag(tag);
      };
      return d;
    },
  };
});

const { computeSignatureV3, validateSignatureV3 } = await import('../../src/protocol/signature.js');
const { CallContextCodec } = await import('../../src/server/call-context.js');
const { DashboardAccess } = await import('../../src/dashboard/access.js');
const { PhoneTokens } = await import('../../src/dashboard/phone-tokens.js');

describe('constant-time comparisons', () => {
  it('a V3 signature of the right length is compared with timingSafeEqual, for a match and a mismatch', () => {
    const r = { method: 'GET', url: 'wss://agent.example.com/plivo/stream', nonce: randomUUID(), authToken: 'TOKEN_0123456789' };
    const good = computeSignatureV3(r);
    const forged = `${good[0] === 'A' ? 'B' : 'A'}${good.slice(1)}`;
    compare.calls = 0;
    expect(validateSignatureV3({ ...r, signature: good })).toBe(true);
    expect(compare.calls).toBe(1);
    expect(validateSignatureV3({ ...r, signature: forged })).toBe(false);
    expect(compare.calls).toBe(2);
  });

  it('the server\'s transfer MAC is compared with timingSafeEqual', () => {
    const codec = new CallContextCodec('TOKEN_0123456789');
    const mac = codec.signTransfer('+14155550100');
    compare.calls = 0;
    expect(codec.verifyTransfer('+14155550100', mac)).toBe(true);
    expect(codec.verifyTransfer('+14155550100', `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`)).toBe(false);
    expect(compare.calls).toBe(2);
  });

  it('the dashboard token and its session cookie are compared with timingSafeEqual', () => {
    const access = new DashboardAccess('DASHBOARD_TOKEN_0123456789');
    compare.calls = 0;
    expect(access.tokenMatches('DASHBOARD_TOKEN_0123456789')).toBe(true);
    expect(access.tokenMatches('DASHBOARD_TOKEN_012345678X')).toBe(false);
    expect(access.tokenMatches('short')).toBe(false);
    expect(compare.calls).toBe(3);
    access.bind('0.0.0.0');
    const cookie = access.sessionCookie(false).split(';')[0] as string;
    compare.calls = 0;
    expect(access.allowed({ headers: { cookie } } as never)).toBe(true);
    expect(compare.calls).toBe(1);
  });

  it('browser phone and call context tokens are checked by their full 16-byte AES-GCM tag, never a string compare', () => {
    const tokens = new PhoneTokens();
    const { token } = tokens.mint();
    compare.gcmTags = 0;
    // A character in the middle: all six of its bits are data (the last one may hold padding bits).
    const mid = Math.floor(token.length / 2);
    expect(tokens.verify(`${token.slice(0, mid)}${token[mid] === 'A' ? 'B' : 'A'}${token.slice(mid + 1)}`)).toBeUndefined();
    expect(tokens.verify(token)).toBeDefined();
    const codec = new CallContextCodec('TOKEN_0123456789');
    expect(codec.decode(codec.encode({ From: '+14155550100' }))).toEqual({ From: '+14155550100' });
    expect(compare.gcmTags).toBe(3);
  });
});
