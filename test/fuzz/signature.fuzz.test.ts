// The signature validator with hostile inputs: arbitrary methods, URLs, nonces, tokens,
// params (prototype keys included) and header values, and the server's request check
// (several headers, repeated headers, replay cache). Properties: validation never throws and
// says yes only to a signature computed with the token over the same request; every
// tampered field is refused; the replay cache refuses a reused nonce and stays bounded.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { computeSignatureV3, signatureBaseV3, validateSignatureV2, validateSignatureV3, type SignatureParams } from '../../src/protocol/index.js';
import { NonceCache } from '../../src/server/nonce-cache.js';
import { checkSignature } from '../../src/server/signature-check.js';
import { PROTOTYPE_KEYS, growthAfter, onlyCallwireErrors, params } from './support.js';

const text = fc.string({ unit: 'binary', maxLength: 40 });
const key = fc.oneof(text, fc.constantFrom(...PROTOTYPE_KEYS, '', 'a=b', 'a&b'));
const value = fc.oneof(text, fc.integer(), fc.array(fc.oneof(text, fc.integer()), { maxLength: 3 }));
const formParams: fc.Arbitrary<SignatureParams> = fc.dictionary(key, value, { maxKeys: 6 });
const url = fc.oneof(
  fc.webUrl({ validSchemes: ['https', 'http', 'wss', 'ws'], withQueryParameters: true, withFragments: true }),
  fc.tuple(fc.constantFrom('https://', 'wss://', '//', '', 'x:'), text, fc.constantFrom('', '?', '?a=%', '?a=%E0%A4%A', '#', '@', '?__proto__=1&a=1&a=2')).map((p) => p.join('')),
  text,
);
const method = fc.oneof(fc.constantFrom('GET', 'POST', 'get', 'post', 'PUT', ''), text);
const request = fc.record({ method, url, nonce: text, authToken: text, params: formParams, signature: fc.oneof(text, fc.base64String({ maxLength: 88 })) });

function flip(s: string, i: number): string {
  const at = i % s.length;
  const c = s[at] === 'A' ? 'B' : 'A';
  return s.slice(0, at) + c + s.slice(at + 1);
}

describe('fuzz: signature validation', () => {
  it('arbitrary inputs: validate never throws and refuses; compute throws only SignatureError', () => {
    fc.assert(
      fc.property(request, (r) => {
        expect(validateSignatureV3(r)).toBe(false);
        expect(validateSignatureV2(r)).toBe(false);
        onlyCallwireErrors(() => computeSignatureV3(r), ['signature']);
        onlyCallwireErrors(() => signatureBaseV3(r.method, r.url, r.params), ['signature']);
      }),
      params(10_000),
    );
  });

  it('a correct signature validates, alone or among others; any tampering is refused', () => {
    const signable = fc.record({ method: fc.constantFrom('GET', 'POST'), url, nonce: text.filter((s) => s !== ''), authToken: text.filter((s) => s !== ''), params: formParams });
    fc.assert(
      fc.property(signable, fc.nat(), (r, i) => {
        const good = computeSignatureV3(r);
        expect(validateSignatureV3({ ...r, signature: good })).toBe(true);
        expect(validateSignatureV3({ ...r, signature: `${flip(good, i)}, ${good}` })).toBe(true);
        expect(validateSignatureV3({ ...r, signature: flip(good, i) })).toBe(false);
        expect(validateSignatureV3({ ...r, signature: good.slice(0, -1) })).toBe(false);
        expect(validateSignatureV3({ ...r, nonce: `${r.nonce}0`, signature: good })).toBe(false);
        expect(validateSignatureV3({ ...r, authToken: `${r.authToken}0`, signature: good })).toBe(false);
        // The other method signs another string, except when both reduce to the bare URL.
        const other = r.method === 'GET' ? 'POST' : 'GET';
        const same = signatureBaseV3(other, r.url, r.params) === signatureBaseV3(r.method, r.url, r.params);
        expect(validateSignatureV3({ ...r, method: other, signature: good })).toBe(same);
      }),
      params(4000),
    );
  });

  it('a POST param changed or added is refused', () => {
    fc.assert(
      fc.property(url, fc.dictionary(fc.stringMatching(/^[A-Za-z]{1,8}$/), fc.stringMatching(/^[a-z0-9]{0,8}$/), { minKeys: 1, maxKeys: 5 }), text, (u, p, extra) => {
        const r = { method: 'POST', url: u, nonce: '1234567890', authToken: 'TOKEN_0123456789', params: p };
        const signature = computeSignatureV3(r);
        const k = Object.keys(p)[0] as string;
        expect(validateSignatureV3({ ...r, params: { ...p, [k]: `${p[k]}x` }, signature })).toBe(false);
        expect(validateSignatureV3({ ...r, params: { ...p, zzzExtra: extra }, signature })).toBe(false);
      }),
      params(2000),
    );
  });
});

describe('fuzz: the server request check', () => {
  const headerValue = fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.constant(undefined));
  const headers = fc.record({ 'x-plivo-signature-v3': headerValue, 'x-plivo-signature-ma-v3': headerValue, 'x-plivo-signature-v3-nonce': headerValue }, { requiredKeys: [] });

  it('arbitrary and repeated headers: a coded refusal, never a throw, never an accept', () => {
    const nonces = new NonceCache(new ManualClock(0), 600_000);
    fc.assert(
      fc.property(headers, fc.array(url, { minLength: 1, maxLength: 4 }), formParams, fc.constantFrom('GET' as const, 'POST' as const), (h, candidates, p, m) => {
        const r = checkSignature({ authToken: 'TOKEN_0123456789', mainAuthToken: 'MAIN_0123456789', nonces }, m, candidates, h, p);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(['SIGNATURE_MISSING', 'SIGNATURE_MISMATCH']).toContain(r.code);
      }),
      params(5000),
    );
  });

  it('the same nonce is refused within the window, accepted after it; the cache stays bounded', () => {
    const clock = new ManualClock(0);
    const nonces = new NonceCache(clock, 60_000, 1000);
    const signed = (nonce: string) => ({ 'x-plivo-signature-v3': computeSignatureV3({ method: 'GET', url: 'wss://h/plivo/stream', nonce, authToken: 'T0123456789' }), 'x-plivo-signature-v3-nonce': nonce });
    const check = (nonce: string) => checkSignature({ authToken: 'T0123456789', nonces }, 'GET', ['wss://h/plivo/stream'], signed(nonce), {});
    expect(check('n-1').ok).toBe(true);
    clock.advance(59_000);
    expect(check('n-1')).toMatchObject({ ok: false, code: 'SIGNATURE_REPLAYED' });
    clock.advance(2000);
    expect(check('n-1').ok).toBe(true);
    // A flood of valid, distinct nonces: memory stays bounded by the entry cap.
    const growth = growthAfter(() => {
      for (let i = 0; i < 5000; i++) check(randomUUID());
    }, 8);
    expect(growth).toBeLessThan(1024 * 1024);
  });
});
