// A realistic call written through the store's public write API, shared by the store and
// `callwire logs` tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStreamStatus } from '../../src/protocol/status.js';
import type { StreamStore } from '../../src/store/types.js';

/** A fresh temporary directory and its cleanup. */
export function tempDir(prefix = 'callwire-store-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Ids of the sample call. */
export const SAMPLE = {
  streamId: '7f3c2a10-1b2c-4d5e-8f90-a1b2c3d4e5f6',
  callId: 'c0ffee00-1111-2222-3333-444455556666',
  accountId: 'MAXXXXXXXXXXXXXXXXXX',
  from: '+14155550100',
  to: '+14155550199',
  t0: 1_760_000_000_000,
} as const;

/** Write one complete, ended call (two turns, a barge-in, DTMF, an error, callbacks, logs). */
export function writeSampleCall(store: StreamStore, ids: { streamId: string; callId: string; t0: number } = SAMPLE): void {
  const { streamId, callId, t0 } = ids;
  // Plivo may post StartStream before the WebSocket's start arrives: keyed by call id only.
  store.statusCallback(parseStreamStatus({ Event: 'StartStream', CallUUID: callId, StreamID: streamId }), t0 - 5);
  store.streamStarted({
    streamId,
    callId,
    accountId: SAMPLE.accountId,
    from: SAMPLE.from,
    to: SAMPLE.to,
    direction: 'inbound',
    format: 'mulaw/8000',
    startedAt: t0,
    extraHeaders: { tenant: 'acme', apiKey: 'sk-live-123456' },
  });
  store.log(streamId, { at: t0 + 1, level: 'info', msg: 'stream started', fields: { format: 'mulaw/8000' } });
  store.event(streamId, { at: t0 + 900, type: 'state', state: 'speaking' });
  store.turn(streamId, {
    index: 0,
    startedAt: t0 + 100,
    userText: '',
    botText: 'Hello, how can I help you today?',
    heardText: 'Hello, how can I help you today?',
    interrupted: false,
    ledger: { ttsRequest: 100_000, ttsFirstByte: 100_120, firstAudioSent: 100_135, firstAudioHeard: 100_310 },
  });
  store.event(streamId, { at: t0 + 2500, type: 'dtmf', digit: '5' });
  store.event(streamId, { at: t0 + 4000, type: 'barge_in', turn: 1, said: 'Your order shipped on Monday and should arrive', heard: 'Your order shipped', heardMs: 900 });
  store.event(streamId, { at: t0 + 4100, type: 'error', code: 'PROVIDER_TIMEOUT', message: 'LLM did not answer in 5000 ms', retryable: true });
  store.turn(streamId, {
    index: 1,
    startedAt: t0 + 3000,
    userText: 'Where is my order?',
    botText: 'Your order shipped on Monday and should arrive',
    heardText: 'Your order shipped',
    interrupted: true,
    ledger: {
      speechEnd: 103_000,
      endOfTurn: 103_410,
      sttFinal: 103_180,
      llmRequest: 103_420,
      llmFirstToken: 103_620,
      ttsRequest: 103_625,
      ttsFirstByte: 103_790,
      firstAudioSent: 103_800,
      firstAudioHeard: 103_905,
    },
  });
  store.log(streamId, { at: t0 + 4000, level: 'warn', msg: 'barge-in', fields: { heardMs: 900, authorization: 'Bearer abc.def' } });
  store.log(streamId, { at: t0 + 9000, level: 'debug', msg: 'socket closed', fields: { code: 1000 } });
  store.streamEnded(streamId, {
    endedAt: t0 + 9000,
    hangup: { by: 'caller', reason: 'caller hung up' },
    counters: { framesIn: 450, framesOut: 300, bytesIn: 72_000, bytesOut: 48_000, gaps: 2, lateFrames: 1, badFrames: 0 },
  });
  store.statusCallback(parseStreamStatus({ Event: 'StopStream', CallUUID: callId, StreamID: streamId }), t0 + 9010);
}
