// Keepalive on a ManualClock: a late pong is a slow connection (Plivo rides those out for up
// to 40 s), reported and counted; only a pong that never comes within the timeout closes.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { ManualClock } from '../../src/clock.js';
import { CallStream } from '../../src/stream/call-stream.js';
import { ServerMetrics } from '../../src/observability/metrics.js';
import { Keepalive } from '../../src/stream/keepalive.js';
import { Pacer } from '../../src/stream/pacer.js';

function rig(options: ConstructorParameters<typeof Keepalive>[1] = {}) {
  const clock = new ManualClock(0);
  const pings: number[] = [];
  const late: number[] = [];
  let timedOut: number | undefined;
  const k = new Keepalive(clock, options, () => void pings.push(clock.now()), (ms) => (timedOut = ms), (ms) => void late.push(ms));
  k.start();
  return { clock, k, pings, late, timedOut: () => timedOut };
}

describe('Keepalive', () => {
  it('defaults: ping every 10 s, a pong 5 s late is reported once, the stream survives 39 s of silence and closes at 40 s', () => {
    const { clock, k, pings, late, timedOut } = rig();
    expect([k.intervalMs, k.lateMs, k.timeoutMs]).toEqual([10_000, 5_000, 40_000]);
    clock.advance(10_000);
    expect(pings).toEqual([10_000]);
    clock.advance(4_999);
    expect(late).toEqual([]);
    clock.advance(1);
    expect(late).toEqual([5_000]);
    expect(k.latePongs).toBe(1);
    // The old keepalive closed here, 5 s after the ping.
    clock.advance(34_000);
    expect(timedOut()).toBeUndefined();
    expect(late).toHaveLength(1);
    clock.advance(999);
    expect(timedOut()).toBeUndefined();
    clock.advance(1);
    expect(timedOut()).toBe(40_000);
    // Nothing more after the timeout.
    clock.advance(60_000);
    expect(pings).toHaveLength(1);
  });

  it('a pong in time is no signal; a late one that arrives resets, and pinging goes on', () => {
    const { clock, k, pings, late, timedOut } = rig();
    clock.advance(10_000);
    clock.advance(50);
    k.pong();
    expect(k.lastRttMs).toBe(50);
    clock.advance(9_950);
    expect(pings).toEqual([10_000, 20_000]);
    clock.advance(12_000); // 12 s without a pong: late, reported, not closed
    expect(late).toEqual([5_000]);
    k.pong();
    expect(k.lastRttMs).toBe(12_000);
    clock.advance(0);
    // The next ping was due at 30 s, already past: it goes out at once.
    expect(pings).toEqual([10_000, 20_000, 32_000]);
    clock.advance(100);
    k.pong();
    // Pongs keep coming in time: no report, no close.
    for (let i = 0; i < 10; i++) {
      clock.advance(10_000);
      clock.advance(30);
      k.pong();
    }
    expect(timedOut()).toBeUndefined();
    expect(k.latePongs).toBe(1);
    expect(pings).toHaveLength(13);
  });

  it('is configurable: a short timeout below the late mark closes without a late report', () => {
    const { clock, late, timedOut } = rig({ intervalMs: 200, timeoutMs: 200 });
    clock.advance(400);
    expect(late).toEqual([]);
    expect(timedOut()).toBe(200);
  });
});

describe('CallStream keepalive', () => {
  it('counts a late pong (metric callwire_late_pongs_total) and emits degraded, and stays open', async () => {
    const clock = new ManualClock(0);
    const socket = Object.assign(new EventEmitter(), {
      readyState: 1,
      OPEN: 1,
      CLOSING: 2,
      bufferedAmount: 0,
      ping: () => {},
      send: () => {},
      close: () => {},
      terminate: () => {},
    });
    const call = new CallStream(socket as unknown as WebSocket, { clock, pacer: new Pacer(clock), startTimeoutMs: 1e9 });
    call.resume();
    const metrics = new ServerMetrics();
    metrics.stream(call);
    const degraded: string[] = [];
    call.on('degraded', (d) => void degraded.push(d.reason));
    clock.advance(16_000);
    expect(call.counters.latePongs).toBe(1);
    expect(degraded).toEqual([expect.stringContaining('slow connection')]);
    expect(await metrics.text()).toMatch(/^callwire_late_pongs_total 1$/m);
    expect(call.state).toBe('connecting');
    socket.emit('pong');
    clock.advance(60_000);
    expect(call.state).toBe('connecting');
  });
});
