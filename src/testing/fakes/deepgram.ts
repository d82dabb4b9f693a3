/**
 * A fake Deepgram live-transcription server (`GET /v1/listen` upgraded to a WebSocket) on
 * loopback. Authenticates `Authorization: Token <key>` (or the `token` subprotocol), rejects a
 * bad key or a scripted fault with the HTTP status, `dg-error` header and JSON body Deepgram
 * uses, and transcribes the audio it receives per deepgram-listen.ts. Every message in and
 * out is recorded.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type Clock, defaultClock } from '../../clock.js';
import { deepgramErrorBody } from './deepgram-wire.js';
import { type ListenBehaviour, type ListenConfig, ListenConnection, type ListenFault, type SessionCounter } from './deepgram-listen.js';
import type { EnergyDetectorOptions } from './energy-detector.js';
import { FaultQueue, type HttpFault, faultHeaders } from './faults.js';
import { HttpHost } from './http-host.js';
import { Recorder } from './recorder.js';

/** Options of {@link startFakeDeepgram}. */
export interface FakeDeepgramOptions {
  /** Key clients must send; default `test-deepgram-key`. */
  readonly apiKey?: string;
  /** Transcripts of utterances 0, 1, 2, ... (per `tag`); beyond the list, `utterance N`. */
  readonly transcripts?: readonly string[];
  /** Transcript by utterance index and session tag (wins over `transcripts`). */
  readonly transcript?: (index: number, tag: string) => string;
  /** Delay between the audio that triggers a result and sending it; default 0. */
  readonly latencyMs?: number;
  /** Audio between interim results; default 300 ms. */
  readonly interimIntervalMs?: number;
  /** Speech per revealed interim word; default 250 ms. */
  readonly msPerWord?: number;
  /** Close with 1011 NET-0001 after this long without data; default 10 000 ms (Deepgram's). */
  readonly idleTimeoutMs?: number;
  /** Empty finals during silence, every; default 5000 ms of audio, 0 disables. */
  readonly silenceFinalMs?: number;
  /** Speech detector tuning. */
  readonly detector?: Omit<EnergyDetectorOptions, 'endSilenceMs'>;
  readonly clock?: Clock;
}

/** One recorded message, in either direction. */
export type DeepgramLogEntry =
  | { readonly dir: 'in'; readonly at: number; readonly connection: number; readonly kind: 'audio'; readonly bytes: number }
  | { readonly dir: 'in'; readonly at: number; readonly connection: number; readonly kind: 'text'; readonly type: string }
  | { readonly dir: 'out'; readonly at: number; readonly connection: number; readonly message: Readonly<Record<string, unknown>> }
  | { readonly dir: 'closed'; readonly at: number; readonly connection: number; readonly code: number };

/** One connection attempt. */
export interface DeepgramConnectionRecord {
  readonly at: number;
  readonly index: number;
  readonly query: Readonly<Record<string, string>>;
  /** `accepted`, or the HTTP status it was rejected with. */
  readonly outcome: 'accepted' | number;
}

/** An utterance the fake transcribed (its final was produced). */
export interface DeepgramUtteranceRecord {
  readonly tag: string;
  readonly index: number;
  readonly connection: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly transcript: string;
}

/** A running fake. */
export interface FakeDeepgram {
  /** `ws://127.0.0.1:<port>`: pass as `baseUrl`. */
  readonly url: string;
  readonly apiKey: string;
  readonly log: Recorder<DeepgramLogEntry>;
  readonly connections: Recorder<DeepgramConnectionRecord>;
  readonly utterances: Recorder<DeepgramUtteranceRecord>;
  /** Reject the next `times` handshakes with `fault` (e.g. 429 + Retry-After, 503). */
  failNextConnections(fault: HttpFault, times?: number): void;
  /** Abruptly drop the next accepted connection once it received `audioMs` of audio. */
  dropNextConnection(afterAudioMs: number): void;
  /** Close the next accepted connection with `code`/`reason` once it received `audioMs`. */
  closeNextConnection(afterAudioMs: number, code: number, reason: string): void;
  /** The next accepted connection hangs once it received `audioMs`: it reads on and answers nothing. */
  stallNextConnection(afterAudioMs: number): void;
  /** Server messages of type `type` (e.g. `Results`), in order. */
  sent(type?: string): Readonly<Record<string, unknown>>[];
  close(): Promise<void>;
}

/** Start a fake Deepgram on 127.0.0.1 (port 0). */
export async function startFakeDeepgram(options: FakeDeepgramOptions = {}): Promise<FakeDeepgram> {
  const clock = options.clock ?? defaultClock;
  const apiKey = options.apiKey ?? 'test-deepgram-key';
  const log = new Recorder<DeepgramLogEntry>();
  const connections = new Recorder<DeepgramConnectionRecord>();
  const utterances = new Recorder<DeepgramUtteranceRecord>();
  const faults = new FaultQueue();
  const connFaults: ListenFault[] = [];
  const sessions = new Map<string, SessionCounter>();
  const behaviour: ListenBehaviour = {
    transcriptFor: options.transcript ?? ((i) => options.transcripts?.[i] ?? `utterance ${i + 1}`),
    latencyMs: options.latencyMs ?? 0,
    interimIntervalMs: options.interimIntervalMs ?? 300,
    msPerWord: options.msPerWord ?? 250,
    idleTimeoutMs: options.idleTimeoutMs ?? 10_000,
    silenceFinalMs: options.silenceFinalMs ?? 5000,
    detector: options.detector ?? {},
  };
  let count = 0;

  const host = await HttpHost.start({
    upgrade(req, accept, reject) {
      const index = count++;
      const at = clock.now();
      const url = new URL(req.url ?? '/', 'http://fake');
      const query = Object.fromEntries(url.searchParams.entries());
      const requestId = randomUUID();
      const refuse = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
        connections.add({ at, index, query, outcome: status });
        const text = JSON.stringify(body);
        const msg = (body as { err_msg?: string }).err_msg ?? '';
        reject(status, text, { 'dg-request-id': requestId, 'dg-error': msg, ...headers });
      };
      if (url.pathname !== '/v1/listen') return refuse(404, { err_code: 'NOT_FOUND', err_msg: 'Not found.', request_id: requestId });
      if (!authorised(req, apiKey)) return refuse(401, deepgramErrorBody(401, requestId));
      const fault = faults.take();
      if (fault !== undefined) return refuse(fault.status, fault.body ?? deepgramErrorBody(fault.status, requestId), faultHeaders(fault));
      const cfg = parseConfig(url.searchParams);
      if (typeof cfg === 'string') return refuse(400, { err_code: 'Bad Request', err_msg: cfg, request_id: requestId });
      const session = sessions.get(cfg.tag) ?? { committed: 0 };
      sessions.set(cfg.tag, session);
      const fault2 = connFaults.shift() ?? {};
      connections.add({ at, index, query, outcome: 'accepted' });
      accept((ws) => {
        const conn = new ListenConnection(
          ws,
          cfg,
          behaviour,
          session,
          {
            onSent: (message) => log.add({ dir: 'out', at: clock.now(), connection: index, message }),
            onUtterance: (u) => utterances.add({ tag: cfg.tag, connection: index, ...u }),
          },
          clock,
          fault2,
        );
        ws.on('message', (data: Buffer, isBinary: boolean) => {
          const label = conn.onMessage(data, isBinary);
          log.add({ dir: 'in', at: clock.now(), connection: index, ...label });
        });
        ws.on('close', (code: number) => log.add({ dir: 'closed', at: clock.now(), connection: index, code }));
      });
    },
  });

  return {
    url: host.wsUrl,
    apiKey,
    log,
    connections,
    utterances,
    failNextConnections: (fault, times = 1) => faults.push(fault, times),
    dropNextConnection: (afterAudioMs) => connFaults.push({ dropAfterAudioMs: afterAudioMs }),
    closeNextConnection: (afterAudioMs, code, reason) => connFaults.push({ closeAfterAudioMs: { audioMs: afterAudioMs, code, reason } }),
    stallNextConnection: (afterAudioMs) => connFaults.push({ stallAfterAudioMs: afterAudioMs }),
    sent: (type) =>
      log.entries.flatMap((e) => (e.dir === 'out' && (type === undefined || e.message.type === type) ? [e.message] : [])),
    close: () => host.close(),
  };
}

// Deepgram accepts `Authorization: Token <key>` or, for browsers, the subprotocol pair
// `token, <key>` (https://developers.deepgram.com/docs/authenticating).
function authorised(req: IncomingMessage, key: string): boolean {
  if (req.headers.authorization === `Token ${key}`) return true;
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  return protocols[0] === 'token' && protocols[1] === key;
}

function flag(v: string | null, dflt: boolean): boolean {
  return v === null ? dflt : v === 'true';
}

/** The listen settings, or an error message for a 400. */
function parseConfig(q: URLSearchParams): ListenConfig | string {
  const encoding = q.get('encoding') ?? 'linear16';
  if (encoding !== 'mulaw' && encoding !== 'linear16') return `The fake supports encoding=mulaw or linear16, not ${encoding}.`;
  const rate = Number(q.get('sample_rate'));
  if (!Number.isInteger(rate) || rate < 8000 || rate > 48000) return 'sample_rate is required with encoding and must be 8000-48000.';
  if ((q.get('channels') ?? '1') !== '1') return 'The fake transcribes one channel.';
  const interimResults = flag(q.get('interim_results'), false);
  const ue = q.get('utterance_end_ms');
  if (ue !== null && !interimResults) return 'utterance_end_ms requires interim_results=true.';
  const ep = q.get('endpointing');
  const endpointingMs = ep === 'false' ? false : ep === null || ep === 'true' ? 10 : Number(ep);
  if (endpointingMs !== false && !Number.isFinite(endpointingMs)) return 'endpointing must be a number of milliseconds or false.';
  return {
    encoding,
    sampleRate: rate,
    interimResults,
    endpointingMs,
    utteranceEndMs: ue === null ? undefined : Number(ue),
    vadEvents: flag(q.get('vad_events'), false),
    punctuate: flag(q.get('smart_format'), false) || flag(q.get('punctuate'), false),
    tag: q.get('tag') ?? '',
  };
}
