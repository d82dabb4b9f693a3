// A real call (emulator -> server with the built-in agent) written to a real SQLite file and
// recorded, then read back through the store and the `callwire logs` CLI.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '../support/async.js';
import { describe, expect, it } from 'vitest';
import { builtinAgent } from '../../src/agent/builtin.js';
import { parseWav } from '../../src/audio/index.js';
import { scaledClock } from '../../src/clock.js';
import { startCall } from '../../src/emulator/index.js';
import { createLogger } from '../../src/log/logger.js';
import { storeLogTap } from '../../src/server/store-glue.js';
import { SqliteStreamStore } from '../../src/store/index.js';
import { MemoryStreamStore } from '../../src/store/memory-store.js';
import { Pacer } from '../../src/stream/pacer.js';
import { runCli } from '../support/cli.js';
import { startServer } from '../support/server.js';
import { StreamClient } from '../support/stream-client.js';

describe('stream records and recordings', () => {
  it('keeps the record, status callbacks, turns with the latency ledger, logs and a stereo recording of a real call', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-store-'));
    const dbPath = join(dir, 'callwire.db');
    const store = new SqliteStreamStore({ path: dbPath });
    const speed = 3;
    const clock = scaledClock(speed);
    const agent = builtinAgent({ greeting: 'Hi there.' });
    let replies = 0;
    agent.observe((session) => session.on('reply', () => replies++));
    const srv = await startServer({
      agent,
      store,
      recording: { dir: join(dir, 'rec') },
      clock,
      pacer: new Pacer(clock, 10),
      logger: createLogger({ level: 'silent', onLine: storeLogTap(store) }),
    });
    const call = await startCall({ answerUrl: `${srv.http}/plivo/answer`, speed, from: '+14155550100', to: '+14155550199' });
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    await call.waitForBotSilence(400, { timeoutMs: 20_000 });
    await call.say('hello from the test');
    await call.waitForBotSpeech({ timeoutMs: 20_000 });
    // The whole reply played (its checkpoint came back), however slow the machine: a pause in the
    // bot's audio under load is not the end of the reply.
    await waitUntil(() => replies >= 1, 30_000, 'the reply to have played');
    const report = await call.hangup();
    const streamId = report.streams[0]?.streamId as string;
    await srv.close();
    await store.flush();

    const d = await store.getStream(streamId);
    expect(d).toMatchObject({ callId: call.callId, from: '+14155550100', to: '+14155550199', direction: 'inbound', format: 'mulaw/8000', status: 'ended', hangup: { by: 'caller' } });
    expect(d?.counters.framesIn).toBeGreaterThan(50);
    expect(d?.counters.framesOut).toBeGreaterThan(50);
    expect(d?.statusCallbacks.map((c) => c.event)).toEqual(expect.arrayContaining(['StartStream', 'StopStream']));
    expect(d?.turns).toHaveLength(1);
    const turn = d?.turns[0];
    expect(turn?.botText).toMatch(/You spoke for \d\.\d seconds\./);
    expect(turn?.interrupted).toBe(false);
    expect(turn?.ledger.speechEnd).toBe(0);
    expect(turn?.ledger.firstAudioHeard).toBeGreaterThan(200);
    expect(d?.events.some((e) => e.type === 'state')).toBe(true);
    const logs = await store.logs(streamId);
    expect(logs.lines.some((l) => l.msg === 'stream started')).toBe(true);
    expect(logs.lines.some((l) => l.msg.startsWith('turn 1 latency'))).toBe(true);

    // The recording: stereo, caller left, bot right, about as long as the call.
    expect(d?.recordingPath).toBeDefined();
    const wav = parseWav(new Uint8Array(readFileSync(d?.recordingPath as string)));
    expect(wav).toMatchObject({ channels: 2, sampleRate: 8000, encoding: 'pcm' });
    const seconds = wav.data.length / 4 / 8000;
    expect(seconds).toBeGreaterThan((report.durationMs / 1000) * 0.8);
    const samples = new Int16Array(wav.data.buffer.slice(wav.data.byteOffset, wav.data.byteOffset + wav.data.length));
    let leftEnergy = 0;
    let rightEnergy = 0;
    for (let i = 0; i + 1 < samples.length; i += 2) {
      leftEnergy += Math.abs(samples[i] as number);
      rightEnergy += Math.abs(samples[i + 1] as number);
    }
    expect(leftEnergy).toBeGreaterThan(0);
    expect(rightEnergy).toBeGreaterThan(0);
    await store.close();

    // The real CLI reads it back.
    const out = await runCli(['logs', streamId.slice(0, 8), '--db', dbPath]);
    expect(out.code).toBe(0);
    expect(out.output).toContain(streamId);
    expect(out.output).toContain('You spoke for');
  });
});

describe('a call that ends before its handler is resumed', () => {
  it('is stored as started and ended (not live forever) when the caller hangs up while an async handler still runs', async () => {
    const store = new MemoryStreamStore();
    const records: string[] = [];
    const srv = await startServer({ store, keepalive: false, onStream: () => new Promise((r) => setTimeout(r, 300)) });
    srv.server.on('record', (r) => records.push(r.kind));
    try {
      const client = await StreamClient.connect(srv.streamUrl);
      client.start();
      // The server has the start (held back: the handler still runs) before the caller hangs up.
      await waitUntil(() => [...srv.server.streams].some((c) => c.info !== undefined), 15_000, 'the start on the server');
      client.ws.close(1000);
      // The end comes after the handler's 300 ms, once the held-back start has been delivered.
      await waitUntil(() => records.includes('ended'), 15_000, 'the ended record');
      await store.flush();
      const s = await store.getStream(client.streamId);
      expect(s).toMatchObject({ status: 'ended', hangup: { by: 'caller' } });
      expect(records.filter((k) => k === 'started' || k === 'ended')).toEqual(['started', 'ended']);
    } finally {
      await srv.close();
      await store.close();
    }
  });
});

describe('one agent, several servers', () => {
  it('each server records only its own calls, and lets go of the agent when it closes', async () => {
    const agent = builtinAgent({ greeting: 'Hi.' });
    let observers = 0;
    const observe = agent.observe.bind(agent);
    agent.observe = (listener) => {
      observers++;
      const off = observe(listener);
      return () => {
        observers--;
        return off();
      };
    };
    const stores = [new MemoryStreamStore(), new MemoryStreamStore()];
    const [a, b] = await Promise.all(stores.map((store) => startServer({ agent, store })));
    const records: Record<string, string[]> = { a: [], b: [] };
    a?.server.on('record', (r) => records.a?.push(r.kind));
    b?.server.on('record', (r) => records.b?.push(r.kind));
    try {
      const call = await startCall({ answerUrl: `${b?.http}/plivo/answer` });
      await call.waitForBotSpeech({ timeoutMs: 20_000 });
      await call.hangup();
      await waitUntil(() => records.b?.includes('ended') === true, 15_000, "b's ended record");
      // The call's session events (state changes at least) reach b's store, none reach a's.
      expect(records.b).toContain('event');
      expect(records.a).toEqual([]);
    } finally {
      await a?.close();
      await b?.close();
      for (const s of stores) await s.close();
    }
    expect(observers).toBe(0);
  });
});
