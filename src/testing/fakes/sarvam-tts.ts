/**
 * A fake Sarvam streaming TTS on loopback, from the protocol in
 * https://docs.sarvam.ai/api-reference-docs/text-to-speech/stream (see
 * src/providers/sarvam/tts-wire.ts): WebSocket `/text-to-speech/ws?model&send_completion_event`
 * behind the `api-subscription-key` header (403 `invalid_api_key_error` otherwise); a `config`
 * message first, `text` buffers, `flush` streams the buffered text's audio as base64 `audio`
 * messages (L16 at `speech_sample_rate`) then `{"type":"event","data":{"event_type":"final"}}`,
 * flushes in order; `ping` is ignored. The audio is synthetic speech paced by `realTimeFactor`.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { type Clock, defaultClock } from '../../clock.js';
import { FaultQueue, type HttpFault, faultHeaders } from './faults.js';
import { HttpHost, isOpen } from './http-host.js';
import { Recorder } from './recorder.js';
import { syntheticSpeechBytes } from './synthetic-speech.js';

/** Options of {@link startFakeSarvamTts}. */
export interface FakeSarvamTtsOptions {
  readonly apiKey?: string;
  /** Generation time per second of audio (0 = at once, 1 = real time); default 0. */
  readonly realTimeFactor?: number;
  readonly clock?: Clock;
}

/** What one flushed segment was. */
export interface SarvamTtsSegmentRecord {
  readonly connection: number;
  readonly text: string;
  readonly outcome: 'final' | 'dropped';
  readonly audioBytes: number;
}

/** A running fake. */
export interface FakeSarvamTts {
  /** `ws://127.0.0.1:<port>`: pass as `baseUrl`. */
  readonly url: string;
  readonly apiKey: string;
  /** Client messages, in order. */
  readonly received: Recorder<{ readonly connection: number; readonly type: string; readonly data: Readonly<Record<string, unknown>> }>;
  readonly connections: Recorder<{ readonly index: number; readonly query: Readonly<Record<string, string>>; readonly outcome: 'accepted' | number }>;
  readonly segments: Recorder<SarvamTtsSegmentRecord>;
  /** Reject the next `times` handshakes with `fault`. */
  failNextConnections(fault: HttpFault, times?: number): void;
  /** Drop the next accepted connection once it sent `afterBytes` of audio. */
  dropNextConnection(afterBytes: number): void;
  close(): Promise<void>;
}

const CHUNK_MS = 100;
const errorBody = (message: string, code: string): string => JSON.stringify({ error: { message, code, request_id: randomUUID() } });

/** Start a fake Sarvam TTS on 127.0.0.1 (port 0). */
export async function startFakeSarvamTts(options: FakeSarvamTtsOptions = {}): Promise<FakeSarvamTts> {
  const clock = options.clock ?? defaultClock;
  const apiKey = options.apiKey ?? 'test-sarvam-key';
  const received: FakeSarvamTts['received'] = new Recorder();
  const connections: FakeSarvamTts['connections'] = new Recorder();
  const segments = new Recorder<SarvamTtsSegmentRecord>();
  const faults = new FaultQueue();
  const drops: number[] = [];
  let count = 0;

  const host = await HttpHost.start({
    upgrade(req, accept, reject) {
      const index = count++;
      const url = new URL(req.url ?? '/', 'http://fake');
      const query = Object.fromEntries(url.searchParams.entries());
      const refuse = (status: number, body: string, headers: Record<string, string> = {}): void => {
        connections.add({ index, query, outcome: status });
        reject(status, body, headers);
      };
      if (url.pathname !== '/text-to-speech/ws') return refuse(404, errorBody('Not found', 'not_found_error'));
      if (req.headers['api-subscription-key'] !== apiKey) return refuse(403, errorBody('Invalid API key', 'invalid_api_key_error'));
      const fault = faults.take();
      if (fault !== undefined) return refuse(fault.status, errorBody('Scripted fault', fault.status === 429 ? 'rate_limit_exceeded_error' : 'internal_server_error'), faultHeaders(fault));
      const drop = drops.shift();
      connections.add({ index, query, outcome: 'accepted' });
      accept((ws) => serve(ws, index, query.send_completion_event === 'true', drop));
    },
  });

  function serve(ws: WebSocket, connection: number, completion: boolean, dropAfter: number | undefined): void {
    let rate: number | undefined;
    let buffer = '';
    const queue: string[] = [];
    let busy = false;
    let sentBytes = 0;
    let dropped = false;
    const send = (m: unknown): void => {
      if (isOpen(ws) && !dropped) ws.send(JSON.stringify(m));
    };
    const next = (): void => {
      if (busy || queue.length === 0 || dropped) return;
      busy = true;
      const text = queue.shift() as string;
      const audio = syntheticSpeechBytes(text, { encoding: 'pcm16', sampleRate: rate ?? 8000 });
      const chunk = Math.round((rate ?? 8000) / 1000) * CHUNK_MS * 2;
      let off = 0;
      const step = (): void => {
        if (dropped) return;
        if (off >= audio.length) {
          segments.add({ connection, text, outcome: 'final', audioBytes: audio.length });
          if (completion) send({ type: 'event', data: { event_type: 'final' } });
          busy = false;
          next();
          return;
        }
        const part = audio.subarray(off, off + chunk);
        off += part.length;
        send({ type: 'audio', data: { audio: Buffer.from(part).toString('base64'), request_id: randomUUID() } });
        sentBytes += part.length;
        if (dropAfter !== undefined && sentBytes >= dropAfter) {
          dropped = true;
          segments.add({ connection, text, outcome: 'dropped', audioBytes: off });
          ws.terminate();
          return;
        }
        clock.setTimer(step, CHUNK_MS * (options.realTimeFactor ?? 0));
      };
      step();
    };
    ws.on('message', (raw: Buffer) => {
      let m: { type?: unknown; data?: Record<string, unknown> };
      try {
        m = JSON.parse(raw.toString('utf8')) as typeof m;
      } catch {
        m = {};
      }
      const type = typeof m.type === 'string' ? m.type : '(none)';
      received.add({ connection, type, data: m.data ?? {} });
      switch (type) {
        case 'config': {
          const r = Number(m.data?.speech_sample_rate ?? 22050);
          if (![8000, 16000, 22050, 24000].includes(r) || m.data?.output_audio_codec !== 'linear16') {
            send({ type: 'error', data: { message: 'The fake speaks linear16 at 8000, 16000, 22050 or 24000 Hz.' } });
            return;
          }
          rate = r;
          return;
        }
        case 'text':
          if (rate === undefined) {
            send({ type: 'error', data: { message: 'Send a config message first.' } });
            return;
          }
          buffer += String(m.data?.text ?? '');
          return;
        case 'flush':
          if (buffer !== '') queue.push(buffer);
          buffer = '';
          next();
          return;
        default:
          return;
      }
    });
  }

  return {
    url: host.wsUrl,
    apiKey,
    received,
    connections,
    segments,
    failNextConnections: (fault, times = 1) => faults.push(fault, times),
    dropNextConnection: (afterBytes) => drops.push(afterBytes),
    close: () => host.close(),
  };
}
