import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError, isCallwireError } from '../../src/errors.js';
import {
  STREAM_FORMATS,
  clearedAudioMessage,
  dtmfMessage,
  mediaMessage,
  parseInbound,
  playedStreamMessage,
  serializeInbound,
  startMessage,
  stopMessage,
} from '../../src/protocol/index.js';

// Examples from docs/plivo-protocol.md §2 (Plivo's reference pages). The reference's media
// payload is cut short mid-character ("...//uQxAAAAAANIAAAAAExBTUUzLjEwMFVV..."), so a valid
// 160-byte payload stands in for it.
const DOC_START = `{"event":"start","sequenceNumber":1,"start":{"callId":"12345678-1234-1234-1234-123456789abc","streamId":"87654321-4321-4321-4321-cba987654321","accountId":"MAXXXXXXXXXXXXXXXXXX","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000}},"extra_headers":"userId=12345;sessionId=abc-xyz"}`;
const DOC_MEDIA = `{"event":"media","sequenceNumber":42,"streamId":"87654321-4321-4321-4321-cba987654321","media":{"track":"inbound","timestamp":"1705312200000","chunk":41,"payload":"${Buffer.alloc(160, 0xff).toString('base64')}"},"extra_headers":"userId=12345;sessionId=abc-xyz"}`;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isCallwireError(e) ? e.code : `not a CallwireError: ${String(e)}`;
  }
  return undefined;
}

describe('parseInbound: documented messages', () => {
  it('parses start with every field and both extra_headers forms', () => {
    const m = parseInbound(DOC_START);
    expect(m.event).toBe('start');
    if (m.event !== 'start') return;
    expect(m.start.callId).toBe('12345678-1234-1234-1234-123456789abc');
    expect(m.start.streamId).toBe('87654321-4321-4321-4321-cba987654321');
    expect(m.start.accountId).toBe('MAXXXXXXXXXXXXXXXXXX');
    expect(m.start.tracks).toEqual(['inbound']);
    expect(m.start.mediaFormat).toEqual({ encoding: 'audio/x-mulaw', sampleRate: 8000 });
    expect(m.extra_headers).toBe('userId=12345;sessionId=abc-xyz');
    expect({ ...m.extraHeaders }).toEqual({ userId: '12345', sessionId: 'abc-xyz' });
  });

  it('parses media and decodes the payload', () => {
    const m = parseInbound(DOC_MEDIA);
    expect(m.event).toBe('media');
    if (m.event !== 'media') return;
    expect(m.sequenceNumber).toBe(42);
    expect(m.media.chunk).toBe(41);
    expect(m.media.timestamp).toBe('1705312200000');
    expect(Buffer.from(m.audio).toString('base64')).toBe(m.media.payload);
  });

  it('accepts numbers sent as numeric strings', () => {
    const m = parseInbound(
      `{"event":"media","sequenceNumber":"7","streamId":"s","media":{"track":"inbound","timestamp":1705312200000,"chunk":"6","payload":"AAAA"}}`,
    );
    expect(m.event === 'media' && [m.sequenceNumber, m.media.chunk, m.media.timestamp]).toEqual([7, 6, '1705312200000']);
    const s = parseInbound(
      `{"event":"start","sequenceNumber":"1","start":{"callId":"c","streamId":"s","accountId":"a","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-l16","sampleRate":"16000"}}}`,
    );
    expect(s.event === 'start' && s.start.mediaFormat.sampleRate).toBe(16000);
  });

  it('parses extra_headers delimited by commas, semicolons, or given as JSON', () => {
    const parse = (raw: unknown) => {
      const m = parseInbound(JSON.stringify({ event: 'dtmf', sequenceNumber: 1, streamId: 's', dtmf: { digit: '5' }, extra_headers: raw }));
      return m.event === 'dtmf' ? { raw: m.extra_headers, parsed: { ...m.extraHeaders } } : undefined;
    };
    expect(parse('a=1,b=2')?.parsed).toEqual({ a: '1', b: '2' });
    expect(parse('a=1;b=2')?.parsed).toEqual({ a: '1', b: '2' });
    expect(parse('{"a":"1","b":2}')).toEqual({ raw: '{"a":"1","b":2}', parsed: { a: '1', b: '2' } });
    expect(parse({ a: 'x' })).toEqual({ raw: '{"a":"x"}', parsed: { a: 'x' } });
    expect(parse('')?.parsed).toEqual({});
    expect(parse(undefined)).toEqual({ raw: '', parsed: {} });
  });

  it('accepts both playedStream and played', () => {
    for (const name of ['playedStream', 'played']) {
      const m = parseInbound(`{"event":"${name}","streamId":"s","name":"cp-1"}`);
      expect(m).toMatchObject({ event: 'playedStream', name: 'cp-1', wireEvent: name, sequenceNumber: 0 });
    }
  });

  it('parses clearedAudio, stop, and returns unknown events instead of throwing', () => {
    expect(parseInbound(`{"sequenceNumber":0,"event":"clearedAudio","streamId":"x"}`)).toEqual({
      event: 'clearedAudio',
      sequenceNumber: 0,
      streamId: 'x',
    });
    expect(parseInbound(`{"event":"stop","streamId":"x","stop":{"reason":"hangup"}}`)).toMatchObject({ event: 'stop', stop: { reason: 'hangup' } });
    const u = parseInbound(`{"event":"playFailed","reason":"boom"}`);
    expect(u).toMatchObject({ event: 'unknown', name: 'playFailed', raw: { reason: 'boom' } });
  });

  it('accepts Buffer input as ws delivers it', () => {
    expect(parseInbound(Buffer.from(DOC_MEDIA)).event).toBe('media');
  });
});

describe('parseInbound: errors have stable codes and never echo the payload', () => {
  const cases: [string, string, string][] = [
    ['not json', '{"event":', 'PROTOCOL_INVALID_JSON'],
    ['array', '[1,2]', 'PROTOCOL_NOT_AN_OBJECT'],
    ['no event', '{"foo":1}', 'PROTOCOL_MISSING_FIELD'],
    ['event not a string', '{"event":{}}', 'PROTOCOL_INVALID_FIELD'],
    ['media without media', '{"event":"media"}', 'PROTOCOL_MISSING_FIELD'],
    ['media without payload', '{"event":"media","media":{}}', 'PROTOCOL_MISSING_FIELD'],
    ['bad base64', '{"event":"media","media":{"payload":"!!!!"}}', 'PROTOCOL_INVALID_BASE64'],
    ['negative sequence', '{"event":"media","sequenceNumber":-1,"media":{"payload":"AAAA"}}', 'PROTOCOL_INVALID_FIELD'],
    ['word sequence', '{"event":"media","sequenceNumber":"ten","media":{"payload":"AAAA"}}', 'PROTOCOL_INVALID_FIELD'],
    ['start without ids', '{"event":"start","start":{"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000}}}', 'PROTOCOL_MISSING_FIELD'],
    ['start bad encoding', '{"event":"start","start":{"callId":"c","streamId":"s","mediaFormat":{"encoding":"audio/opus","sampleRate":8000}}}', 'PROTOCOL_INVALID_FIELD'],
    ['bad dtmf digit', '{"event":"dtmf","dtmf":{"digit":"E"}}', 'PROTOCOL_INVALID_DTMF'],
    ['playedStream without name', '{"event":"playedStream","streamId":"s"}', 'PROTOCOL_MISSING_FIELD'],
  ];
  for (const [label, text, code] of cases) {
    it(label, () => expect(codeOf(() => parseInbound(text))).toBe(code));
  }

  it('rejects oversized frames before parsing, and the message does not contain the payload', () => {
    const payload = 'A'.repeat(400_000);
    const text = `{"event":"media","media":{"payload":"${payload}"}}`;
    try {
      parseInbound(text);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
      expect((e as ProtocolError).code).toBe('PROTOCOL_FRAME_TOO_LARGE');
      expect((e as Error).message.length).toBeLessThan(200);
    }
    expect(codeOf(() => parseInbound(DOC_MEDIA, { maxLength: 100 }))).toBe('PROTOCOL_FRAME_TOO_LARGE');
  });

  it('an invalid-base64 error names the field, not the content', () => {
    const secret = 'SECRETSECRET$$$$';
    try {
      parseInbound(`{"event":"media","media":{"payload":"${secret}"}}`);
    } catch (e) {
      expect((e as Error).message).not.toContain(secret);
      expect((e as ProtocolError).details.field).toBe('media.payload');
    }
  });
});

describe('parseInbound: round trips (property)', () => {
  const id = fc.uuid();
  const alnum = fc.stringMatching(/^[A-Za-z0-9]{1,8}$/);
  const headers = fc.dictionary(alnum, alnum, { maxKeys: 4 }).map((d) => Object.entries(d).map(([k, v]) => `${k}=${v}`).join(','));
  const format = fc.constantFrom(...Object.values(STREAM_FORMATS));
  const seq = fc.integer({ min: 0, max: 2 ** 31 });

  it('start', () => {
    fc.assert(
      fc.property(seq, id, id, alnum, format, headers, (sequenceNumber, callId, streamId, accountId, f, extra) => {
        const built = startMessage({ sequenceNumber, callId, streamId, accountId, format: f, extraHeaders: extra });
        expect(parseInbound(serializeInbound(built))).toEqual(built);
      }),
    );
  });

  it('media', () => {
    fc.assert(
      fc.property(seq, id, seq, fc.uint8Array({ maxLength: 640 }), headers, (sequenceNumber, streamId, chunk, audio, extra) => {
        const built = mediaMessage({ sequenceNumber, streamId, chunk, timestamp: 1705312200000 + chunk * 20, audio, extraHeaders: extra });
        const parsed = parseInbound(serializeInbound(built));
        expect({ ...parsed, audio: undefined }).toEqual({ ...built, audio: undefined });
        expect(parsed.event === 'media' && Buffer.from(parsed.audio).equals(Buffer.from(audio))).toBe(true);
      }),
    );
  });

  it('dtmf, playedStream, clearedAudio, stop', () => {
    fc.assert(
      fc.property(seq, id, fc.constantFrom(...'0123456789ABCD*#'), fc.string({ minLength: 1, maxLength: 30 }), (n, streamId, digit, name) => {
        for (const built of [
          dtmfMessage({ sequenceNumber: n, streamId, digit, timestamp: 1 }),
          playedStreamMessage(n, streamId, name),
          clearedAudioMessage(n, streamId),
          stopMessage(n, streamId, { reason: name }),
        ]) {
          expect(parseInbound(serializeInbound(built))).toEqual(built);
        }
      }),
    );
  });
});
