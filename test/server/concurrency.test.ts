// 200 concurrent streams through the echo handler: every frame in is accounted for and
// every frame comes back.
import { describe, expect, it } from 'vitest';
import type { CallStream } from '../../src/stream/call-stream.js';
import { StreamClient } from '../support/stream-client.js';
import { startServer } from '../support/server.js';

describe('200 concurrent streams', () => {
  it('all complete with every frame accounted for', async () => {
    const calls: CallStream[] = [];
    const srv = await startServer({ limits: { maxStreams: 1000, upgradeBurst: 1000 }, onStream: async (c) => {
      calls.push(c);
      const { echoHandler } = await import('../../src/stream/echo.js');
      echoHandler(c);
    } });
    const FRAMES = 25;
    const clients = await Promise.all(Array.from({ length: 200 }, () => StreamClient.connect(srv.streamUrl, { playout: true })));
    for (const [i, c] of clients.entries()) {
      c.start();
      for (let f = 0; f < FRAMES; f++) c.media(new Uint8Array(160).fill((i + f) & 0xff));
    }
    await Promise.all(clients.map((c) => c.waitFor(() => c.audioFrames.length >= FRAMES, 60_000, 'echo')));
    for (const [i, c] of clients.entries()) {
      const bytes = c.audioFrames.map((r) => (r.msg as { audio: Uint8Array }).audio[0]);
      expect(bytes).toEqual(Array.from({ length: FRAMES }, (_, f) => (i + f) & 0xff));
    }
    expect(srv.server.streams.size).toBe(200);
    await Promise.all(clients.map((c) => c.close()));
    const ends = await Promise.all(calls.map((c) => c.ended));
    expect(ends.every((e) => e.by === 'caller')).toBe(true);
    const totals = calls.reduce((t, c) => ({ in: t.in + c.counters.framesIn, out: t.out + c.counters.framesOut, bad: t.bad + c.counters.badFrames, gaps: t.gaps + c.counters.gaps }), { in: 0, out: 0, bad: 0, gaps: 0 });
    expect(totals).toEqual({ in: 200 * FRAMES, out: 200 * FRAMES, bad: 0, gaps: 0 });
    expect(srv.server.streams.size).toBe(0);
    await srv.close();
  });
});
