import { type IncomingMessage, createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LatencyLedger } from '../../src/agent/latency-ledger.js';
import type { CallStream } from '../../src/stream/call-stream.js';
import { waitUntil } from '../support/async.js';
import { type TestServer, startServer } from '../support/server.js';
import { StreamClient, tryUpgrade } from '../support/stream-client.js';

let srv: TestServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('/metrics', () => {
  it('counts streams, frames, status callbacks and refused upgrades in Prometheus format', async () => {
    const calls: CallStream[] = [];
    srv = await startServer({ limits: { maxStreams: 1 }, onStream: async (c) => {
      calls.push(c);
      const { echoHandler } = await import('../../src/stream/echo.js');
      echoHandler(c);
    } });
    const client = await StreamClient.connect(srv.streamUrl, { playout: true });
    client.start();
    for (let i = 0; i < 10; i++) client.media(new Uint8Array(160).fill(0x7f));
    await client.waitFor(() => client.audioFrames.length >= 10, 5000, 'echo');
    expect((await tryUpgrade(srv.streamUrl)).valueOf()).toMatchObject({ status: 503 });
    let text = await (await fetch(`${srv.http}/metrics`)).text();
    expect(metric(text, 'callwire_active_streams')).toBe(1);
    expect(metric(text, 'callwire_frames_in_total')).toBe(10);
    expect(metric(text, 'callwire_frames_out_total')).toBe(10);
    expect(text).toContain('callwire_upgrades_rejected_total{status="503"} 1');
    await client.close();
    await calls[0]?.ended;
    await fetch(`${srv.http}/plivo/status`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Event=StopStream&StreamID=x' });
    text = await (await fetch(`${srv.http}/metrics`)).text();
    expect(metric(text, 'callwire_active_streams')).toBe(0);
    expect(metric(text, 'callwire_frames_in_total')).toBe(10); // folded into totals after the end
    expect(text).toContain('callwire_streams_total{ended_by="caller"} 1');
    expect(text).toContain('callwire_status_callbacks_total{event="StopStream"} 1');
    expect(text).toContain('callwire_process_resident_memory_bytes');
  });

  it('records per-stage latency histograms and budget overruns', async () => {
    srv = await startServer();
    const l = new LatencyLedger(1);
    l.mark('speechEnd', 0);
    l.mark('llmRequest', 400);
    l.mark('llmFirstToken', 1100);
    srv.server.metrics.ledger(l.report());
    const text = await srv.server.metrics.text();
    expect(text).toContain('callwire_turn_stage_ms_count{stage="llm"} 1');
    expect(text).toContain('callwire_latency_budget_overruns_total{stage="llm"} 1');
  });
});

describe('alerts', () => {
  it('posts DroppedStream and DegradedStream to the webhook, once per stream and kind within the window', async () => {
    const received: Record<string, unknown>[] = [];
    const hook = createHttpServer((req: IncomingMessage, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c));
      req.on('end', () => {
        received.push(JSON.parse(b) as Record<string, unknown>);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    srv = await startServer({ alerts: { webhookUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` } });
    const post = (body: string) => fetch(`${srv?.http}/plivo/status`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    await post('Event=DroppedStream&StreamID=s1&CallUUID=c1&Error=connection_failed');
    await post('Event=DroppedStream&StreamID=s1&CallUUID=c1&Error=connection_failed');
    await post('Event=DegradedStream&StreamID=s1&BufferPercent=60');
    await post('Event=StartStream&StreamID=s2');
    await waitUntil(() => received.length >= 2, 15_000, 'two alerts');
    await new Promise((r) => setTimeout(r, 100));
    expect(received.map((a) => a.kind)).toEqual(['dropped_stream', 'degraded_stream']);
    expect(received[0]).toMatchObject({ streamId: 's1', callId: 'c1', details: { reason: 'connection_failed' } });
    expect(srv.server.alerts.suppressed).toBe(1);
    hook.close();
  });
});
