// 10,000 frames a second from one client (in its own process), beside a healthy call.
// Measured before the limit existed (this machine, echo agent, 5 s flood): the server took all
// 50,000 frames at 31 % of a core, its event-loop lag p99 9 ms, and the flooding stream's
// echo overflowed its Player 43,000 times; the healthy call lost nothing. One caller cost as
// much CPU as ~60 real ones and would have sent its provider audio at 200x real time, so a
// stream is now held to 1000 messages a second (burst 2000; Plivo sends 50, the emulator at
// speed 20 sends 1000) and closed with 1008 above it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallStream } from '../../src/stream/call-stream.js';
import { StreamClient } from '../support/stream-client.js';
import { type Target, alongsideHealthyCall, startTarget } from './support.js';

let target: Target;
beforeAll(async () => {
  target = await startTarget();
});
afterAll(async () => {
  await target.close();
});

function flood(url: string, rate: number, seconds: number): Promise<{ sent: number; closed?: { code: number; reason: string } }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../fixtures/flood-client.ts'), url, String(rate), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`the flood client exited ${code} without a report: ${out}`));
      }
    });
  });
}

describe('a client sending 10,000 frames a second', () => {
  it('is closed with 1008 and a reason once over its burst; logged once; the healthy call loses nothing', async () => {
    const refused: number[] = [];
    const flooders: CallStream[] = [];
    const result = await alongsideHealthyCall(target, async () => {
      // The healthy call is already up: the next stream the server accepts is the flooder.
      const off = target.srv.server.on('stream', (c) => flooders.push(c));
      const r = await flood(target.srv.streamUrl, 10_000, 4);
      off();
      refused.push(...['STREAM_RATE_LIMITED', 'STREAM_AUDIO_OVER_REALTIME'].flatMap((code) => target.linesFor(code).map((l) => l.level)));
      return r;
    });
    // 10,000 frames of 20 ms a second is 200x real time as well as a message flood: whichever
    // bucket (2000 messages, 40 s of audio: the same 2000 frames) runs dry first closes it.
    expect(result.closed?.code).toBe(1008);
    expect(['inbound message rate over the limit', 'inbound audio faster than real time']).toContain(result.closed?.reason);
    // It got its burst (2000) and the sustained rate for the moment it took, not 40,000 frames.
    // Counted where they were taken, at the server: the client keeps writing until the close
    // reaches it, which on a loaded machine took 10,557 frames (issue 25), so `sent` measures
    // the machine's load, not the limit.
    expect(result.sent).toBeGreaterThanOrEqual(2000);
    expect(flooders).toHaveLength(1);
    const taken = flooders[0]?.counters.framesIn ?? 0;
    expect(taken).toBeGreaterThanOrEqual(1999);
    expect(taken).toBeLessThan(10_000);
    expect(refused).toHaveLength(1);
  });

  it('a burst the network held back (1900 frames at once: 38 s of audio, then 50 a second) is not a flood', async () => {
    await alongsideHealthyCall(target, async () => {
      const c = await StreamClient.connect(target.srv.streamUrl);
      c.start();
      for (let i = 0; i < 1900; i++) c.media(new Uint8Array(160).fill(0x7f));
      for (let i = 0; i < 25; i++) {
        await new Promise((r) => setTimeout(r, 20));
        c.media(new Uint8Array(160).fill(0x7f));
      }
      const stream = () => [...target.srv.server.streams].find((s) => s.info?.streamId === c.streamId);
      await c.waitFor(() => stream()?.counters.framesIn === 1925, 10_000, 'all 1925 frames');
      expect(c.closed).toBeUndefined();
      await c.close();
    });
  });
});
