// A checkpoint whose playedStream never comes (Plivo emits it "only if the preceding events
// were played successfully") must not leave an utterance pending for the rest of the call.
// Driven by a ManualClock.
import { describe, expect, it } from 'vitest';
import { tone } from '../../src/audio/index.js';
import { ManualClock } from '../../src/clock.js';
import { STREAM_FORMATS, parseOutbound } from '../../src/protocol/index.js';
import { Pacer } from '../../src/stream/pacer.js';
import { Player } from '../../src/stream/player.js';
import { newCounters } from '../../src/stream/types.js';

/** What a promise settled to so far (read after a microtask flush), never awaiting it. */
function watch<T>(p: Promise<T>): { value: T | undefined } {
  const ref: { value: T | undefined } = { value: undefined };
  void p.then((v) => (ref.value = v));
  return ref;
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

function setup(ackMarginMs?: number) {
  const clock = new ManualClock(1000);
  const counters = newCounters();
  const checkpoints: string[] = [];
  const timeouts: { name: string; lateMs: number }[] = [];
  const player = new Player({
    format: STREAM_FORMATS['mulaw/8000'],
    streamId: 'stream-1',
    send: (text) => {
      const m = parseOutbound(text);
      if (m.event === 'checkpoint') checkpoints.push(m.name);
    },
    bufferedAmount: () => 0,
    clock,
    pacer: new Pacer(clock, 10),
    counters,
    ...(ackMarginMs === undefined ? {} : { ackMarginMs }),
    onAckTimeout: (name, lateMs) => void timeouts.push({ name, lateMs }),
  });
  return { clock, player, counters, checkpoints, timeouts };
}

describe('a checkpoint that is never acknowledged', () => {
  it('settles the item after its audio plus the margin (default 5 s), counts and reports it, and the player goes idle', async () => {
    const { clock, player, counters, checkpoints, timeouts } = setup();
    const item = player.play({ pcm: tone(440, 1000, 8000), sampleRate: 8000 }, { text: 'hello' });
    let settled: string | undefined;
    void item.done.then((r) => (settled = r.status));
    let idle = false;
    void player.whenIdle().then(() => (idle = true));
    // 1 s of audio plays out; no playedStream arrives.
    for (let i = 0; i < 110; i++) clock.advance(10);
    expect(checkpoints).toHaveLength(1);
    await Promise.resolve();
    expect(settled).toBeUndefined();
    // Before the margin has passed it still waits (an ack may be late, not lost).
    clock.advance(4800);
    await Promise.resolve();
    expect(settled).toBeUndefined();
    clock.advance(300);
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe('played');
    expect(idle).toBe(true);
    expect(player.busy).toBe(false);
    expect(counters).toMatchObject({ checkpointsSent: 1, checkpointsPlayed: 0, checkpointsUnacked: 1 });
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0]!.name).toBe(checkpoints[0]);
    expect(timeouts[0]!.lateMs).toBeGreaterThanOrEqual(5000);
    // A playedStream that turns up after all is ignored, not double-counted.
    expect(player.ack(checkpoints[0]!, clock.now())).toBe(false);
    expect(counters.checkpointsPlayed).toBe(0);
  });

  it('an ack in time settles normally and nothing times out; the margin is configurable', async () => {
    const { clock, player, counters, checkpoints, timeouts } = setup(1000);
    const a = player.play({ pcm: tone(440, 200, 8000), sampleRate: 8000 });
    for (let i = 0; i < 30; i++) clock.advance(10);
    player.ack(checkpoints[0]!, clock.now());
    expect((await a.done).status).toBe('played');
    const b = watch(player.play({ pcm: tone(440, 200, 8000), sampleRate: 8000 }).done);
    for (let i = 0; i < 30; i++) clock.advance(10);
    clock.advance(1000);
    await flush();
    expect(b.value?.status).toBe('played');
    expect(counters).toMatchObject({ checkpointsPlayed: 1, checkpointsUnacked: 1 });
    expect(timeouts.map((t) => t.name)).toEqual([checkpoints[1]]);
    clock.advance(60_000);
    expect(timeouts).toHaveLength(1);
  });

  it('a user checkpoint resolves too, and a clear before the deadline leaves nothing to expire', async () => {
    const { clock, player, counters, timeouts } = setup(500);
    player.play({ pcm: tone(440, 200, 8000), sampleRate: 8000 });
    const mark = watch(player.checkpoint('mine'));
    for (let i = 0; i < 30; i++) clock.advance(10);
    clock.advance(600);
    await flush();
    expect(mark.value).toBe('played');
    player.play({ pcm: tone(440, 2000, 8000), sampleRate: 8000 });
    clock.advance(100);
    player.clear();
    clock.advance(10_000);
    expect(counters.checkpointsUnacked).toBe(2);
    expect(timeouts).toHaveLength(2);
  });
});
