import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlayoutBuffer } from '../../src/emulator/playout.js';

function drainAll(b: PlayoutBuffer, frame: number): { bytes: number[]; reachedAt: Map<string, number> } {
  const bytes: number[] = [];
  const reachedAt = new Map<string, number>();
  const out = new Uint8Array(frame);
  for (let tick = 0; tick < 10_000; tick++) {
    const reached: string[] = [];
    const n = b.drain(out, reached);
    // Checkpoints reported by this drain were reached before its frame: at the bytes played so far.
    for (const r of reached) reachedAt.set(r, bytes.length);
    bytes.push(...out.subarray(0, n));
    if (n === 0 && b.pendingCheckpoints === 0) break;
  }
  return { bytes, reachedAt };
}

describe('PlayoutBuffer', () => {
  it('plays bytes in order, frame by frame, across chunk boundaries', () => {
    const b = new PlayoutBuffer(1000);
    b.enqueue(Uint8Array.of(1, 2, 3));
    b.enqueue(Uint8Array.of(4, 5, 6, 7, 8));
    const out = new Uint8Array(4);
    expect(b.drain(out, [])).toBe(4);
    expect([...out]).toEqual([1, 2, 3, 4]);
    expect(b.drain(out, [])).toBe(4);
    expect([...out]).toEqual([5, 6, 7, 8]);
    expect(b.drain(out, [])).toBe(0);
  });

  it('answers a checkpoint only once everything queued before it has played', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 1, max: 700 }), fc.constant(-1)), { maxLength: 40 }), fc.integer({ min: 1, max: 640 }), (ops, frame) => {
        const b = new PlayoutBuffer(1_000_000);
        const expected = new Map<string, number>();
        let queued = 0;
        ops.forEach((op, i) => {
          if (op === -1) {
            b.checkpoint(`cp${i}`);
            expected.set(`cp${i}`, queued);
          } else {
            b.enqueue(new Uint8Array(op).fill(i & 0xff));
            queued += op;
          }
        });
        const { bytes, reachedAt } = drainAll(b, frame);
        expect(bytes.length).toBe(queued);
        for (const [name, at] of expected) {
          const played = reachedAt.get(name);
          expect(played).toBeDefined();
          // Reported at the first tick after the audio queued before it has finished playing.
          expect(played as number).toBeGreaterThanOrEqual(at);
          expect((played as number) - at).toBeLessThanOrEqual(frame);
        }
      }),
    );
  });

  it('clear drops audio and pending checkpoints; later checkpoints count from there', () => {
    const b = new PlayoutBuffer(1000);
    b.enqueue(new Uint8Array(500));
    b.checkpoint('a');
    b.enqueue(new Uint8Array(100));
    b.checkpoint('b');
    expect(b.clear()).toEqual({ droppedBytes: 600, droppedCheckpoints: ['a', 'b'] });
    expect(b.buffered).toBe(0);
    b.checkpoint('c');
    const reached: string[] = [];
    expect(b.drain(new Uint8Array(10), reached)).toBe(0);
    expect(reached).toEqual(['c']);
  });

  it('takes what fits, refuses the rest and reports 30/60/90 % crossings once until it drains', () => {
    const b = new PlayoutBuffer(1000);
    expect(b.enqueue(new Uint8Array(250))).toEqual({ accepted: 250, refused: 0, crossed: [] });
    expect(b.enqueue(new Uint8Array(100)).crossed).toEqual([30]);
    expect(b.enqueue(new Uint8Array(600))).toEqual({ accepted: 600, refused: 0, crossed: [60, 90] });
    expect(b.enqueue(new Uint8Array(100))).toEqual({ accepted: 50, refused: 50, crossed: [] });
    // Draining to 85 % re-arms nothing (hysteresis); to 45 % re-arms 60 and 90.
    b.drain(new Uint8Array(150), []);
    expect(b.enqueue(new Uint8Array(10)).crossed).toEqual([]);
    b.drain(new Uint8Array(410), []);
    expect(b.fill).toBeCloseTo(0.45);
    expect(b.enqueue(new Uint8Array(500)).crossed).toEqual([60, 90]);
  });

  it('bounds pending checkpoints', () => {
    const b = new PlayoutBuffer(10, { maxCheckpoints: 2 });
    expect(b.checkpoint('1')).toBe(true);
    expect(b.checkpoint('2')).toBe(true);
    expect(b.checkpoint('3')).toBe(false);
  });
});
