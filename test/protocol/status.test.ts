import { describe, expect, it } from 'vitest';
import { parseStreamStatus } from '../../src/protocol/index.js';

describe('parseStreamStatus', () => {
  it('types the documented events and keeps every posted field', () => {
    const fields = { Event: 'StartStream', StreamID: 's1', CallUUID: 'c1', Timestamp: '2026-01-01 00:00:00', bidirectional: 'true', Mystery: 'x' };
    const e = parseStreamStatus(fields);
    expect(e).toMatchObject({ event: 'StartStream', streamId: 's1', callId: 'c1', timestamp: '2026-01-01 00:00:00' });
    expect(e.fields).toEqual(fields);
  });

  it('reads DroppedStream reasons and DegradedStream buffer levels under several spellings', () => {
    expect(parseStreamStatus({ Event: 'DroppedStream', Error: 'connection_failed' })).toMatchObject({ event: 'DroppedStream', reason: 'connection_failed' });
    expect(parseStreamStatus({ Event: 'DroppedStream', reason: 'slow' })).toMatchObject({ reason: 'slow' });
    expect(parseStreamStatus({ Event: 'DegradedStream', BufferPercent: '60' })).toMatchObject({ event: 'DegradedStream', bufferPercent: 60 });
    expect(parseStreamStatus({ Event: 'DegradedStream' })).toMatchObject({ bufferPercent: undefined });
    expect(parseStreamStatus({ event: 'StopStream', streamid: 'lower' })).toMatchObject({ event: 'StopStream', streamId: 'lower' });
  });

  it('reads the undocumented names under any casing or separator, and event names loosely; keeps unknown fields verbatim', () => {
    const fields = { EVENT: 'degraded_stream', stream_uuid: 's9', Call_Uuid: 'c9', 'Buffer-Percentage': '60%', event_time: 't', PlivoNewField: 'kept as posted' };
    const e = parseStreamStatus(fields);
    expect(e).toMatchObject({ event: 'DegradedStream', streamId: 's9', callId: 'c9', timestamp: 't', bufferPercent: 60 });
    expect(e.fields).toEqual(fields);
    expect(parseStreamStatus({ event: 'stream-dropped', error_message: 'slow connection' })).toMatchObject({ event: 'DroppedStream', reason: 'slow connection' });
    expect(parseStreamStatus({ Event: 'STARTSTREAM', StreamId: 'a' })).toMatchObject({ event: 'StartStream', streamId: 'a' });
  });

  it('returns unknown for anything else, flattening repeated keys; never throws', () => {
    expect(parseStreamStatus({ Event: ['PlayedStream', 'x'], StreamId: 's' })).toMatchObject({ event: 'unknown', name: 'PlayedStream', streamId: 's' });
    expect(parseStreamStatus({})).toMatchObject({ event: 'unknown', name: '' });
  });
});
