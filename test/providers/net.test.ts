import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { CartesiaTts } from '../../src/providers/cartesia/tts.js';
import { DeepgramStt } from '../../src/providers/deepgram/stt.js';
import { keyHint, redactSecret, resolveApiKey } from '../../src/providers/net/api-key.js';
import { httpAndWsBase } from '../../src/providers/net/base-url.js';
import { failureError, parseRetryAfter } from '../../src/providers/net/failure.js';
import { backoffDelay, retryPolicy } from '../../src/providers/net/retry.js';
import { SseDecoder } from '../../src/providers/net/sse.js';
import type { VendorInfo } from '../../src/providers/net/vendor.js';

const V: VendorInfo = { id: 'acme', label: 'Acme', envVar: 'ACME_API_KEY', kind: 'llm' };

describe('SseDecoder', () => {
  it('decodes data lines, multi-line data, event names, comments and all three line endings', () => {
    const d = new SseDecoder();
    const events = d.push(': comment\r\ndata: {"a":1}\r\n\r\nevent: ping\ndata: x\ndata: y\n\ndata:z\r\r');
    expect(events).toEqual([
      { event: undefined, data: '{"a":1}' },
      { event: 'ping', data: 'x\ny' },
      { event: undefined, data: 'z' },
    ]);
  });

  it('gives the same events however the stream is split into chunks (CRLF split across chunks too)', () => {
    const stream = 'data: {"choices":[{"delta":{"content":"hi"}}]}\r\n\r\nevent: e\r\ndata: a\r\ndata: b\r\n\r\ndata: [DONE]\r\n\r\n';
    const whole = new SseDecoder().push(stream);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const d = new SseDecoder();
        const out = [];
        let prev = 0;
        for (const p of [...points, stream.length]) {
          out.push(...d.push(stream.slice(prev, p)));
          prev = p;
        }
        expect(out).toEqual(whole);
      }),
    );
  });

  it('refuses a line longer than its limit', () => {
    expect(() => new SseDecoder(16).push('data: 0123456789abcdef')).toThrow(RangeError);
  });

  it('refuses an event whose data lines outgrow its limit before any blank line ends it', () => {
    const d = new SseDecoder(64, 100);
    expect(d.push('data: 0123456789\n'.repeat(9))).toEqual([]);
    expect(() => d.push('data: 0123456789\n')).toThrow(/SSE event longer than 100/);
    // Ended events release what they gathered: many small events never trip the limit.
    const e = new SseDecoder(64, 100);
    for (let i = 0; i < 50; i++) expect(e.push('data: 0123456789\ndata: x\n\n')).toHaveLength(1);
  });
});

describe('backoff', () => {
  const retryable = new ProviderError('PROVIDER_UNAVAILABLE', 'acme', 'down');
  it('grows exponentially with equal jitter, capped, and stops when attempts are spent', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (attempt, r) => {
        const p = retryPolicy({ attempts: 9, baseDelayMs: 100, maxDelayMs: 1000, random: () => r });
        const d = backoffDelay(attempt, retryable, p) as number;
        const step = Math.min(1000, 100 * 2 ** (attempt - 1));
        expect(d).toBeGreaterThanOrEqual(step / 2);
        expect(d).toBeLessThanOrEqual(step);
      }),
    );
    expect(backoffDelay(3, retryable, retryPolicy({ attempts: 3 }))).toBeUndefined();
  });

  it('never retries non-retryable errors or plain Errors; honours Retry-After up to the cap', () => {
    const p = retryPolicy({ random: () => 0 });
    expect(backoffDelay(1, new ProviderError('PROVIDER_AUTH_FAILED', 'acme', 'no'), p)).toBeUndefined();
    expect(backoffDelay(1, new Error('x'), p)).toBeUndefined();
    const limited = (ms: number) => new ProviderError('PROVIDER_RATE_LIMITED', 'acme', 'slow', { details: { retryAfterMs: ms } });
    expect(backoffDelay(1, limited(1500), p)).toBe(1500);
    expect(backoffDelay(1, limited(20_000), p)).toBeUndefined();
  });

  it('refuses retry settings out of range with CONFIG_INVALID (attempts NaN used to retry forever)', () => {
    const refused = (message: string) => expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(message) });
    for (const attempts of [Number.NaN, 0, -1, 2.5, Number.POSITIVE_INFINITY, 101]) {
      expect(() => retryPolicy({ attempts })).toThrow(refused('retry.attempts must be a whole number from 1 to 100'));
    }
    for (const key of ['baseDelayMs', 'maxDelayMs', 'maxRetryAfterMs'] as const) {
      for (const v of [Number.NaN, -1, Number.POSITIVE_INFINITY, 600_001]) {
        expect(() => retryPolicy({ [key]: v }, 'reconnect')).toThrow(refused(`reconnect.${key} must be 0 to 600000 ms`));
      }
    }
    expect(() => retryPolicy({ random: 0.5 as never })).toThrow(refused('retry.random must be a function'));
    expect(() => retryPolicy(null as never)).toThrow(refused('retry must be an object'));
    // Through a provider's options, at construction.
    expect(() => new CartesiaTts({ apiKey: 'k', env: {}, voiceId: 'v', retry: { attempts: Number.NaN } })).toThrow(refused('retry.attempts'));
    expect(() => new DeepgramStt({ apiKey: 'k', env: {}, reconnect: { attempts: Number.NaN } })).toThrow(refused('reconnect.attempts'));
    expect(retryPolicy({ attempts: 1, baseDelayMs: 0, maxDelayMs: 0, maxRetryAfterMs: 0 })).toMatchObject({ attempts: 1, baseDelayMs: 0 });
  });
});

describe('vendor failures', () => {
  const ctx = { what: 'chat', secret: 'sk-secret-value-123' };
  it.each([
    [401, undefined, 'PROVIDER_AUTH_FAILED', false],
    [403, undefined, 'PROVIDER_AUTH_FAILED', false],
    [402, undefined, 'PROVIDER_QUOTA_EXCEEDED', false],
    [429, 'rate_limit_exceeded', 'PROVIDER_RATE_LIMITED', true],
    [429, 'insufficient_quota', 'PROVIDER_QUOTA_EXCEEDED', false],
    [400, undefined, 'PROVIDER_BAD_REQUEST', false],
    [404, 'model_not_found', 'PROVIDER_BAD_REQUEST', false],
    [408, undefined, 'PROVIDER_UNAVAILABLE', true],
    [503, undefined, 'PROVIDER_UNAVAILABLE', true],
  ] as const)('%i %s -> %s', (status, vendorCode, code, retryable) => {
    const e = failureError(V, { status, vendorCode, vendorMessage: 'echo sk-secret-value-123 back' }, ctx);
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(retryable);
    expect(e.provider).toBe('acme');
    expect(e.message).not.toContain('sk-secret-value-123');
    if (code === 'PROVIDER_AUTH_FAILED') expect(e.message).toContain(`ACME_API_KEY was rejected (${status})`);
  });

  it('parses Retry-After as ms, seconds or an HTTP date', () => {
    expect(parseRetryAfter((n) => ({ 'retry-after-ms': '250' })[n])).toBe(250);
    expect(parseRetryAfter((n) => ({ 'retry-after': '2' })[n])).toBe(2000);
    const date = new Date(Date.now() + 5000).toUTCString();
    const ms = parseRetryAfter((n) => ({ 'retry-after': date })[n]) as number;
    expect(ms).toBeGreaterThan(3000);
    expect(ms).toBeLessThanOrEqual(5000);
    expect(parseRetryAfter(() => undefined)).toBeUndefined();
  });
});

describe('API keys and base URLs', () => {
  it('reads the documented env var, rejects whitespace, hints without revealing', () => {
    expect(resolveApiKey(V, undefined, { env: { ACME_API_KEY: ' abc ' } })).toBe('abc');
    expect(() => resolveApiKey(V, undefined, { env: {} })).toThrow(/set ACME_API_KEY/);
    expect(resolveApiKey(V, undefined, { env: {}, required: false })).toBe('');
    expect(() => resolveApiKey(V, 'ab c', { env: {} })).toThrow(/whitespace/);
    expect(keyHint('sk-1234567890abcd')).toBe('…abcd');
    expect(redactSecret('key sk-1234567890abcd used', 'sk-1234567890abcd')).toBe('key *** used');
  });

  it('derives http and ws endpoints from one base', () => {
    expect(httpAndWsBase('https://api.x.com/', 'X')).toEqual({ http: 'https://api.x.com', ws: 'wss://api.x.com' });
    expect(httpAndWsBase('ws://127.0.0.1:9/base', 'X')).toEqual({ http: 'http://127.0.0.1:9/base', ws: 'ws://127.0.0.1:9/base' });
    expect(() => httpAndWsBase('ftp://x', 'X')).toThrow(/http\(s\) or ws\(s\)/);
  });
});
