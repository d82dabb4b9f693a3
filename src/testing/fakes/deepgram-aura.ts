/**
 * A fake Deepgram Aura streaming TTS on loopback, from the documented protocol
 * (https://developers.deepgram.com/docs/streaming-text-to-speech, .../docs/tts-ws-flush,
 * .../docs/tts-ws-clear): WebSocket `/v1/speak?model&encoding&sample_rate` behind
 * `Authorization: Token <key>` (401 otherwise); `Speak` buffers text, `Flush` streams its audio
 * as binary frames then `{"type":"Flushed","sequence_id"}`, `Clear` stops and drops it and
 * answers `Cleared`, `Close` closes; a `Metadata` message opens the stream. The audio is
 * synthetic speech in the requested encoding, paced by `realTimeFactor`.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { type Clock, type TimerHandle, defaultClock } from '../../clock.js';
import type { AudioSpec } from '../../providers/types.js';
import { FaultQueue, type HttpFault, faultHeaders } from './faults.js';
import { HttpHost, isOpen } from './http-host.js';
import { Recorder } from './recorder.js';
import { syntheticSpeechBytes } from './synthetic-speech.js';

/** Options of {@link startFakeDeepgramAura}. */
export interface FakeDeepgramAuraOptions {
  readonly apiKey?: string;
  /** Flush -> first audio, ms; default 0. */
  readonly ttfbMs?: number;
  /** Generation time per second of audio (0 = at once, 1 = real time); default 0. */
  readonly realTimeFactor?: number;
  readonly clock?: Clock;
}

/** What one flushed or cleared segment was. */
export interface AuraSegmentRecord {
  readonly connection: number;
  readonly text: string;
  readonly outcome: 'flushed' | 'cleared' | 'dropped';
  readonly audioBytes: number;
}

/** A running fake. */
export interface FakeDeepgramAura {
  /** `ws://127.0.0.1:<port>`: pass as `baseUrl`. */
  readonly url: string;
  readonly apiKey: string;
  /** Client messages by type, in order (`Speak`, `Flush`, `Clear`, `Close`). */
  readonly received: Recorder<{ readonly connection: number; readonly type: string; readonly text?: string }>;
  readonly segments: Recorder<AuraSegmentRecord>;
  /** Handshakes accepted or refused (status). */
  readonly connections: Recorder<{ readonly index: number; readonly query: Readonly<Record<string, string>>; readonly outcome: 'accepted' | number }>;
  failNextConnections(fault: HttpFault, times?: number): void;
  /** Drop the next accepted connection once it sent `bytes` of audio. */
  dropNextConnection(afterBytes: number): void;
  close(): Promise<void>;
}

const CHUNK_MS = 40;

/** Start the fake on 127.0.0.1 (port 0). */
export async function startFakeDeepgramAura(options: FakeDeepgramAuraOptions = {}): Promise<FakeDeepgramAura> {
  const clock = options.clock ?? defaultClock;
  const apiKey = options.apiKey ?? 'test-deepgram-key';
  const received = new Recorder<{ connection: number; type: string; text?: string }>();
  const segments = new Recorder<AuraSegmentRecord>();
  const connections = new Recorder<{ index: number; query: Record<string, string>; outcome: 'accepted' | number }>();
  const faults = new FaultQueue();
  const drops: number[] = [];
  let count = 0;

  const serve = (ws: WebSocket, index: number, spec: AudioSpec, dropAfter: number | undefined): void => {
    let buffer = '';
    let sequence = 0;
    let sent = 0;
    let timer: TimerHandle | undefined;
    let generating: { text: string; bytes: number } | undefined;
    ws.send(JSON.stringify({ type: 'Metadata', request_id: randomUUID(), model_name: 'aura-2-thalia-en', model_version: '2025-04-07', model_uuid: randomUUID() }));
    const stop = (): void => {
      if (timer !== undefined) clock.clearTimer(timer);
      timer = undefined;
    };
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      } catch {
        ws.close(1008, 'DATA-0000');
        return;
      }
      const type = String(m.type);
      received.add({ connection: index, type, ...(typeof m.text === 'string' ? { text: m.text } : {}) });
      if (type === 'Speak') buffer += String(m.text ?? '');
      else if (type === 'Flush') {
        const text = buffer;
        buffer = '';
        const audio = syntheticSpeechBytes(text, spec);
        const step = Math.max(1, Math.round((CHUNK_MS * spec.sampleRate * (spec.encoding === 'mulaw' ? 1 : 2)) / 1000));
        const seg = { text, bytes: 0 };
        generating = seg;
        let at = 0;
        const next = (): void => {
          timer = undefined;
          if (!isOpen(ws) || generating !== seg) return;
          if (at >= audio.length) {
            generating = undefined;
            segments.add({ connection: index, text, outcome: 'flushed', audioBytes: seg.bytes });
            ws.send(JSON.stringify({ type: 'Flushed', sequence_id: sequence++ }));
            return;
          }
          const chunk = audio.subarray(at, at + step);
          at += chunk.length;
          seg.bytes += chunk.length;
          ws.send(chunk, { binary: true }, () => {
            sent += chunk.length;
            if (dropAfter !== undefined && sent >= dropAfter && isOpen(ws)) {
              dropAfter = undefined;
              generating = undefined;
              segments.add({ connection: index, text, outcome: 'dropped', audioBytes: seg.bytes });
              ws.terminate();
            }
          });
          timer = clock.setTimer(next, CHUNK_MS * (options.realTimeFactor ?? 0));
        };
        timer = clock.setTimer(next, options.ttfbMs ?? 0);
      } else if (type === 'Clear') {
        stop();
        if (generating !== undefined) segments.add({ connection: index, text: generating.text, outcome: 'cleared', audioBytes: generating.bytes });
        generating = undefined;
        buffer = '';
        ws.send(JSON.stringify({ type: 'Cleared', sequence_id: sequence++ }));
      } else if (type === 'Close') {
        stop();
        ws.close(1000);
      }
    });
    ws.on('close', stop);
  };

  const host = await HttpHost.start({
    upgrade(req, accept, reject) {
      const index = count++;
      const url = new URL(req.url ?? '/', 'http://fake');
      const query = Object.fromEntries(url.searchParams.entries());
      const refuse = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
        connections.add({ index, query, outcome: status });
        reject(status, JSON.stringify(body), headers);
      };
      if (url.pathname !== '/v1/speak') return refuse(404, { err_code: 'NOT_FOUND', err_msg: 'Not found.' });
      if (req.headers.authorization !== `Token ${apiKey}`) return refuse(401, { err_code: 'INVALID_AUTH', err_msg: 'Invalid credentials.', request_id: randomUUID() });
      const fault = faults.take();
      if (fault !== undefined) return refuse(fault.status, fault.body ?? { err_code: 'TOO_MANY_REQUESTS', err_msg: 'Too many requests.' }, faultHeaders(fault));
      const encoding = query.encoding ?? 'linear16';
      const rate = Number(query.sample_rate ?? 24000);
      if (encoding !== 'mulaw' && encoding !== 'linear16') return refuse(400, { err_code: 'Bad Request', err_msg: `unsupported encoding ${encoding}` });
      connections.add({ index, query, outcome: 'accepted' });
      const dropAfter = drops.shift();
      accept((ws) => serve(ws, index, { encoding: encoding === 'mulaw' ? 'mulaw' : 'pcm16', sampleRate: rate }, dropAfter));
    },
  });
  return {
    url: host.wsUrl,
    apiKey,
    received,
    segments,
    connections,
    failNextConnections: (fault, times = 1) => faults.push(fault, times),
    dropNextConnection: (afterBytes) => void drops.push(afterBytes),
    close: () => host.close(),
  };
}
