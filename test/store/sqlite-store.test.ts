import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { parseStreamStatus } from '../../src/protocol/status.js';
import { MemoryStreamStore } from '../../src/store/memory-store.js';
import { SqliteStreamStore } from '../../src/store/sqlite-store.js';
import { SAMPLE, tempDir, writeSampleCall } from '../support/store-fixtures.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function fileStore(options: ConstructorParameters<typeof SqliteStreamStore>[0] = {}): { store: SqliteStreamStore; path: string; dir: string } {
  const t = tempDir();
  const path = join(t.dir, 'nested', 'callwire.db');
  const store = new SqliteStreamStore({ path, ...options });
  cleanups.push(t.cleanup, () => store.close());
  return { store, path, dir: t.dir };
}

describe('SqliteStreamStore: one call, written and read back', () => {
  it('stores the record, timeline, callbacks, turns, counters and logs of a call', async () => {
    const { store, path } = fileStore();
    writeSampleCall(store);
    await store.flush();
    expect(existsSync(path)).toBe(true);
    const s = await store.getStream(SAMPLE.streamId);
    expect(s).toMatchObject({
      streamId: SAMPLE.streamId,
      callId: SAMPLE.callId,
      accountId: SAMPLE.accountId,
      from: SAMPLE.from,
      to: SAMPLE.to,
      direction: 'inbound',
      format: 'mulaw/8000',
      startedAt: SAMPLE.t0,
      endedAt: SAMPLE.t0 + 9000,
      durationMs: 9000,
      status: 'ended',
      hangup: { by: 'caller', reason: 'caller hung up' },
      counters: { framesIn: 450, framesOut: 300, bytesIn: 72_000, bytesOut: 48_000, gaps: 2, lateFrames: 1, badFrames: 0 },
      turnCount: 2,
      errorCount: 1,
      logCount: 3,
    });
    // Secrets never reach the disk.
    expect(s?.extraHeaders).toEqual({ tenant: 'acme', apiKey: '[redacted]' });
    expect(s?.events.map((e) => e.type)).toEqual(['state', 'dtmf', 'barge_in', 'error']);
    expect(s?.bargeIns).toEqual([
      expect.objectContaining({ type: 'barge_in', at: SAMPLE.t0 + 4000, turn: 1, said: 'Your order shipped on Monday and should arrive', heard: 'Your order shipped', heardMs: 900 }),
    ]);
    expect(s?.dtmf).toEqual([expect.objectContaining({ digit: '5', at: SAMPLE.t0 + 2500 })]);
    expect(s?.errors).toEqual([expect.objectContaining({ code: 'PROVIDER_TIMEOUT', retryable: true })]);
    expect(s?.statusCallbacks.map((c) => c.event)).toEqual(['StartStream', 'StopStream']);
    expect(s?.turns[1]).toEqual({
      index: 1,
      startedAt: SAMPLE.t0 + 3000,
      userText: 'Where is my order?',
      botText: 'Your order shipped on Monday and should arrive',
      heardText: 'Your order shipped',
      interrupted: true,
      ledger: expect.objectContaining({ speechEnd: 103_000, sttFinal: 103_180, firstAudioHeard: 103_905 }),
    });
    const logs = await store.logs(SAMPLE.streamId);
    expect(logs.lines.map((l) => [l.level, l.msg])).toEqual([
      ['info', 'stream started'],
      ['warn', 'barge-in'],
      ['debug', 'socket closed'],
    ]);
    expect(logs.lines[1]?.fields).toEqual({ heardMs: 900, authorization: '[redacted]' });
    expect(store.stats()).toMatchObject({ pendingWrites: 0, writtenRows: 13, droppedRows: 0, writeErrors: 0 });
  });

  it('keeps status callbacks that arrive before the stream or after it, and joins them by stream id or call id', async () => {
    const { store } = fileStore();
    const callId = 'call-early';
    store.statusCallback(parseStreamStatus({ Event: 'StartStream', CallUUID: callId }), 100);
    store.statusCallback(parseStreamStatus({ Event: 'DegradedStream', StreamID: 's-late', BufferPercent: '85' }), 150);
    await store.flush();
    store.streamStarted({ streamId: 's-late', callId, format: 'l16/16000', startedAt: 120 });
    store.streamEnded('s-late', { endedAt: 400, hangup: { by: 'agent', reason: 'goodbye' } });
    await store.flush();
    store.statusCallback(parseStreamStatus({ Event: 'DroppedStream', CallUUID: callId, Error: 'connection_failed' }), 500);
    store.statusCallback(parseStreamStatus({ Event: 'StopStream', StreamID: 'someone-else' }), 510);
    await store.flush();
    const s = await store.getStream('s-late');
    expect(s?.statusCallbacks.map((c) => [c.event, c.receivedAt])).toEqual([
      ['StartStream', 100],
      ['DegradedStream', 150],
      ['DroppedStream', 500],
    ]);
    expect(s?.statusCallbacks[1]?.fields).toMatchObject({ BufferPercent: '85' });
    expect(s?.statusCallbacks[2]?.fields).toMatchObject({ Error: 'connection_failed' });
  });

  it('a field named __proto__ (posted in a callback or logged) is stored like any other, not dropped', async () => {
    const { store } = fileStore();
    // JSON.parse makes `__proto__` an own property, as a form or JSON body parser does.
    store.statusCallback(parseStreamStatus(JSON.parse('{"Event":"StartStream","StreamID":"s-proto","__proto__":"posted"}')), 100);
    store.log('s-proto', { at: 1, level: 'info', msg: 'm', fields: JSON.parse('{"__proto__":{"polluted":true},"b":2}') });
    store.streamStarted({ streamId: 's-proto', callId: 'c-proto', format: 'mulaw/8000', startedAt: 90 });
    await store.flush();
    const fields = (await store.getStream('s-proto'))?.statusCallbacks[0]?.fields ?? {};
    expect(Object.hasOwn(fields, '__proto__')).toBe(true);
    expect(JSON.stringify(fields)).toContain('"__proto__":"posted"');
    const logged = (await store.logs('s-proto')).lines[0]?.fields;
    expect(JSON.stringify(logged)).toBe('{"__proto__":{"polluted":true},"b":2}');
  });

  it('builds a record from whichever write comes first, and ignores live counters after the end', async () => {
    const { store } = fileStore();
    store.streamEnded('s1', { endedAt: 5000, hangup: { by: 'socket_error', reason: 'ECONNRESET', code: 'STREAM_ENDED' } });
    store.recording('s2', '/tmp/none/s2.wav');
    await store.flush();
    expect(await store.getStream('s1')).toMatchObject({ status: 'ended', startedAt: 5000, durationMs: 0, hangup: { by: 'socket_error', code: 'STREAM_ENDED' } });
    expect(await store.getStream('s2')).toMatchObject({ status: 'live', recordingPath: '/tmp/none/s2.wav' });
    // The start lands late: the duration is corrected.
    store.streamStarted({ streamId: 's1', callId: 'c1', format: 'mulaw/8000', startedAt: 2000 });
    store.counters('s1', { framesIn: 1, framesOut: 1, bytesIn: 1, bytesOut: 1, gaps: 0, lateFrames: 0, badFrames: 0 });
    store.counters('s2', { framesIn: 50, framesOut: 40, bytesIn: 8000, bytesOut: 6400, gaps: 1, lateFrames: 0, badFrames: 3 });
    await store.flush();
    expect(await store.getStream('s1')).toMatchObject({ startedAt: 2000, durationMs: 3000, counters: { framesIn: 0 } });
    expect((await store.getStream('s2'))?.counters).toEqual({ framesIn: 50, framesOut: 40, bytesIn: 8000, bytesOut: 6400, gaps: 1, lateFrames: 0, badFrames: 3 });
  });

  it('replaces a turn written twice with the same index', async () => {
    const { store } = fileStore();
    const turn = { index: 0, startedAt: 10, userText: 'hi', botText: 'Hello there, friend', interrupted: false, ledger: { llmFirstToken: 300 } };
    store.turn('s', turn);
    store.turn('s', { ...turn, heardText: 'Hello', interrupted: true, ledger: { llmFirstToken: 300, firstAudioHeard: 700 } });
    await store.flush();
    store.streamStarted({ streamId: 's', callId: 'c', format: 'mulaw/8000', startedAt: 1 });
    await store.flush();
    const s = await store.getStream('s');
    expect(s?.turns).toEqual([{ ...turn, heardText: 'Hello', interrupted: true, ledger: { llmFirstToken: 300, firstAudioHeard: 700 } }]);
  });

  it('lists newest first with status filters, search and cursor paging', async () => {
    const { store } = fileStore();
    for (let i = 0; i < 25; i++) {
      const streamId = `stream-${String(i).padStart(2, '0')}`;
      store.streamStarted({ streamId, callId: `call-${i}`, from: `+1415555${String(i).padStart(4, '0')}`, to: '+18005550000', format: 'mulaw/8000', startedAt: 1000 + i * 10 });
      if (i % 2 === 0) store.streamEnded(streamId, { endedAt: 5000 + i, hangup: { by: 'caller', reason: 'bye' } });
    }
    await store.flush();
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listStreams({ limit: 7, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...page.streams.map((s) => s.streamId));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `stream-${String(24 - i).padStart(2, '0')}`));
    expect((await store.listStreams({ status: 'live' })).streams).toHaveLength(12);
    expect((await store.listStreams({ status: 'ended' })).streams.every((s) => s.status === 'ended')).toBe(true);
    expect((await store.listStreams({ q: '5550007' })).streams.map((s) => s.streamId)).toEqual(['stream-07']);
    expect((await store.listStreams({ q: 'call-1' })).streams).toHaveLength(11); // call-1, call-10..19
    // LIKE wildcards in the query are literal.
    expect((await store.listStreams({ q: '%' })).streams).toHaveLength(0);
    expect((await store.listStreams({ q: 'stream_0' })).streams).toHaveLength(0);
    await expect(store.listStreams({ cursor: 'garbage!' })).rejects.toMatchObject({ code: 'STORE_INVALID_INPUT' });
  });

  it('finds a stream by id, by call id (latest stream) or by a unique prefix', async () => {
    const { store } = fileStore();
    store.streamStarted({ streamId: 'aaaa1111', callId: 'call-x', format: 'mulaw/8000', startedAt: 1 });
    store.streamStarted({ streamId: 'aaaa2222', callId: 'call-x', format: 'mulaw/8000', startedAt: 2 });
    store.streamStarted({ streamId: 'bbbb3333', callId: 'call-y', format: 'mulaw/8000', startedAt: 3 });
    await store.flush();
    expect(await store.findStream('aaaa1111')).toBe('aaaa1111');
    expect(await store.findStream('call-x')).toBe('aaaa2222');
    expect(await store.findStream('bbbb')).toBe('bbbb3333');
    expect(await store.findStream('cccc')).toBeUndefined();
    await expect(store.findStream('aaaa')).rejects.toMatchObject({ code: 'STORE_AMBIGUOUS_ID', message: expect.stringContaining('aaaa1111, aaaa2222') });
  });

  it('pages logs by id', async () => {
    const { store } = fileStore();
    for (let i = 0; i < 12; i++) store.log('s', { at: i, level: 'debug', msg: `line ${i}` });
    await store.flush();
    const p1 = await store.logs('s', { limit: 5 });
    const p2 = await store.logs('s', { limit: 5, afterId: p1.nextAfterId });
    const p3 = await store.logs('s', { limit: 5, afterId: p2.nextAfterId });
    expect([...p1.lines, ...p2.lines, ...p3.lines].map((l) => l.msg)).toEqual(Array.from({ length: 12 }, (_, i) => `line ${i}`));
    expect(p3.nextAfterId).toBeUndefined();
  });

  it('caps and redacts what it is given, and never throws into the caller', async () => {
    const { store } = fileStore();
    const huge = 'x'.repeat(100_000);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => {
      store.log('s', { at: 1, level: 'info', msg: huge, fields: { huge, cyclic: cyclic as never, n: Number.NaN, big: 10n as unknown as number } });
      store.log('s', { at: 2, level: 'loud' as 'info', msg: 'Bearer abc', fields: { password: 'hunter2', nested: { token: 't' } } });
      store.streamStarted(null as never);
      store.event('s', { at: 3, type: 'mystery' } as never);
      store.streamEnded('s', { endedAt: Number.NaN, hangup: { by: 'aliens' as 'caller', reason: huge } });
    }).not.toThrow();
    await store.flush();
    const lines = (await store.logs('s')).lines;
    expect(lines[0]?.msg.length).toBe(2000);
    expect(JSON.stringify(lines[0]?.fields).length).toBeLessThanOrEqual(4096);
    expect(lines[1]).toMatchObject({ level: 'info', fields: { password: '[redacted]', nested: { token: '[redacted]' } } });
    const s = await store.getStream('s');
    expect(s?.hangup).toEqual({ by: 'server', reason: `${'x'.repeat(499)}…` });
    expect(s?.events).toEqual([expect.objectContaining({ type: 'note', name: 'mystery' })]);
    expect(store.stats()).toMatchObject({ droppedRows: 1, lastError: expect.objectContaining({ code: 'STORE_INVALID_INPUT' }) });
  });
});

describe('SqliteStreamStore: runaway and orphaned streams', () => {
  it('caps debug log lines per stream, says so once, and counts the rest as dropped', async () => {
    const { store } = fileStore({ maxLogLinesPerStream: 5 });
    for (let i = 0; i < 12; i++) store.log('chatty', { at: i, level: 'debug', msg: `frame ${i}` });
    store.log('quiet', { at: 0, level: 'info', msg: 'hello' });
    await store.flush();
    expect((await store.logs('chatty')).lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      'debug frame 0',
      'debug frame 1',
      'debug frame 2',
      'debug frame 3',
      'warn log truncated: more than 4 lines for this stream',
    ]);
    expect((await store.logs('quiet')).lines).toHaveLength(1);
    expect(store.stats()).toMatchObject({ writtenRows: 6, droppedRows: 8, droppedLogRows: 8 });
  });

  it('endOrphans() ends streams a dead process left live, when they were last heard of', async () => {
    const { store } = fileStore();
    store.streamStarted({ streamId: 'orphan', callId: 'c1', format: 'mulaw/8000', startedAt: 1000 });
    store.log('orphan', { at: 4000, level: 'debug', msg: 'last words' });
    store.streamStarted({ streamId: 'quiet-orphan', callId: 'c2', format: 'mulaw/8000', startedAt: 2000 });
    store.streamStarted({ streamId: 'done', callId: 'c3', format: 'mulaw/8000', startedAt: 1500 });
    store.streamEnded('done', { endedAt: 1800, hangup: { by: 'caller', reason: 'bye' } });
    store.streamStarted({ streamId: 'new', callId: 'c4', format: 'mulaw/8000', startedAt: 9000 });
    expect(await store.endOrphans(5000)).toBe(2);
    expect(await store.getStream('orphan')).toMatchObject({
      status: 'ended',
      endedAt: 4000,
      durationMs: 3000,
      hangup: { by: 'server', reason: 'stream left open: its server stopped before the stream ended' },
    });
    expect(await store.getStream('quiet-orphan')).toMatchObject({ status: 'ended', endedAt: 2000, durationMs: 0 });
    expect(await store.getStream('done')).toMatchObject({ endedAt: 1800, hangup: { by: 'caller' } });
    expect((await store.getStream('new'))?.status).toBe('live');
  });
});

describe('SqliteStreamStore: retention', () => {
  it('prunes ended streams and silent live ones older than the cutoff, with their rows and recordings', async () => {
    const { store, dir } = fileStore({ retentionMs: null });
    const wav = join(dir, 'old.wav');
    writeFileSync(wav, 'RIFF');
    const notWav = join(dir, 'keep.txt');
    writeFileSync(notWav, 'x');
    writeSampleCall(store, { streamId: 'old', callId: 'call-old', t0: 1000 });
    store.recording('old', wav);
    store.streamStarted({ streamId: 'zombie', callId: 'z', format: 'mulaw/8000', startedAt: 2000 });
    store.recording('zombie', notWav);
    writeSampleCall(store, { streamId: 'new', callId: 'call-new', t0: 100_000 });
    await store.flush();
    const r = await store.prune(50_000);
    expect(r).toEqual({ streams: 2, statusCallbacks: 2, recordings: 1 });
    expect(existsSync(wav)).toBe(false);
    expect(existsSync(notWav)).toBe(true); // only .wav files are ever deleted
    expect((await store.listStreams()).streams.map((s) => s.streamId)).toEqual(['new']);
    expect((await store.logs('old')).lines).toEqual([]);
    const db = store.database;
    for (const table of ['events', 'turns', 'logs']) {
      expect((db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE stream_id IN ('old', 'zombie')`).get() as { n: number }).n).toBe(0);
    }
    expect(store.stats().prunedStreams).toBe(2);
  });

  it('runs retention on its own timer', async () => {
    const clock = new ManualClock();
    let wall = 10_000_000;
    const { store } = fileStore({ clock, now: () => wall, retentionMs: 60_000, pruneIntervalMs: 5_000 });
    writeSampleCall(store, { streamId: 'a', callId: 'ca', t0: wall - 200_000 });
    writeSampleCall(store, { streamId: 'b', callId: 'cb', t0: wall - 1000 });
    await store.flush();
    wall += 5_000;
    clock.advance(5_000);
    await expect.poll(() => store.stats().prunedStreams).toBe(1);
    expect((await store.listStreams()).streams.map((s) => s.streamId)).toEqual(['b']);
  });

  it('MemoryStreamStore keeps at most maxStreams', async () => {
    const clock = new ManualClock();
    const store = new MemoryStreamStore({ clock, maxStreams: 3, pruneIntervalMs: 1000, retentionMs: null });
    cleanups.push(() => store.close());
    for (let i = 0; i < 5; i++) store.streamStarted({ streamId: `m${i}`, callId: `c${i}`, format: 'mulaw/8000', startedAt: i });
    await store.flush();
    clock.advance(1000);
    await expect.poll(() => store.stats().prunedStreams).toBe(2);
    expect((await store.listStreams()).streams.map((s) => s.streamId)).toEqual(['m4', 'm3', 'm2']);
  });
});

describe('SqliteStreamStore: lifecycle', () => {
  it('reopens a file with its data, refuses a missing file when mustExist, and drops writes after close', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'c.db');
    expect(() => new SqliteStreamStore({ path, mustExist: true })).toThrow(expect.objectContaining({ code: 'STORE_NOT_FOUND' }));
    const a = new SqliteStreamStore({ path });
    writeSampleCall(a);
    await a.close();
    a.log('s', { at: 1, level: 'info', msg: 'late' });
    expect(a.stats()).toMatchObject({ droppedRows: 1, pendingWrites: 0 });
    await expect(a.listStreams()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const b = new SqliteStreamStore({ path, readonly: true, retryBaseMs: 1 });
    cleanups.push(() => b.close());
    expect((await b.getStream(SAMPLE.streamId))?.turnCount).toBe(2);
    // A read-only store counts its failed writes instead of throwing.
    b.log(SAMPLE.streamId, { at: 1, level: 'info', msg: 'x' });
    await b.flush();
    expect(b.stats()).toMatchObject({ droppedRows: 1, lastError: expect.objectContaining({ backendCode: expect.stringMatching(/^SQLITE_READONLY/) }) });
  });

  it('writes in the background on its interval, without flush()', async () => {
    const { store } = fileStore({ flushIntervalMs: 20 });
    store.streamStarted({ streamId: 'bg', callId: 'c', format: 'mulaw/8000', startedAt: 1 });
    expect(store.stats().pendingWrites).toBe(1);
    await expect.poll(() => store.stats().writtenRows, { timeout: 10_000 }).toBe(1);
    expect(store.stats().pendingWrites).toBe(0);
    expect(await store.findStream('bg')).toBe('bg');
  });
});
