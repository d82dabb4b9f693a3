// The Stream XML builder with hostile inputs, and the answer-XML reader with mutated and
// arbitrary documents. Properties: only XmlError (or the format's ProtocolError) escapes;
// whatever the builder emits is a well-formed document whose <Stream> reads back to exactly
// the inputs, with a wss:// URL unless ws:// was allowed, and with no character XML 1.0
// forbids or a parser would rewrite (so Plivo reads the URL we validated).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STREAM_FORMATS, readStreamXml, streamXml, type StreamXmlOptions } from '../../src/protocol/index.js';
import { PROTOTYPE_KEYS, growthAfter, onlyCallwireErrors, params } from './support.js';

const anyText = fc.string({ unit: 'binary', maxLength: 24 });
const protoKey = fc.constantFrom(...PROTOTYPE_KEYS);
const scheme = fc.constantFrom('wss://', 'ws://', 'WSS://', 'https://', 'http://', '', 'wss:', 'javascript:', ' wss://', 'wss:///');
const host = fc.oneof(fc.domain(), fc.constantFrom('127.0.0.1', '[::1]', 'agent.example.com:8443', 'user:pw@h', ''), anyText);
const path = fc.oneof(fc.constantFrom('', '/plivo/stream', '/a?b=1&c=2', '/p#frag', '/é/日本', '/a b', '/\n', '/\t'), fc.webPath(), anyText);
const url = fc.oneof(
  fc.tuple(scheme, host, path).map(([s, h, p]) => s + h + p),
  fc.webUrl({ validSchemes: ['wss', 'ws', 'https'], withQueryParameters: true, withFragments: true }),
  anyText,
);
const headerRecord = fc.dictionary(fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{1,12}$/), anyText, protoKey), fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{0,40}$/), anyText), { maxKeys: 6 });
const options: fc.Arbitrary<StreamXmlOptions> = fc.record(
  {
    url,
    format: fc.oneof(fc.constantFrom('mulaw/8000', 'l16/8000', 'l16/16000', 'mulaw8k', 'l16-16k', 'audio/x-l16;rate=8000'), anyText, protoKey) as fc.Arbitrary<StreamXmlOptions['format']>,
    bidirectional: fc.boolean(),
    audioTrack: fc.oneof(fc.constantFrom('inbound', 'outbound', 'both'), anyText, protoKey) as fc.Arbitrary<StreamXmlOptions['audioTrack']>,
    streamTimeout: fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.double(), fc.constantFrom(0, 86400, Number.NaN, Number.POSITIVE_INFINITY)),
    statusCallbackUrl: fc.oneof(fc.webUrl(), fc.tuple(fc.constantFrom('https://', 'http://', 'ftp://', ''), host, path).map(([s, h, p]) => s + h + p)),
    statusCallbackMethod: fc.oneof(fc.constantFrom('GET', 'POST'), anyText, protoKey) as fc.Arbitrary<'GET' | 'POST'>,
    extraHeaders: fc.oneof(headerRecord, anyText, fc.stringMatching(/^([A-Za-z0-9]{1,8}=[A-Za-z0-9]{0,8}[,;]){0,80}$/)),
    keepCallAlive: fc.boolean(),
    allowInsecure: fc.boolean(),
  },
  { requiredKeys: ['url', 'format'] },
);

// XML 1.0 Char, minus what a parser rewrites: CR and tab are normalised, and in attribute
// values a newline becomes a space. The builder itself writes only "\n" between elements.
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function check(o: StreamXmlOptions): void {
  const xml = onlyCallwireErrors(() => streamXml(o), ['xml', 'protocol']);
  if (xml === undefined) return;
  expect(FORBIDDEN.test(xml)).toBe(false);
  const element = xml.slice(xml.indexOf('<Stream'), xml.indexOf('</Stream>'));
  // Between the tags only the builder's own line breaks: none inside <Stream ...>url.
  expect(/[\r\n\t]/.test(element)).toBe(false);
  const info = readStreamXml(xml);
  const u = o.url.trim();
  expect(info.url).toBe(u);
  expect(/^wss:\/\//i.test(u) || (o.allowInsecure === true && /^ws:\/\//i.test(u))).toBe(true);
  const format = typeof o.format === 'string' ? Object.values(STREAM_FORMATS).find((f) => f.contentType === info.contentType) : o.format;
  expect(info.format).toBe(format);
  expect(info.bidirectional).toBe(o.bidirectional ?? true);
  expect(info.keepCallAlive).toBe(o.keepCallAlive ?? true);
  if (o.statusCallbackUrl !== undefined) expect(info.statusCallbackUrl).toBe(o.statusCallbackUrl);
  if (o.streamTimeout !== undefined) expect(info.streamTimeout).toBe(o.streamTimeout);
  expect(/^[A-Za-z0-9=,]*$/.test(info.extraHeaders)).toBe(true);
}

// Mutations of a valid document: flips, cuts, inserted markup.
const doc = streamXml({ url: 'wss://agent.example.com/plivo/stream?ctx=abc&x=1', format: 'mulaw/8000', statusCallbackUrl: 'https://agent.example.com/plivo/status', extraHeaders: { a: '1', b: '2' }, streamTimeout: 60 });
const insertions = ['<', '>', '&', '&amp;', '&#x110000;', '&#0;', '"', "'", '<!--', '<![CDATA[', '<!DOCTYPE x>', '</Stream>', '<Stream>', '/', '=', '\u0000', '<a b="1" b="2">'];
const mutated = fc
  .array(fc.tuple(fc.nat(), fc.nat(insertions.length - 1), fc.constantFrom('insert', 'cut', 'delete', 'dup')), { minLength: 1, maxLength: 5 })
  .map((ops) => {
    let s = doc;
    for (const [pos, k, op] of ops) {
      const i = pos % (s.length + 1);
      if (op === 'insert') s = s.slice(0, i) + insertions[k] + s.slice(i);
      else if (op === 'cut') s = s.slice(0, i);
      else if (op === 'delete') s = s.slice(0, i) + s.slice(i + 3);
      else s = s.slice(0, i) + s.slice(i, i + 40) + s.slice(i);
    }
    return s;
  });

describe('fuzz: Stream XML builder', () => {
  it('hostile options: only coded errors, and whatever is emitted reads back to the inputs', () => {
    fc.assert(fc.property(options, check), params(6000));
  });

  it('refuses what Plivo rejects: ws:// without allowInsecure, bad extraHeaders, a bad timeout', () => {
    const base = { url: 'wss://a.example.com/s', format: 'mulaw/8000' as const };
    const code = (o: StreamXmlOptions): string | undefined => {
      try {
        streamXml(o);
        return undefined;
      } catch (e) {
        return (e as { code?: string }).code;
      }
    };
    expect(code({ ...base, url: 'ws://a.example.com/s' })).toBe('XML_INSECURE_URL');
    expect(code({ ...base, url: 'ws://a.example.com/s', allowInsecure: true })).toBeUndefined();
    expect(code({ ...base, extraHeaders: { 'a-b': '1' } })).toBe('XML_INVALID_EXTRA_HEADERS');
    expect(code({ ...base, extraHeaders: { a: '+1415' } })).toBe('XML_INVALID_EXTRA_HEADERS');
    expect(code({ ...base, extraHeaders: { a: 'x'.repeat(600) } })).toBe('XML_EXTRA_HEADERS_TOO_LONG');
    expect(code({ ...base, streamTimeout: 1.5 })).toBe('XML_INVALID_TIMEOUT');
    expect(code({ ...base, url: 'wss://a.example.com/s\nx' })).toBe('XML_INVALID_URL');
  });
});

describe('fuzz: answer XML reader', () => {
  it('mutated documents and arbitrary text: only XmlError escapes', () => {
    fc.assert(fc.property(fc.oneof(mutated, fc.string({ unit: 'binary', maxLength: 300 })), (s) => void onlyCallwireErrors(() => readStreamXml(s), ['xml'])), params(20_000));
  });

  it('pathological documents are refused quickly: deep nesting, huge input, entity storms', () => {
    const bad = ['<Response>'.repeat(10_000), `<Response>${'&amp;'.repeat(200_000)}</Response>`, '<'.repeat(1_100_000), `<Response ${'a="1" '.repeat(50_000)}/>`, `<!--${'-'.repeat(500_000)}`];
    for (const s of bad) onlyCallwireErrors(() => readStreamXml(s), ['xml']);
  });

  it('memory stays bounded over many documents', () => {
    const samples = fc.sample(fc.oneof(mutated, options.map((o) => onlyCallwireErrors(() => streamXml(o)) ?? '')), 2000);
    const growth = growthAfter(() => {
      for (const s of samples) onlyCallwireErrors(() => readStreamXml(s));
    }, 10);
    expect(growth).toBeLessThan(2 * 1024 * 1024);
  });
});
