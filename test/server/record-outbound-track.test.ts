// audioTrack="both": the stereo recording's right channel is the outbound track Plivo streams
// (what the call played to the caller), placed at its own track position.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinAgent } from '../../src/agent/builtin.js';
import { parseWav, pcmToWire, tone, wireToPcm } from '../../src/audio/index.js';
import { STREAM_FORMATS } from '../../src/protocol/index.js';
import { mediaMessage, serializeInbound, startMessage, stopMessage } from '../../src/protocol/serialize-inbound.js';
import { MemoryStreamStore } from '../../src/store/memory-store.js';
import { startServer, type TestServer } from '../support/server.js';
import { StreamClient } from '../support/stream-client.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('recording an audioTrack="both" stream', () => {
  it('puts the outbound track on the right channel, aligned with the caller', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-rec-both-'));
    const store = new MemoryStreamStore();
    const srv: TestServer = await startServer({ agent: builtinAgent({ greeting: 'Hi there.' }), store, recording: { dir } });
    cleanups.push(() => srv.close());
    const format = STREAM_FORMATS['mulaw/8000'];
    const client = await StreamClient.connect(srv.streamUrl);
    let seq = 1;
    client.raw(serializeInbound(startMessage({ sequenceNumber: seq++, callId: client.callId, streamId: client.streamId, accountId: 'MATESTACCOUNT', format, tracks: ['inbound', 'outbound'] })));
    // The recorder opens asynchronously on start and takes audio from then on: it is attached
    // in the same tick that the store learns the recording's path.
    let path: string | undefined;
    for (let tries = 0; path === undefined; tries++) {
      if (tries > 2000) throw new Error('the recording never opened');
      path = (await store.getStream(client.streamId))?.recordingPath;
      if (path === undefined) await new Promise((r) => setTimeout(r, 5));
    }
    // 1 s: the caller is silent, the outbound track carries a 1 kHz tone (as a <Play> would).
    const heard = pcmToWire(format, tone(1000, 1000, 8000, { amplitude: 0.5 }));
    const silent = pcmToWire(format, new Int16Array(160));
    for (let i = 0; i < 50; i++) {
      const ts = Date.now();
      client.raw(serializeInbound(mediaMessage({ sequenceNumber: seq++, streamId: client.streamId, chunk: i + 1, timestamp: ts, audio: silent, track: 'inbound' })));
      client.raw(serializeInbound(mediaMessage({ sequenceNumber: seq++, streamId: client.streamId, chunk: i + 1, timestamp: ts, audio: heard.subarray(i * 160, (i + 1) * 160), track: 'outbound' })));
    }
    client.raw(serializeInbound(stopMessage(seq++, client.streamId)));
    await client.close();
    await srv.close();
    await store.flush();
    // The recorder closes after the stream ends: its header then holds the real length.
    for (let tries = 0; readFileSync(path as string).readUInt32LE(4) === 0xffffffff; tries++) {
      if (tries > 2000) throw new Error('the recording never closed');
      await new Promise((r) => setTimeout(r, 5));
    }
    const wav = parseWav(new Uint8Array(readFileSync(path as string)));
    expect(wav).toMatchObject({ channels: 2, sampleRate: 8000 });
    const samples = new Int16Array(wav.data.buffer.slice(wav.data.byteOffset, wav.data.byteOffset + wav.data.length));
    const frames = samples.length / 2;
    expect(frames).toBe(8000);
    const expected = wireToPcm(format, heard);
    // Every recorded frame's right sample is the outbound track's sample at the same position
    // (the greeting the agent scheduled is not mixed in: Plivo's outbound track already has
    // whatever was played). The old code left the outbound track out of the recording.
    let same = 0;
    for (let i = 0; i < frames; i++) if (samples[i * 2 + 1] === expected[i]) same++;
    expect(same).toBe(frames);
    expect(samples.filter((_, i) => i % 2 === 0).every((v) => Math.abs(v) < 64)).toBe(true);
  });
});
