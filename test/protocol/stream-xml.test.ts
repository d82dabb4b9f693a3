import fc from 'fast-check';
import { plivo } from '../support/plivo-oracle.js';
import { describe, expect, it } from 'vitest';
import { isCallwireError } from '../../src/errors.js';
import { STREAM_FORMATS, parseXml, readStreamXml, streamAttributes, streamXml, type StreamXmlOptions } from '../../src/protocol/index.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isCallwireError(e) ? e.code : `other: ${String(e)}`;
  }
  return 'none';
}

/** Build the same element with the official SDK (the oracle) and parse both. */
function viaSdk(options: StreamXmlOptions): { attributes: Record<string, string>; text: string } {
  const r = new plivo.Response();
  const attrs = Object.fromEntries(streamAttributes(options));
  r.addStream(options.url, attrs);
  const root = parseXml(r.toXML());
  const el = root.children[0];
  if (el === undefined) throw new Error('SDK produced no element');
  return { attributes: { ...el.attributes }, text: el.text };
}

function viaUs(options: StreamXmlOptions): { attributes: Record<string, string>; text: string } {
  const el = parseXml(streamXml(options)).children[0];
  if (el === undefined) throw new Error('no element');
  return { attributes: { ...el.attributes }, text: el.text.trim() };
}

describe('streamXml', () => {
  it('emits the documented shape with contentType always explicit', () => {
    const xml = streamXml({ url: 'wss://example.com/plivo/stream', format: 'mulaw/8000' });
    expect(xml).toContain('<Response>');
    expect(xml).toContain(
      '<Stream bidirectional="true" audioTrack="inbound" contentType="audio/x-mulaw;rate=8000" keepCallAlive="true">wss://example.com/plivo/stream</Stream>',
    );
    const info = readStreamXml(xml);
    expect(info).toMatchObject({ url: 'wss://example.com/plivo/stream', bidirectional: true, keepCallAlive: true, audioTrack: 'inbound' });
    expect(info.format).toBe(STREAM_FORMATS['mulaw/8000']);
  });

  it('escapes & in the URL and quotes in attributes', () => {
    const xml = streamXml({ url: 'wss://h/s?a=1&b=2', format: 'l16/16000', statusCallbackUrl: 'https://h/cb?x="y"&z=<1>' });
    expect(xml).toContain('wss://h/s?a=1&amp;b=2');
    const info = readStreamXml(xml);
    expect(info.url).toBe('wss://h/s?a=1&b=2');
    expect(info.statusCallbackUrl).toBe('https://h/cb?x="y"&z=<1>');
    expect(info.format?.name).toBe('l16/16000');
  });

  it('refuses ws:// by default without claiming Plivo does: Plivo accepts ws:// and wss://', () => {
    let message = '';
    try {
      streamXml({ url: 'ws://h/s', format: 'mulaw/8000' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('Plivo accepts it');
    expect(message).not.toMatch(/Plivo (requires|needs|only)/);
  });

  it('refuses what Plivo would reject, with stable codes', () => {
    const base = { url: 'wss://h/s', format: 'mulaw/8000' } as const;
    expect(code(() => streamXml({ ...base, url: 'ws://h/s' }))).toBe('XML_INSECURE_URL');
    expect(code(() => streamXml({ ...base, url: 'ws://h/s', allowInsecure: true }))).toBe('none');
    expect(code(() => streamXml({ ...base, url: 'https://h/s' }))).toBe('XML_INSECURE_URL');
    expect(code(() => streamXml({ ...base, url: 'not a url' }))).toBe('XML_INVALID_URL');
    expect(code(() => streamXml({ ...base, audioTrack: 'both' }))).toBe('XML_INVALID_AUDIO_TRACK');
    expect(code(() => streamXml({ ...base, audioTrack: 'outbound' }))).toBe('XML_INVALID_AUDIO_TRACK');
    expect(code(() => streamXml({ ...base, bidirectional: false, audioTrack: 'both' }))).toBe('none');
    expect(code(() => streamXml({ ...base, extraHeaders: { callId: 'abc-def' } }))).toBe('XML_INVALID_EXTRA_HEADERS');
    expect(code(() => streamXml({ ...base, extraHeaders: 'a=1;b=x y' }))).toBe('XML_INVALID_EXTRA_HEADERS');
    expect(code(() => streamXml({ ...base, extraHeaders: { k: 'v'.repeat(600) } }))).toBe('XML_EXTRA_HEADERS_TOO_LONG');
    expect(code(() => streamXml({ ...base, streamTimeout: 0 }))).toBe('XML_INVALID_TIMEOUT');
    expect(code(() => streamXml({ ...base, streamTimeout: -5 }))).toBe('XML_INVALID_TIMEOUT');
    expect(code(() => streamXml({ ...base, streamTimeout: 1.5 }))).toBe('XML_INVALID_TIMEOUT');
    expect(code(() => streamXml({ ...base, statusCallbackUrl: 'ftp://x' }))).toBe('XML_INVALID_URL');
    expect(code(() => streamXml({ ...base, format: 'opus' as never }))).toBe('PROTOCOL_INVALID_CONTENT_TYPE');
  });

  it('is equivalent to the plivo SDK Response().addStream() for the same inputs (property)', () => {
    const alnum = fc.stringMatching(/^[A-Za-z0-9]{1,10}$/);
    // The SDK does not escape `"` in attribute values (it emits malformed XML), so generated
    // strings leave quotes out; callwire escapes them (tested above).
    const urlish = fc.stringMatching(/^[A-Za-z0-9&<>'=?/._~-]{0,30}$/);
    const options = fc.record({
      url: urlish.map((p) => `wss://example.com/${p}`),
      format: fc.constantFrom('mulaw/8000', 'l16/8000', 'l16/16000'),
      keepCallAlive: fc.option(fc.boolean(), { nil: undefined }),
      streamTimeout: fc.option(fc.integer({ min: 1, max: 86400 }), { nil: undefined }),
      statusCallbackUrl: fc.option(urlish.map((p) => `https://cb.example.com/${p}`), { nil: undefined }),
      statusCallbackMethod: fc.option(fc.constantFrom('GET', 'POST'), { nil: undefined }),
      extraHeaders: fc.option(fc.dictionary(alnum, alnum, { maxKeys: 5 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(options, (o) => {
        const opts = o as StreamXmlOptions;
        expect(viaUs(opts)).toEqual(viaSdk(opts));
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseXml', () => {
  it('reads entities, CDATA, comments and self-closing elements', () => {
    const root = parseXml(`<?xml version="1.0"?><!-- c --><Response><Speak voice='W'>a &amp; b &#x41;&#66;</Speak><Wait length="1"/><Stream><![CDATA[wss://x?a=1&b=2]]></Stream></Response>`);
    expect(root.children.map((c) => c.name)).toEqual(['Speak', 'Wait', 'Stream']);
    expect(root.children[0]?.text).toBe('a & b AB');
    expect(root.children[0]?.attributes.voice).toBe('W');
    expect(root.children[2]?.text).toBe('wss://x?a=1&b=2');
  });

  it('rejects malformed and hostile documents with XML_PARSE_FAILED', () => {
    for (const bad of [
      '<Response>',
      '<Response></Stream>',
      '<Response a=1></Response>',
      '<!DOCTYPE x [<!ENTITY e "boom">]><Response>&e;</Response>',
      '<Response>&unknown;</Response>',
      '<Response>x & y</Response>',
      '<a></a><b></b>',
      `${'<a>'.repeat(100)}${'</a>'.repeat(100)}`,
      '',
    ]) {
      expect(code(() => parseXml(bad))).toBe('XML_PARSE_FAILED');
    }
  });

  it('readStreamXml applies Plivo defaults and reports a missing Stream', () => {
    const info = readStreamXml('<Response><Stream>wss://h/s</Stream></Response>');
    expect(info).toMatchObject({ bidirectional: false, keepCallAlive: false, contentType: 'audio/x-l16;rate=8000', streamTimeout: 86400 });
    expect(code(() => readStreamXml('<Response><Speak>hi</Speak></Response>'))).toBe('XML_NO_STREAM_ELEMENT');
    expect(code(() => readStreamXml('<Other/>'))).toBe('XML_NO_STREAM_ELEMENT');
  });
});
