// Issue 15 item 4, as an attacker would, beside a healthy call: `media` frames of 190 KB (24 s
// of audio each) 40 a second, and audio faster than real time in frames of a plausible size.
// Before, a stream was limited in messages only: neither was ever closed, the event loop lagged
// up to 600 ms and a healthy call got gaps of 0.2-1.7 s. Now each is closed with 1008 and a
// coded reason, logged once, and what reached the call's handler stays within real time plus
// the burst (so an agent never forwards more to its provider).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoHandler } from '../../src/stream/echo.js';
import type { CallStream } from '../../src/stream/call-stream.js';
import { StreamClient } from '../support/stream-client.js';
import { type Target, alongsideHealthyCall, startTarget } from './support.js';

/** Audio ms delivered to the handler, per attacking stream. */
const delivered = new Map<string, number>();
let target: Target;
beforeAll(async () => {
  target = await startTarget({}, async (call: CallStream) => {
    const info = await call.started();
    if (!info.callId.startsWith('attacker-')) return echoHandler(call);
    delivered.set(info.streamId, 0);
    call.on('audio', (f) => void delivered.set(info.streamId, (delivered.get(info.streamId) ?? 0) + f.durationMs));
  });
});
afterAll(async () => {
  await target.close();
});

/** Send `frame` every `everyMs` until the server closes the stream (or `maxMs` passed). */
async function sendUntilClosed(frame: Uint8Array, everyMs: number, maxMs: number): Promise<{ client: StreamClient; sent: number; ms: number }> {
  const client = await StreamClient.connect(target.srv.streamUrl, { callId: `attacker-${Math.random()}` });
  client.start();
  const t0 = performance.now();
  let sent = 0;
  while (client.closed === undefined && performance.now() - t0 < maxMs) {
    client.media(frame);
    sent++;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return { client, sent, ms: performance.now() - t0 };
}

describe('audio a stream may send', () => {
  it('190 KB frames (24 s of audio each) 40 a second: closed with 1008 STREAM_FRAME_TOO_LONG at the first; the healthy call loses nothing', async () => {
    const before = target.linesFor('STREAM_FRAME_TOO_LONG').length;
    const r = await alongsideHealthyCall(target, () => sendUntilClosed(new Uint8Array(192_000).fill(0x7f), 25, 5000));
    expect(r.client.closed).toEqual({ code: 1008, reason: 'media frame over the audio limit' });
    expect(delivered.get(r.client.streamId)).toBe(0);
    expect(target.linesFor('STREAM_FRAME_TOO_LONG').length - before).toBe(1);
  });

  it('1 s frames 40 a second (40x real time): closed with 1008 STREAM_AUDIO_OVER_REALTIME past the burst; the handler got at most real time plus the burst', async () => {
    const before = target.linesFor('STREAM_AUDIO_OVER_REALTIME').length;
    const r = await alongsideHealthyCall(target, () => sendUntilClosed(new Uint8Array(8000).fill(0x7f), 25, 10_000));
    expect(r.client.closed).toEqual({ code: 1008, reason: 'inbound audio faster than real time' });
    // The 40 s burst, plus one second of audio per second of the attack (measured from before its first frame).
    expect(delivered.get(r.client.streamId)).toBeLessThanOrEqual(40_000 + r.ms + 1000);
    expect(r.sent).toBeLessThan(200);
    expect(target.linesFor('STREAM_AUDIO_OVER_REALTIME').length - before).toBe(1);
  });
});
