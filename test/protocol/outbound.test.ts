import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCallwireError } from '../../src/errors.js';
import { STREAM_FORMATS, checkpoint, clearAudio, parseOutbound, playAudio, sendDtmf, serializeOutbound, streamFormat, streamXml } from '../../src/protocol/index.js';

describe('outbound builders', () => {
  it('playAudio: contentType without ;rate=, numeric sampleRate, base64 payload, documented shape', () => {
    const m = playAudio('l16/16000', new Uint8Array([1, 2, 3, 4]));
    expect(JSON.parse(serializeOutbound(m))).toEqual({
      event: 'playAudio',
      media: { contentType: 'audio/x-l16', sampleRate: 16000, payload: 'AQIDBA==' },
    });
    expect(serializeOutbound(playAudio(STREAM_FORMATS['mulaw/8000'], 'AAAA'))).toBe(
      '{"event":"playAudio","media":{"contentType":"audio/x-mulaw","sampleRate":8000,"payload":"AAAA"}}',
    );
  });

  it('checkpoint, clearAudio and sendDTMF serialize to the documented shapes', () => {
    expect(JSON.parse(serializeOutbound(checkpoint('s1', 'customer greeting audio')))).toEqual({
      event: 'checkpoint',
      streamId: 's1',
      name: 'customer greeting audio',
    });
    expect(JSON.parse(serializeOutbound(clearAudio('s1')))).toEqual({ event: 'clearAudio', streamId: 's1' });
    expect(JSON.parse(serializeOutbound(sendDtmf('12*#AD')))).toEqual({ event: 'sendDTMF', dtmf: '12*#AD' });
  });

  it('refuses bad DTMF digits and missing stream ids with codes', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return isCallwireError(e) ? e.code : 'other';
      }
      return 'none';
    };
    expect(code(() => sendDtmf('12E'))).toBe('PROTOCOL_INVALID_DTMF');
    expect(code(() => sendDtmf(''))).toBe('PROTOCOL_INVALID_DTMF');
    expect(code(() => checkpoint('', 'x'))).toBe('PROTOCOL_MISSING_FIELD');
    expect(code(() => clearAudio(''))).toBe('PROTOCOL_MISSING_FIELD');
    expect(code(() => streamFormat('opus/48000'))).toBe('PROTOCOL_INVALID_CONTENT_TYPE');
  });

  it('a format that is not a name is accepted only as one of STREAM_FORMATS (or an equal copy)', () => {
    const refused = expect.objectContaining({ code: 'PROTOCOL_INVALID_CONTENT_TYPE' });
    const l16 = STREAM_FORMATS['l16/16000'];
    for (const bad of [8000, undefined, null, {}, { name: '__proto__' }, { ...l16, sampleRate: 8000 }, { name: 'l16/16000' }, [l16]]) {
      expect(() => streamFormat(bad as never)).toThrow(refused);
    }
    expect(streamFormat(l16)).toBe(l16);
    expect(streamFormat({ ...l16 })).toBe(l16);
    // A plain JS caller leaving out the XML's format: a TypeError from `format.contentType` before.
    expect(() => streamXml({ url: 'wss://a.example/x' } as never)).toThrow(refused);
  });

  it('a format name that is an Object.prototype member is refused with a code, not resolved (CI fuzz find)', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(() => streamFormat(name)).toThrow(expect.objectContaining({ code: 'PROTOCOL_INVALID_CONTENT_TYPE' }));
    }
  });

  it('round trips through the Plivo-side parser (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.values(STREAM_FORMATS)),
        fc.uint8Array({ maxLength: 1000 }),
        fc.uuid(),
        fc.string({ minLength: 1 }),
        fc.stringMatching(/^[0-9A-D*#]{1,20}$/),
        (f, audio, streamId, name, digits) => {
          const p = parseOutbound(serializeOutbound(playAudio(f, audio)));
          expect(p.event === 'playAudio' && [p.contentType, p.sampleRate, Buffer.from(p.audio).equals(Buffer.from(audio))]).toEqual([
            f.encoding,
            f.sampleRate,
            true,
          ]);
          expect(parseOutbound(serializeOutbound(checkpoint(streamId, name)))).toEqual({ event: 'checkpoint', streamId, name });
          expect(parseOutbound(serializeOutbound(clearAudio(streamId)))).toEqual({ event: 'clearAudio', streamId });
          expect(parseOutbound(serializeOutbound(sendDtmf(digits)))).toEqual({ event: 'sendDTMF', dtmf: digits });
        },
      ),
    );
  });

  it('the Plivo-side parser keeps a wrong contentType and a string sampleRate for the receiver to judge', () => {
    const p = parseOutbound('{"event":"playAudio","media":{"contentType":"audio/x-mulaw;rate=8000","sampleRate":"8000","payload":"AAAA"}}');
    expect(p).toMatchObject({ contentType: 'audio/x-mulaw;rate=8000', sampleRate: 8000 });
    expect(() => parseOutbound('{"event":"media","media":{}}')).toThrowError(/does not accept/);
  });
});
