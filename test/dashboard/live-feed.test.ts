// The live feed (Server-Sent Events): a real call's start, updates, turns, timeline and
// status callbacks reach open pages as they happen; a page opened mid-call gets a snapshot;
// a client that stops reading is dropped instead of buffering without bound.
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { LiveFeed } from '../../src/dashboard/live-feed.js';
import { LiveState } from '../../src/dashboard/live-state.js';
import { silentLogger } from '../../src/log/logger.js';
import type { StoreRecord } from '../../src/server/store-tee.js';
import { ZERO_COUNTERS } from '../../src/store/index.js';
import { emulatedCall, startDashboardServer } from '../support/dashboard.js';
import { type SseMessage, SseReader } from '../support/sse.js';

type Stream = { streamId: string; status: string; turnCount: number; counters: { framesIn: number } };

const started = (streamId: string, callId = `call-${streamId}`, startedAt = Date.now()): StoreRecord => ({
  kind: 'started',
  start: { streamId, callId, format: 'mulaw/8000', startedAt, from: '+1555' },
});

describe('dashboard live feed', () => {
  it('pushes a real call as it happens: list events to every page, details to the page of that stream', async () => {
    const d = await startDashboardServer();
    const list = await SseReader.open(`${d.http}/api/events`);
    let detail: SseReader | undefined;
    try {
      await list.waitFor((m) => m.event === 'live', 'the initial live list');
      let snapshot: SseMessage | undefined;
      const call = await emulatedCall(d.http, {
        beforeHangup: async (streamId) => {
          detail = await SseReader.open(`${d.http}/api/events?stream=${streamId}`);
          snapshot = await detail.waitFor((m) => m.event === 'snapshot', 'the snapshot');
        },
      });
      const snap = snapshot?.data as { live: boolean; stream: Stream; events: { type: string }[]; turns: { index: number; bars: unknown[] }[]; statusCallbacks: { event: string }[] };
      // Opened mid-call: everything so far, exactly as the store was given it.
      expect(snap.live).toBe(true);
      expect(snap.stream).toMatchObject({ streamId: call.streamId, status: 'live' });
      expect(snap.events.some((e) => e.type === 'state')).toBe(true);
      expect(snap.turns).toHaveLength(1);
      expect(snap.turns[0]?.bars.length).toBeGreaterThan(0);
      expect(snap.statusCallbacks.map((c) => c.event)).toContain('StartStream');

      const isMine = (m: SseMessage): boolean => m.event === 'stream' && (m.data as Stream).streamId === call.streamId;
      await list.waitFor((m) => isMine(m) && (m.data as Stream).status === 'live', 'stream started');
      await list.waitFor((m) => isMine(m) && (m.data as Stream).turnCount === 1, 'the turn count update');
      await list.waitFor((m) => isMine(m) && (m.data as Stream).status === 'ended', 'stream ended');
      // The list feed carries no per-stream detail.
      expect(list.messages.some((m) => m.event === 'turn' || m.event === 'event')).toBe(false);
      // The stream's own feed: the end, the closing status callback and the ending state.
      await detail?.waitFor((m) => m.event === 'stream' && (m.data as Stream).status === 'ended', 'the end on the stream feed');
      await detail?.waitFor((m) => m.event === 'status' && (m.data as { callback: { event: string } }).callback.event === 'StopStream', 'StopStream');
      await detail?.waitFor((m) => m.event === 'event' && (m.data as { event: { type: string; state?: string } }).event.state === 'ended', 'the agent ending');
      // What the feed said matches what the store kept.
      const stored = await d.store.getStream(call.streamId);
      const fed = [...(snap.events as { at: number; type: string }[]), ...(detail?.messages.filter((m) => m.event === 'event').map((m) => (m.data as { event: { at: number; type: string } }).event) ?? [])];
      expect(fed.map((e) => `${e.at}:${e.type}`)).toEqual(stored?.events.map((e) => `${e.at}:${e.type}`));
    } finally {
      list.close();
      detail?.close();
      await d.close();
    }
  });

  it('drops a client that stops reading, and caps the number of feeds', async () => {
    const feed = new LiveFeed(new LiveState(), silentLogger, { maxBufferedBytes: 64 * 1024, maxClients: 2 });
    const http = createServer((req, res) => feed.open(req, res, req.url?.includes('stream=') ? 's1' : undefined));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as { port: number }).port;
    // A raw client that sends the request and never reads the response.
    const socket = connect(port, '127.0.0.1');
    socket.pause();
    await new Promise<void>((r) => socket.once('connect', r));
    socket.write('GET /api/events?stream=s1 HTTP/1.1\r\nHost: x\r\n\r\n');
    let closed = false;
    socket.on('close', () => (closed = true));
    try {
      await expect.poll(() => feed.clients, { timeout: 10_000 }).toBe(1);
      feed.record(started('s1'));
      const big = 'x'.repeat(3000);
      // Far more than the socket buffers hold: the feed must give up on this client.
      for (let i = 0; i < 5000 && feed.dropped === 0; i++) {
        feed.record({ kind: 'event', streamId: 's1', event: { type: 'note', at: Date.now(), name: 'n', data: { big } } });
        if (i % 100 === 0) await new Promise((r) => setImmediate(r));
      }
      expect(feed.dropped).toBe(1);
      expect(feed.clients).toBe(0);
      // Reading again, the client finds its connection closed.
      socket.resume();
      await expect.poll(() => closed, { timeout: 10_000 }).toBe(true);
      const a = await SseReader.open(`http://127.0.0.1:${port}/api/events`);
      const b = await SseReader.open(`http://127.0.0.1:${port}/api/events`);
      expect((await fetch(`http://127.0.0.1:${port}/api/events`)).status).toBe(503);
      a.close();
      b.close();
    } finally {
      socket.destroy();
      feed.close();
      await new Promise((r) => http.close(r));
    }
  });

  it('keeps live state bounded: early status callbacks wait for their stream, events are capped, ended streams are forgotten', () => {
    let now = 1_000;
    const state = new LiveState({ maxEvents: 3, graceMs: 10_000, now: () => now });
    const early = state.apply({ kind: 'status', receivedAt: now, event: { event: 'StartStream', streamId: 's1', callId: 'c1', timestamp: undefined, fields: { Event: 'StartStream' } } });
    expect(early).toEqual([expect.objectContaining({ kind: 'status', streamId: 's1' })]);
    state.apply(started('s1', 'c1', now));
    expect(state.get('s1')?.statusCallbacks.map((c) => c.event)).toEqual(['StartStream']);
    for (let i = 0; i < 5; i++) state.apply({ kind: 'event', streamId: 's1', event: { type: 'dtmf', at: now + i, digit: String(i) } });
    expect(state.get('s1')?.events.map((e) => (e as { digit: string }).digit)).toEqual(['2', '3', '4']);
    expect(state.get('s1')?.droppedEvents).toBe(2);
    const counted = state.apply({ kind: 'counters', streamId: 's1', counters: { ...ZERO_COUNTERS, framesIn: 42 } });
    expect(counted).toEqual([{ kind: 'stream', stream: expect.objectContaining({ counters: expect.objectContaining({ framesIn: 42 }) }) }]);
    state.apply({ kind: 'ended', streamId: 's1', end: { endedAt: now + 5000, hangup: { by: 'caller', reason: 'bye' } } });
    expect(state.get('s1')?.summary).toMatchObject({ status: 'ended', durationMs: 5000, hangup: { by: 'caller', reason: 'bye' } });
    expect(state.liveStreams()).toEqual([]);
    now += 10_001;
    state.apply(started('s2'));
    expect(state.get('s1')).toBeUndefined();
    expect(state.get('s2')).toBeDefined();
  });
});
