/**
 * A fake Sarvam streaming speech-to-text server on loopback, from the documented protocol
 * (https://docs.sarvam.ai/api-reference-docs/speech-to-text/transcribe/ws, the sarvamai SDK):
 * WebSocket `/speech-to-text/ws?language-code&model&sample_rate&input_audio_codec&vad_signals&
 * flush_signal` behind the `api-subscription-key` header (403 `invalid_api_key_error`
 * otherwise, https://docs.sarvam.ai/api-reference-docs/errors-troubleshooting). Audio arrives
 * as `{"audio": {"data", "sample_rate", "encoding"}}`; speech is found by energy and answered
 * with `events` START_SPEECH / END_SPEECH and one `data` transcript per utterance; `flush`
 * transcribes the open utterance at once. Every message in and out is recorded.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { l16ToPcm } from '../../audio/pcm.js';
import { type Clock, defaultClock } from '../../clock.js';
import { EnergyDetector } from './energy-detector.js';
import { FaultQueue, type HttpFault, faultHeaders } from './faults.js';
import { HttpHost, isOpen } from './http-host.js';
import { Recorder } from './recorder.js';

/** Options of {@link startFakeSarvamStt}. */
export interface FakeSarvamSttOptions {
  /** Key clients must send; default `test-sarvam-key`. */
  readonly apiKey?: string;
  /** Transcripts of utterances 0, 1, 2, ... (counted across connections); beyond, `utterance N`. */
  readonly transcripts?: readonly string[];
  /** Silence that ends an utterance; default 400 ms. */
  readonly endSilenceMs?: number;
  readonly clock?: Clock;
}

/** One recorded message, in either direction. */
export type SarvamSttLogEntry =
  | { readonly dir: 'in'; readonly at: number; readonly connection: number; readonly kind: 'audio' | 'flush' | 'other'; readonly bytes: number }
  | { readonly dir: 'out'; readonly at: number; readonly connection: number; readonly message: Readonly<Record<string, unknown>> };

/** One connection attempt. */
export interface SarvamSttConnectionRecord {
  readonly index: number;
  readonly query: Readonly<Record<string, string>>;
  /** `accepted`, or the HTTP status it was rejected with. */
  readonly outcome: 'accepted' | number;
}

/** A running fake. */
export interface FakeSarvamStt {
  /** `ws://127.0.0.1:<port>`: pass as `baseUrl`. */
  readonly url: string;
  readonly apiKey: string;
  readonly log: Recorder<SarvamSttLogEntry>;
  readonly connections: Recorder<SarvamSttConnectionRecord>;
  /** Reject the next `times` handshakes with `fault` (e.g. 429 + Retry-After, 503). */
  failNextConnections(fault: HttpFault, times?: number): void;
  /** Abruptly drop the next accepted connection once it received `audioMs` of audio. */
  dropNextConnection(afterAudioMs: number): void;
  /** Transcripts sent, in order. */
  transcripts(): string[];
  /** Each transcribed utterance: its connection and how much speech the fake heard in it. */
  readonly utterances: Recorder<{ readonly connection: number; readonly transcript: string; readonly speechMs: number }>;
  close(): Promise<void>;
}

const errorBody = (message: string, code: string): string => JSON.stringify({ error: { message, code, request_id: randomUUID() } });

/** Start a fake Sarvam STT on 127.0.0.1 (port 0). */
export async function startFakeSarvamStt(options: FakeSarvamSttOptions = {}): Promise<FakeSarvamStt> {
  const clock = options.clock ?? defaultClock;
  const apiKey = options.apiKey ?? 'test-sarvam-key';
  const log = new Recorder<SarvamSttLogEntry>();
  const connections = new Recorder<SarvamSttConnectionRecord>();
  const faults = new FaultQueue();
  const drops: number[] = [];
  const utterances = new Recorder<{ readonly connection: number; readonly transcript: string; readonly speechMs: number }>();
  let count = 0;
  let utterance = 0;
  const transcriptFor = (i: number): string => options.transcripts?.[i] ?? `utterance ${i + 1}`;

  const host = await HttpHost.start({
    upgrade(req, accept, reject) {
      const index = count++;
      const url = new URL(req.url ?? '/', 'http://fake');
      const query = Object.fromEntries(url.searchParams.entries());
      const refuse = (status: number, body: string, headers: Record<string, string> = {}): void => {
        connections.add({ index, query, outcome: status });
        reject(status, body, headers);
      };
      if (url.pathname !== '/speech-to-text/ws') return refuse(404, errorBody('Not found', 'not_found_error'));
      if (req.headers['api-subscription-key'] !== apiKey) return refuse(403, errorBody('Invalid API key', 'invalid_api_key_error'));
      const fault = faults.take();
      if (fault !== undefined) {
        const code = fault.status === 429 ? 'rate_limit_exceeded_error' : 'internal_server_error';
        return refuse(fault.status, typeof fault.body === 'string' ? fault.body : errorBody('Scripted fault', code), faultHeaders(fault));
      }
      const rate = Number(query.sample_rate ?? '16000');
      if (![8000, 16000].includes(rate)) return refuse(422, errorBody('sample_rate must be 8000 or 16000', 'invalid_request_error'));
      const codec = query.input_audio_codec ?? 'wav';
      if (!['pcm_s16le', 'pcm_l16', 'pcm_raw'].includes(codec)) return refuse(422, errorBody(`The fake decodes raw PCM codecs, not ${codec}`, 'invalid_request_error'));
      const vad = query.vad_signals === 'true';
      const dropAfterMs = drops.shift();
      connections.add({ index, query, outcome: 'accepted' });
      accept((ws) => serve(ws, index, rate, vad, dropAfterMs));
    },
  });

  function serve(ws: WebSocket, connection: number, rate: number, vad: boolean, dropAfterMs: number | undefined): void {
    const detector = new EnergyDetector(rate, { endSilenceMs: options.endSilenceMs ?? 400 });
    let open = false;
    let startMs = 0;
    let audioMs = 0;
    const send = (message: Record<string, unknown>): void => {
      if (!isOpen(ws)) return;
      log.add({ dir: 'out', at: clock.now(), connection, message });
      ws.send(JSON.stringify(message));
    };
    const signal = (type: 'START_SPEECH' | 'END_SPEECH'): void => {
      if (vad) send({ type: 'events', data: { event_type: 'speech', signal_type: type, occured_at: Date.now() / 1000 } });
    };
    const transcribe = (endMs: number): void => {
      open = false;
      const transcript = transcriptFor(utterance++);
      utterances.add({ connection, transcript, speechMs: endMs - startMs });
      send({ type: 'data', data: { request_id: randomUUID(), transcript, language_code: 'hi-IN', metrics: { audio_duration: audioMs / 1000 } } });
    };
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      } catch {
        msg = {};
      }
      const audio = msg.audio as { data?: unknown } | undefined;
      if (!isBinary && typeof audio?.data === 'string') {
        const bytes = Buffer.from(audio.data, 'base64');
        log.add({ dir: 'in', at: clock.now(), connection, kind: 'audio', bytes: bytes.length });
        audioMs += bytes.length / 2 / (rate / 1000);
        for (const ev of detector.push(l16ToPcm(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length & ~1)))) {
          if (ev.type === 'start') {
            open = true;
            startMs = ev.atMs;
            signal('START_SPEECH');
          } else if (ev.type === 'end' && open) {
            signal('END_SPEECH');
            transcribe(ev.atMs);
          }
        }
        if (dropAfterMs !== undefined && audioMs >= dropAfterMs) ws.terminate();
        return;
      }
      const flush = msg.type === 'flush';
      log.add({ dir: 'in', at: clock.now(), connection, kind: flush ? 'flush' : 'other', bytes: data.length });
      if (flush && open) transcribe(detector.positionMs);
    });
  }

  return {
    url: host.wsUrl,
    apiKey,
    log,
    connections,
    utterances,
    failNextConnections: (fault, times = 1) => faults.push(fault, times),
    dropNextConnection: (afterAudioMs) => drops.push(afterAudioMs),
    transcripts: () => log.entries.flatMap((e) => (e.dir === 'out' && e.message.type === 'data' ? [String((e.message.data as { transcript: string }).transcript)] : [])),
    close: () => host.close(),
  };
}
