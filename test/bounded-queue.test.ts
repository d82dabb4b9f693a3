// The one bounded async queue (src/bounded-queue.ts): provider streams refuse what does not fit,
// inbound audio drops its oldest frames; either way the buffer never grows past its capacity.
import { describe, expect, it } from 'vitest';
import { BoundedQueue } from '../src/bounded-queue.js';

describe('BoundedQueue', () => {
  it('enforces its capacity by weight, coalesces, drains before failing, and reports a consumer that stops early', async () => {
    let cancelled = 0;
    const q = new BoundedQueue<{ kind: string; n: number }>({
      capacity: 10,
      weigh: (x) => x.n,
      coalesce: (a, b) => a.kind === 'interim' && b.kind === 'interim',
      onCancel: () => cancelled++,
    });
    expect(q.push({ kind: 'final', n: 6 })).toBe(true);
    expect(q.push({ kind: 'interim', n: 2 })).toBe(true);
    expect(q.push({ kind: 'interim', n: 3 })).toBe(true);
    expect(q.weight).toBe(9);
    expect(q.push({ kind: 'final', n: 2 })).toBe(false);
    q.fail(new Error('boom'));
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const x of q) seen.push(x.n);
      })(),
    ).rejects.toThrow('boom');
    expect(seen).toEqual([6, 3]);
    const q2 = new BoundedQueue<number>({ capacity: 5, onCancel: () => cancelled++ });
    q2.push(1);
    q2.push(2);
    for await (const _ of q2) break;
    expect(cancelled).toBe(1);
    expect(q2.push(3)).toBe(false);
  });

  it("with overflow 'drop-oldest' keeps the newest items, counts the dropped ones, and ends after draining", async () => {
    const q = new BoundedQueue<number>({ capacity: 3, overflow: 'drop-oldest' });
    expect([q.push(1), q.push(2), q.push(3)]).toEqual([true, true, true]);
    expect(q.push(4)).toBe(false);
    expect(q.push(5)).toBe(false);
    expect(q.dropped).toBe(2);
    expect(q.size).toBe(3);
    q.end();
    expect(q.push(6)).toBe(false);
    const seen: number[] = [];
    for await (const x of q) seen.push(x);
    expect(seen).toEqual([3, 4, 5]);
    expect(q.dropped).toBe(2);
  });

  it('stays bounded over a long run with a slow reader, and hands a waiting reader the next item at once', async () => {
    const q = new BoundedQueue<number>({ capacity: 500, overflow: 'drop-oldest' });
    for (let i = 0; i < 10_000; i++) q.push(i);
    expect(q.size).toBe(500);
    expect(q.dropped).toBe(9_500);
    expect((await q.next()).value).toBe(9_500);
    const r = new BoundedQueue<string>({ capacity: 1 });
    const pending = r.next();
    expect(r.push('a')).toBe(true);
    expect(await pending).toEqual({ value: 'a', done: false });
  });
});
