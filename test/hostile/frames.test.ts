// Hostile clients inside a stream, over real sockets, each beside a healthy call that must
// not lose a frame. Bad frames get coded warnings (counted; the stream goes on); limits get a
// close with a code and a reason. Each code is logged sampled: N occurrences, the 1st, 10th,
// 100th, ... lines. Afterwards every stream object is released.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collected } from '../support/gc.js';
import { startServer } from '../support/server.js';
import { StreamClient } from '../support/stream-client.js';
import { type Target, alongsideHealthyCall, sampledLines, startTarget } from './support.js';

let target: Target;
beforeAll(async () => {
  target = await startTarget({ limits: { startTimeoutMs: 600, maxMessageBytes: 256 * 1024 } });
});
afterAll(async () => {
  await target.close();
});

const N = 150;

/** Frames the stream refuses one by one, with the code each must get. */
const badFrames: { name: string; code: string; send: (c: StreamClient, i: number) => void }[] = [
  { name: 'invalid JSON', code: 'PROTOCOL_INVALID_JSON', send: (c, i) => c.raw(`{"event":"media",${i}`) },
  { name: 'binary frames', code: 'PROTOCOL_BINARY_FRAME', send: (c) => c.raw(Buffer.from([0x81, 0x00, 0xff])) },
  { name: 'a second start', code: 'STREAM_ALREADY_STARTED', send: (c) => c.start() },
  { name: 'a wrong streamId', code: 'STREAM_WRONG_STREAM_ID', send: (c, i) => c.raw(JSON.stringify({ event: 'media', streamId: 'not-this-stream', media: { chunk: i + 1, payload: 'f39/fw==' } })) },
  { name: 'garbage base64', code: 'PROTOCOL_INVALID_BASE64', send: (c, i) => c.raw(JSON.stringify({ event: 'media', streamId: c.streamId, media: { chunk: i + 1, payload: '@@not*base64!!' } })) },
  { name: 'fields of the wrong type', code: 'PROTOCOL_INVALID_FIELD', send: (c) => c.raw('{"event":"dtmf","dtmf":{"digit":{"x":1}}}') },
  { name: 'unknown events', code: 'PROTOCOL_UNKNOWN_EVENT', send: (c, i) => c.raw(`{"event":"evil${i % 3}"}`) },
];

describe('hostile frames beside a healthy call', () => {
  for (const bad of badFrames) {
    it(`${bad.name}: ${bad.code} for each, counted, logged sampled; the stream and the healthy call go on`, async () => {
      await alongsideHealthyCall(target, async () => {
        const c = await StreamClient.connect(target.srv.streamUrl);
        c.start();
        for (let i = 0; i < N; i++) bad.send(c, i);
        c.media(new Uint8Array(160).fill(0x7f)); // a good frame after the flood still counts
        const stream = () => [...target.srv.server.streams].find((s) => s.info?.streamId === c.streamId);
        await c.waitFor(() => (stream()?.counters.framesIn ?? 0) === 1, 10_000, 'the good frame');
        const s = stream();
        expect(target.warnings.get(s?.id ?? '')?.filter((w) => w === bad.code)).toHaveLength(N);
        const lines = target.linesFor(bad.code).filter((l) => l.conn === s?.id);
        expect(lines.map((l) => l.count)).toEqual([1, 10, 100].slice(0, sampledLines(N)));
        expect(s?.state).toBe('started');
        expect(c.closed).toBeUndefined();
        await c.close();
      });
    });
  }

  it('a 10 MB frame: closed with 1009 before it is read; PROTOCOL_FRAME_TOO_LARGE logged once', async () => {
    await alongsideHealthyCall(target, async () => {
      const c = await StreamClient.connect(target.srv.streamUrl);
      c.start();
      const before = target.linesFor('PROTOCOL_FRAME_TOO_LARGE').length;
      c.raw(`{"event":"media","media":{"payload":"${'A'.repeat(10 * 1024 * 1024)}"}}`);
      await c.waitFor(() => c.closed !== undefined, 10_000, 'close');
      expect(c.closed?.code).toBe(1009);
      await waitUntil(() => target.linesFor('PROTOCOL_FRAME_TOO_LARGE').length > before);
      const lines = target.linesFor('PROTOCOL_FRAME_TOO_LARGE').slice(before);
      expect(lines.filter((l) => l.level === 40)).toHaveLength(1);
    });
  });

  it('media before start: buffered up to 50 frames, then closed with 1008 "media before start"', async () => {
    await alongsideHealthyCall(target, async () => {
      const c = await StreamClient.connect(target.srv.streamUrl);
      for (let i = 0; i < 60; i++) c.media(new Uint8Array(160));
      await c.waitFor(() => c.closed !== undefined, 10_000, 'close');
      expect(c.closed).toEqual({ code: 1008, reason: 'media before start' });
      await waitUntil(() => target.linesFor('STREAM_PRESTART_OVERFLOW').length > 0);
      expect(target.linesFor('STREAM_PRESTART_OVERFLOW')).toHaveLength(1);
    });
  });

  it('a connection that never sends start is closed with 1008 at the start timeout', async () => {
    await alongsideHealthyCall(target, async () => {
      const c = await StreamClient.connect(target.srv.streamUrl);
      await c.waitFor(() => c.closed !== undefined, 10_000, 'close');
      expect(c.closed).toEqual({ code: 1008, reason: 'no start within 600 ms' });
      expect(target.linesFor('STREAM_NOT_STARTED')).toHaveLength(1);
    });
  });

  it('every stream the attacks opened is released once it ended', async () => {
    await waitUntil(() => target.srv.server.streams.size === 0);
    expect(target.refs.length).toBeGreaterThan(badFrames.length * 2);
    await collected(target.refs);
  });
});

describe('an application handler that never finishes attaching', () => {
  it('holds events up to the backlog bound (3000), then closes the stream with 1011', async () => {
    const srv = await startServer({ onStream: () => new Promise<void>(() => {}), limits: { inboundBurst: 10_000, inboundAudioBurstMs: 100_000 } });
    try {
      const c = await StreamClient.connect(srv.streamUrl);
      c.start();
      for (let i = 0; i < 3100; i++) c.media(new Uint8Array(160).fill(0x7f));
      await c.waitFor(() => c.closed !== undefined, 10_000, 'close');
      expect(c.closed).toEqual({ code: 1011, reason: 'handler never resumed the stream' });
    } finally {
      await srv.close();
    }
  });
});

async function waitUntil(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
