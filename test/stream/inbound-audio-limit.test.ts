// Issue 15 item 4: what a stream may send is limited in audio time (one second per second,
// with a burst for a network stall's backlog) and per frame, not only in messages. Also the
// one token bucket (issue 24) behind every rate limit.
import { describe, expect, it } from 'vitest';
import { STREAM_FORMATS } from '../../src/protocol/format.js';
import { InboundAudioLimit } from '../../src/stream/inbound-audio-limit.js';
import { TokenBucket } from '../../src/token-bucket.js';

const MULAW = STREAM_FORMATS['mulaw/8000'];
const L16 = STREAM_FORMATS['l16/16000'];

describe('TokenBucket', () => {
  it('starts full, refills at its rate up to its capacity, takes n at a time, and never mints tokens on a clock step back', () => {
    const b = new TokenBucket(10, 5, 0);
    expect(b.take(0, 10)).toBe(true);
    expect(b.take(0)).toBe(false);
    expect(b.take(1000, 5)).toBe(true); // 1 s later: 5 back
    expect(b.take(1000, 1)).toBe(false);
    expect(b.level(60_000)).toBe(10); // capped
    expect(b.take(50_000, 10)).toBe(true); // a step back mints nothing
    expect(b.level(50_000)).toBe(0);
  });
});

describe('InboundAudioLimit', () => {
  it('admits real time (ten minutes) and a 40 s backlog at once, in 20 ms frames of either format', () => {
    for (const format of [MULAW, L16]) {
      const limit = new InboundAudioLimit({}, 0);
      // A network stall held back 38 s: it arrives at once.
      for (let i = 0; i < 1900; i++) expect(limit.admit(format.frameBytes, format, 0)).toBeUndefined();
      // Then ten minutes at real time.
      let refused = 0;
      for (let t = 20; t <= 600_000; t += 20) if (limit.admit(format.frameBytes, format, t) !== undefined) refused++;
      expect(refused).toBe(0);
    }
  });

  it('closes a stream sending faster than real time once its burst is spent: STREAM_AUDIO_OVER_REALTIME', () => {
    const limit = new InboundAudioLimit({}, 0);
    // 1 s frames 25 ms apart: 40 s of audio a second.
    let t = 0;
    let breach: ReturnType<InboundAudioLimit['admit']>;
    for (let i = 0; i < 200 && breach === undefined; i++, t += 25) breach = limit.admit(8000, MULAW, t);
    expect(breach).toMatchObject({ reason: 'inbound audio faster than real time', error: { code: 'STREAM_AUDIO_OVER_REALTIME' } });
    // It got the burst and what real time added meanwhile, not more.
    expect(t).toBeLessThan(1200);
  });

  it('refuses a frame holding more than a second of audio (24 s in one 190 KB frame): STREAM_FRAME_TOO_LONG', () => {
    const limit = new InboundAudioLimit({}, 0);
    expect(limit.admit(192_000, MULAW, 0)).toMatchObject({ reason: 'media frame over the audio limit', error: { code: 'STREAM_FRAME_TOO_LONG', details: { ms: 24_000 } } });
    expect(limit.admit(32_000, L16, 0)).toBeUndefined(); // exactly one second of L16/16k
    expect(limit.admit(32_002, L16, 0)?.error.code).toBe('STREAM_FRAME_TOO_LONG');
  });
});
