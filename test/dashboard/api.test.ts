// The dashboard's JSON API over a real server, a real SQLite file and real emulated calls:
// the list with its filters and paging, a stream's detail with waterfalls and status
// callbacks, its debug log, its recording with Range, its waveform; and every input checked.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, type FinishedCall, emulatedCall, startDashboardServer } from '../support/dashboard.js';

const SPEED = 3;
let d: DashboardServer;
let first: FinishedCall;
let second: FinishedCall;

async function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${d.http}${path}`, { headers });
}

async function getJson<T = Record<string, unknown>>(path: string): Promise<T> {
  const res = await get(path);
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return (await res.json()) as T;
}

interface Summary {
  streamId: string;
  callId: string;
  from: string;
  status: string;
  hasRecording: boolean;
  recordingPath?: string;
}

beforeAll(async () => {
  d = await startDashboardServer({ speed: SPEED });
  first = await emulatedCall(d.http, { from: '+14155550111', speed: SPEED });
  second = await emulatedCall(d.http, { from: '+14155550122', speed: SPEED });
}, 120_000);

afterAll(async () => {
  await d?.close();
});

describe('dashboard API', () => {
  it('lists streams newest first, filters by status and searches stream id, call id and number', async () => {
    const all = await getJson<{ streams: Summary[] }>('/api/streams');
    expect(all.streams.map((s) => s.streamId)).toEqual([second.streamId, first.streamId]);
    expect(all.streams[0]).toMatchObject({ status: 'ended', from: '+14155550122', hasRecording: true });
    // The server's file paths stay on the server.
    expect(all.streams[0]).not.toHaveProperty('recordingPath');
    expect((await getJson<{ streams: Summary[] }>('/api/streams?status=live')).streams).toEqual([]);
    expect((await getJson<{ streams: Summary[] }>('/api/streams?status=ended')).streams).toHaveLength(2);
    for (const q of ['550111', first.callId, first.streamId.slice(0, 12)]) {
      const found = await getJson<{ streams: Summary[] }>(`/api/streams?q=${encodeURIComponent(q)}`);
      expect(found.streams.map((s) => s.streamId), q).toEqual([first.streamId]);
    }
    const page1 = await getJson<{ streams: Summary[]; nextCursor: string }>('/api/streams?limit=1');
    expect(page1.streams.map((s) => s.streamId)).toEqual([second.streamId]);
    const page2 = await getJson<{ streams: Summary[]; nextCursor?: string }>(`/api/streams?limit=1&cursor=${encodeURIComponent(page1.nextCursor)}`);
    expect(page2.streams.map((s) => s.streamId)).toEqual([first.streamId]);
  });

  it('refuses bad list inputs with 400 and a reason', async () => {
    for (const [path, reason] of [
      ['/api/streams?status=sleeping', /status must be/],
      [`/api/streams?q=${'x'.repeat(129)}`, /q is longer than 128/],
      ['/api/streams?limit=0', /limit must be an integer from 1 to 500/],
      ['/api/streams?limit=abc', /limit must be/],
      ['/api/streams?cursor=not-a-cursor', /bad cursor/],
    ] as const) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(reason);
    }
    expect((await fetch(`${d.http}/api/streams`, { method: 'POST' })).status).toBe(405);
    expect((await get('/api/nothing')).status).toBe(404);
  });

  it('returns a stream with its turns and waterfalls, status callbacks and timeline, by stream id or call id', async () => {
    const detail = await getJson<{
      streamId: string;
      turns: { index: number; botText: string; bars: { stage: string; startMs: number; endMs: number; ms: number; budgetMs?: number; over: boolean }[] }[];
      statusCallbacks: { event: string }[];
      events: { type: string }[];
      hasRecording: boolean;
      counters: { framesIn: number };
    }>(`/api/streams/${first.streamId}`);
    expect(detail.streamId).toBe(first.streamId);
    expect(detail).not.toHaveProperty('recordingPath');
    expect(detail.hasRecording).toBe(true);
    expect(detail.counters.framesIn).toBeGreaterThan(50);
    expect(detail.statusCallbacks.map((c) => c.event)).toEqual(expect.arrayContaining(['StartStream', 'StopStream']));
    expect(detail.events.some((e) => e.type === 'state')).toBe(true);
    expect(detail.turns).toHaveLength(1);
    const turn = detail.turns[0];
    expect(turn?.botText).toMatch(/You spoke for \d\.\d seconds/);
    const stages = turn?.bars.map((b) => b.stage);
    expect(stages).toEqual(expect.arrayContaining(['endpointing', 'network', 'total']));
    const total = turn?.bars.find((b) => b.stage === 'total');
    const network = turn?.bars.find((b) => b.stage === 'network');
    expect(total?.startMs).toBe(0);
    expect(total?.endMs).toBe(total?.ms);
    expect(network?.budgetMs).toBe(100);
    expect(network?.over).toBe((network?.ms ?? 0) > 100);
    const byCall = await getJson<{ streamId: string }>(`/api/streams/${first.callId}`);
    expect(byCall.streamId).toBe(first.streamId);
    expect((await get('/api/streams/no-such-stream')).status).toBe(404);
    expect((await get('/api/streams/bad%01id')).status).toBe(400);
    expect((await get(`/api/streams/${'a'.repeat(129)}`)).status).toBe(400);
    expect((await get(`/api/streams/${first.streamId}/other`)).status).toBe(404);
  });

  it('pages the debug log', async () => {
    const all = await getJson<{ lines: { id: number; msg: string }[] }>(`/api/streams/${first.streamId}/logs`);
    expect(all.lines.some((l) => l.msg === 'stream started')).toBe(true);
    const head = await getJson<{ lines: { id: number }[]; nextAfterId: number }>(`/api/streams/${first.streamId}/logs?limit=2`);
    expect(head.lines).toHaveLength(2);
    const rest = await getJson<{ lines: { id: number }[] }>(`/api/streams/${first.streamId}/logs?afterId=${head.nextAfterId}`);
    expect([...head.lines, ...rest.lines].map((l) => l.id)).toEqual(all.lines.map((l) => l.id));
    expect((await get(`/api/streams/${first.streamId}/logs?limit=5001`)).status).toBe(400);
  });

  it('serves the recording whole and by byte range, and refuses an unsatisfiable range', async () => {
    const path = (await d.store.getStream(first.streamId))?.recordingPath as string;
    const file = readFileSync(path);
    const whole = await get(`/api/streams/${first.streamId}/recording`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('audio/wav');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await whole.arrayBuffer()).equals(file)).toBe(true);
    const part = await get(`/api/streams/${first.streamId}/recording`, { range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${file.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(file.subarray(100, 200))).toBe(true);
    const tail = await get(`/api/streams/${first.streamId}/recording`, { range: 'bytes=-10' });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(file.subarray(file.length - 10))).toBe(true);
    const open = await get(`/api/streams/${first.streamId}/recording`, { range: `bytes=${file.length - 5}-` });
    expect((await open.arrayBuffer()).byteLength).toBe(5);
    const beyond = await get(`/api/streams/${first.streamId}/recording`, { range: `bytes=${file.length}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${file.length}`);
  });

  it('gives the recording\'s waveform: caller and agent peaks over the call', async () => {
    const w = await getJson<{ channels: number; sampleRate: number; durationMs: number; peaks: number[][] }>(`/api/streams/${first.streamId}/waveform?points=300`);
    expect(w).toMatchObject({ channels: 2, sampleRate: 8000 });
    const detail = await getJson<{ durationMs: number }>(`/api/streams/${first.streamId}`);
    expect(w.durationMs).toBeGreaterThan(detail.durationMs * 0.8);
    expect(w.peaks).toHaveLength(2);
    for (const lane of w.peaks) {
      expect(lane.length).toBeGreaterThan(250);
      expect(lane.length).toBeLessThanOrEqual(300);
      expect(Math.max(...lane)).toBeGreaterThan(0.02);
      // Silence too: a lane is not one flat level.
      expect(Math.min(...lane)).toBeLessThan(0.01);
    }
    expect((await get(`/api/streams/${first.streamId}/waveform?points=4001`)).status).toBe(400);
  });

  it('serves pages and browser files with their security headers, never files outside its folder', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(await page.text()).toContain('/assets/list.js');
    expect(await (await get(`/streams/${first.streamId}`)).text()).toContain('/assets/detail.js');
    expect(await (await get('/phone')).text()).toContain('/assets/phone.js');
    const js = await get('/assets/phone-worklet.js');
    expect(js.headers.get('content-type')).toContain('text/javascript');
    const etag = js.headers.get('etag') as string;
    expect((await get('/assets/phone-worklet.js', { 'if-none-match': etag })).status).toBe(304);
    for (const p of ['/assets/../../package.json', '/assets/%2e%2e%2fpackage.json', '/assets/nothing.js']) expect((await get(p)).status, p).toBe(404);
    const config = await getJson<{ access: string; format: { name: string }; budget: Record<string, number> }>('/api/config');
    expect(config).toEqual({ access: 'open', format: { name: 'mulaw/8000', encoding: 'audio/x-mulaw', sampleRate: 8000 }, budget: { stt: 200, llm: 500, tts: 200, network: 100 } });
    // Plivo's own routes are untouched.
    expect((await get('/healthz')).status).toBe(200);
  });
});
