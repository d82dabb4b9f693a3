// A CallStream over an in-memory socket on a manual clock, for agent-session tests that need
// no network: the test plays Plivo (start, DTMF, checkpoint acks) and moves time by hand.
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import type { ManualClock } from '../../src/clock.js';
import type { Logger } from '../../src/log/logger.js';
import { STREAM_FORMATS } from '../../src/protocol/format.js';
import type { InboundMessage } from '../../src/protocol/messages.js';
import { dtmfMessage, mediaMessage, playedStreamMessage, serializeInbound, startMessage } from '../../src/protocol/serialize-inbound.js';
import type { TtsProvider, VadProvider } from '../../src/providers/types.js';
import { CallStream } from '../../src/stream/call-stream.js';
import { Pacer } from '../../src/stream/pacer.js';
import { nonZeroVad } from './scripted-vad.js';

/** The few WebSocket members CallStream uses; what it sends is kept in `sent`. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  closeCode: number | undefined;

  send(text: string): void {
    this.sent.push(text);
  }

  ping(): void {}

  close(code?: number, reason?: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.closeCode = code;
    queueMicrotask(() => this.emit('close', code ?? 1005, Buffer.from(reason ?? '')));
  }

  terminate(): void {
    this.close(1006);
  }
}

export interface FakeCall {
  readonly call: CallStream;
  readonly socket: FakeSocket;
  /** Send Plivo's `start` for this call (mu-law 8 kHz). */
  start(): void;
  dtmf(digit: string): void;
  /**
   * The caller's audio for `ms`, a frame every 20 ms while the call runs: a constant non-silent
   * mu-law byte by default (speech), or `0xff` (mu-law silence) for the quiet after it.
   */
  speak(ms: number, byte?: number): Promise<void>;
  /**
   * Let `ms` of call time pass in 20 ms steps, acknowledging every checkpoint the player sent
   * as Plivo would once the audio before it played, and letting promises settle each step.
   */
  run(ms: number): Promise<void>;
}

/** Let pending promise chains and immediates run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** A call on `clock` with its own pacer; the stream is resumed (events flow at once). */
export function fakeCall(clock: ManualClock, callId = 'call-1', options: { logger?: Logger } = {}): FakeCall {
  const socket = new FakeSocket();
  const call = new CallStream(socket as unknown as WebSocket, { clock, pacer: new Pacer(clock), keepalive: false, logger: options.logger });
  call.resume();
  const streamId = `stream-${callId}`;
  let seq = 1;
  const deliver = (m: InboundMessage): void => void socket.emit('message', Buffer.from(serializeInbound(m)), false);
  let acked = 0;
  return {
    call,
    socket,
    start: () => deliver(startMessage({ callId, streamId, accountId: 'acc', format: STREAM_FORMATS['mulaw/8000'] })),
    dtmf: (digit) => deliver(dtmfMessage({ sequenceNumber: ++seq, streamId, digit, timestamp: 0 })),
    async speak(ms, byte = 0x10) {
      for (let t = 0; t < ms; t += 20) {
        deliver(mediaMessage({ sequenceNumber: ++seq, streamId, chunk: seq, timestamp: 0, audio: new Uint8Array(160).fill(byte) }));
        await this.run(20);
      }
    },
    async run(ms) {
      for (let t = 0; t < ms; t += 20) {
        clock.advance(20);
        for (; acked < socket.sent.length; acked++) {
          const m = JSON.parse(socket.sent[acked] as string) as { event: string; name?: string };
          if (m.event === 'checkpoint') deliver(playedStreamMessage(++seq, streamId, m.name as string));
        }
        await settle();
      }
    },
  };
}

/** The frame VAD of scripted-vad.ts as a provider (no WASM to load). */
export const nonZeroVadProvider: VadProvider = { name: 'non-zero', sampleRates: [8000, 16000], create: async (rate) => nonZeroVad(rate) };

/** A mu-law TTS whose every segment is `ms` of a constant non-silent byte. */
export function constantTts(ms = 200): TtsProvider {
  return {
    name: 'constant',
    outputFormats: [{ encoding: 'mulaw', sampleRate: 8000 }],
    async open() {
      return {
        audio: { encoding: 'mulaw', sampleRate: 8000 },
        async *synthesize() {
          yield new Uint8Array(ms * 8).fill(0x10);
        },
        async close() {},
      };
    },
  };
}
