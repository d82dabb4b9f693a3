// The write queue on its own, against a sink that records what it is given and fails on
// command, under a manual clock: batching, eviction order, retries and backoff.
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { type BatchSink, WriteQueue, type WriteQueueOptions } from '../../src/store/write-queue.js';
import { type StoreWrite, writes } from '../../src/store/writes.js';

class RecordingSink implements BatchSink {
  readonly batches: string[][] = [];
  /** Errors to throw on the next applies, in order. */
  readonly failures: Array<Error & { code?: string }> = [];
  apply(batch: readonly StoreWrite[]): void {
    const f = this.failures.shift();
    if (f !== undefined) throw f;
    this.batches.push(batch.map(label));
  }
  isTransient(e: unknown): boolean {
    return (e as { code?: string }).code === 'SQLITE_FULL';
  }
  backendCode(e: unknown): string | undefined {
    return (e as { code?: string }).code;
  }
}

function label(w: StoreWrite): string {
  switch (w.kind) {
    case 'log':
      return `log:${w.line.msg}`;
    case 'event':
      return `event:${w.at}`;
    case 'turn':
      return `turn:${w.turn.index}`;
    default:
      return w.kind;
  }
}

const log = (msg: string): StoreWrite => writes.log('s', { at: 0, level: 'debug', msg });
const event = (at: number): StoreWrite => writes.event('s', { at, type: 'dtmf', digit: '1' });
const turn = (index: number): StoreWrite => writes.turn('s', { index, startedAt: 0, userText: '', botText: '', interrupted: false, ledger: {} });
const full = (): Error & { code: string } => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });

function setup(options: WriteQueueOptions = {}): { q: WriteQueue; sink: RecordingSink; clock: ManualClock } {
  const clock = new ManualClock();
  const sink = new RecordingSink();
  const q = new WriteQueue(sink, { clock, now: () => 42, flushIntervalMs: 200, ...options });
  return { q, sink, clock };
}

describe('WriteQueue', () => {
  it('is bounded in bytes: big rows evict logs first, records parked by a sick disk count too, and are retried first', async () => {
    const big = (i: number): StoreWrite => writes.log('s', { at: i, level: 'debug', msg: 'x'.repeat(1900) });
    const { q, sink, clock } = setup({ maxPendingBytes: 64 * 1024, maxRetries: 0, retryBaseMs: 10, retryMaxMs: 10 });
    for (let i = 0; i < 100; i++) q.push(big(i));
    expect(q.pendingBytes).toBeLessThanOrEqual(64 * 1024);
    expect(q.stats().pendingWrites).toBeLessThan(20);
    expect(q.stats().droppedLogRows).toBeGreaterThan(80);
    // A record pushed into a queue full of logs evicts logs, not itself.
    q.push(writes.streamEnded('s', { endedAt: 5, hangup: { by: 'caller', reason: 'bye' } }));
    sink.failures.push(full());
    clock.advance(200);
    await vi.waitFor(() => expect(q.stats().writeErrors).toBe(1));
    // The batch failed: its logs are dropped, its record is parked (still bounded) and goes first next time.
    expect(q.stats().pendingWrites).toBe(1);
    expect(q.pendingBytes).toBeGreaterThan(0);
    q.push(log('after'));
    // The next batch (after the interval and the sick disk's backoff) carries the record first.
    await vi.waitFor(() => {
      clock.advance(50);
      expect(sink.batches.at(-1)).toEqual(['stream_ended', 'log:after']);
    });
    expect(q.pendingBytes).toBe(0);
  });

  it('holds writes for the flush interval, then writes them in one batch', async () => {
    const { q, sink, clock } = setup();
    q.push(log('a'));
    q.push(event(1));
    q.push(turn(0));
    clock.advance(199);
    await Promise.resolve();
    expect(sink.batches).toEqual([]);
    expect(q.stats().pendingWrites).toBe(3);
    clock.advance(1);
    // Records first, then events, then logs; each tier in arrival order.
    await vi.waitFor(() => expect(sink.batches).toEqual([['turn:0', 'event:1', 'log:a']]));
    expect(q.stats()).toMatchObject({ pendingWrites: 0, writtenRows: 3 });
  });

  it('writes a full batch at once, in batches of maxBatch', async () => {
    const { q, sink, clock } = setup({ maxBatch: 3 });
    for (let i = 0; i < 7; i++) q.push(log(String(i)));
    clock.advance(0);
    await vi.waitFor(() => expect(sink.batches.flat()).toHaveLength(7));
    expect(sink.batches).toEqual([
      ['log:0', 'log:1', 'log:2'],
      ['log:3', 'log:4', 'log:5'],
      ['log:6'],
    ]);
  });

  it('a full queue evicts the oldest debug logs first, then events, then records; a log never evicts a record', async () => {
    const { q, sink } = setup({ maxPending: 4 });
    q.push(log('1'));
    q.push(log('2'));
    q.push(event(1));
    q.push(turn(1));
    q.push(event(2)); // evicts log 1
    q.push(turn(2)); // evicts log 2
    q.push(turn(3)); // evicts event 1
    q.push(log('3')); // nothing less valuable queued: the new log is dropped
    q.push(turn(4)); // evicts event 2
    q.push(turn(5)); // evicts turn 1, the oldest record
    expect(q.stats()).toMatchObject({ pendingWrites: 4, droppedRows: 6, droppedLogRows: 3 });
    await q.flush();
    expect(sink.batches).toEqual([['turn:2', 'turn:3', 'turn:4', 'turn:5']]);
  });

  it('retries a transient failure with exponential backoff, then succeeds without loss', async () => {
    const errors: unknown[] = [];
    const { q, sink, clock } = setup({ retryBaseMs: 100, maxRetries: 3, onWriteError: (e) => errors.push(e) });
    sink.failures.push(full(), full());
    q.push(log('a'));
    const done = q.flush();
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    expect(q.stats()).toMatchObject({ writeErrors: 1, pendingWrites: 1 });
    clock.advance(99);
    expect(sink.batches).toEqual([]);
    clock.advance(1); // first retry after 100 ms: fails again
    await vi.waitFor(() => expect(q.stats().writeErrors).toBe(2));
    clock.advance(199);
    expect(sink.batches).toEqual([]);
    clock.advance(1); // second retry after 200 ms: succeeds
    await done;
    expect(sink.batches).toEqual([['log:a']]);
    expect(q.stats()).toMatchObject({ writtenRows: 1, droppedRows: 0, writeErrors: 2 });
    expect(errors).toEqual([
      { code: 'STORE_WRITE_FAILED', backendCode: 'SQLITE_FULL', message: 'database or disk is full', at: 42 },
      { code: 'STORE_WRITE_FAILED', backendCode: 'SQLITE_FULL', message: 'database or disk is full', at: 42 },
    ]);
  });

  it('drops a batch whose retries are exhausted, and backs off before the next batch while the fault lasts', async () => {
    const { q, sink, clock } = setup({ retryBaseMs: 10, retryMaxMs: 1000, maxRetries: 1 });
    sink.failures.push(full(), full(), full());
    q.push(log('lost'));
    const first = q.flush();
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    clock.advance(10);
    await first;
    expect(q.stats()).toMatchObject({ droppedRows: 1, writeErrors: 2, pendingWrites: 0 });
    // Two failures in a row: the next batch waits 20 ms before its first attempt.
    q.push(log('kept'));
    const second = q.flush();
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    clock.advance(19);
    expect(q.stats().writeErrors).toBe(2);
    clock.advance(1); // attempt: fails (third failure), retry after 10 ms
    await vi.waitFor(() => expect(q.stats().writeErrors).toBe(3));
    clock.advance(10);
    await second;
    expect(sink.batches).toEqual([['log:kept']]);
    expect(q.stats()).toMatchObject({ droppedRows: 1, writtenRows: 1 });
  });

  it('close() under a persistent fault gives each batch one attempt, without waiting on backoff', async () => {
    const { q, sink } = setup({ maxBatch: 2, retryBaseMs: 1000, maxRetries: 5 });
    for (let i = 0; i < 6; i++) sink.failures.push(full());
    for (let i = 0; i < 6; i++) q.push(log(String(i)));
    // The manual clock never advances: any backoff wait would hang this test.
    await q.close();
    expect(q.stats()).toMatchObject({ pendingWrites: 0, droppedRows: 6, writeErrors: 3, writtenRows: 0 });
  });

  it('close() cuts short a backoff wait already in progress', async () => {
    const { q, sink, clock } = setup({ retryBaseMs: 60_000, maxRetries: 5 });
    sink.failures.push(full(), full());
    q.push(log('a'));
    void q.flush();
    await vi.waitFor(() => expect(clock.pending).toBe(1)); // waiting 60 s before retry 1
    await q.close();
    // The retry ran at once (and failed); closing allows no more.
    expect(q.stats()).toMatchObject({ pendingWrites: 0, droppedRows: 1, writeErrors: 2 });
    expect(clock.pending).toBe(0);
  });

  it('refuses writes after close and counts them', async () => {
    const { q, sink } = setup();
    q.push(log('a'));
    await q.close();
    q.push(log('b'));
    expect(sink.batches).toEqual([['log:a']]);
    expect(q.stats()).toMatchObject({ writtenRows: 1, droppedRows: 1, droppedLogRows: 1 });
  });

  it('survives an error hook that throws', async () => {
    const { q, sink } = setup({
      maxRetries: 0,
      onWriteError: () => {
        throw new Error('hook');
      },
    });
    sink.failures.push(full());
    q.push(log('a'));
    await q.flush();
    expect(q.stats()).toMatchObject({ droppedRows: 1, writeErrors: 1 });
  });
});
