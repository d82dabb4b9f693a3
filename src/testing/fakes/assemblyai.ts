/**
 * A fake AssemblyAI Universal-Streaming v3 server (`GET /v3/ws` upgraded to a WebSocket) on
 * loopback. Authenticates the key in the `Authorization` header or a `token` query parameter
 * (https://www.assemblyai.com/docs/api-reference/streaming-api/streaming-api); refuses a bad
 * key, or a scripted rate limit, the documented way: after the upgrade, an `Error` frame then
 * close 1008 "Unauthorized Connection: ..." (common-session-errors-and-closures). Transcribes
 * per assemblyai-connection.ts. Every message in and out is recorded.
 */
import { type Clock, defaultClock } from '../../clock.js';
import { type AaiBehaviour, type AaiConfig, AaiConnection } from './assemblyai-connection.js';
import type { EnergyDetectorOptions } from './energy-detector.js';
import { FaultQueue, type HttpFault, faultHeaders } from './faults.js';
import { HttpHost, isOpen } from './http-host.js';
import { Recorder } from './recorder.js';

/** Options of {@link startFakeAssemblyAi}. */
export interface FakeAssemblyAiOptions {
  /** Key clients must send; default `test-assemblyai-key`. */
  readonly apiKey?: string;
  /** Transcripts of turns 0, 1, 2, ...; beyond the list, `turn N`. */
  readonly transcripts?: readonly string[];
  /** Delay between the audio that triggers a message and sending it; default 0. */
  readonly latencyMs?: number;
  /** Audio between partial turns; default 300 ms. */
  readonly interimIntervalMs?: number;
  /** Speech per revealed word; default 250 ms. */
  readonly msPerWord?: number;
  readonly detector?: Omit<EnergyDetectorOptions, 'endSilenceMs'>;
  readonly clock?: Clock;
}

/** One recorded message, in either direction. */
export type AssemblyAiLogEntry =
  | { readonly dir: 'in'; readonly at: number; readonly connection: number; readonly kind: 'audio'; readonly bytes: number }
  | { readonly dir: 'in'; readonly at: number; readonly connection: number; readonly kind: 'text'; readonly type: string }
  | { readonly dir: 'out'; readonly at: number; readonly connection: number; readonly message: Readonly<Record<string, unknown>> }
  | { readonly dir: 'closed'; readonly at: number; readonly connection: number; readonly code: number };

/** One connection attempt: `accepted`, `rate-limited`, `unauthorized`, or the HTTP status. */
export interface AssemblyAiConnectionRecord {
  readonly at: number;
  readonly index: number;
  readonly query: Readonly<Record<string, string>>;
  readonly outcome: 'accepted' | 'rate-limited' | 'unauthorized' | number;
}

/** A turn the fake ended. */
export interface AssemblyAiTurnRecord {
  readonly index: number;
  readonly connection: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly transcript: string;
}

/** A running fake. */
export interface FakeAssemblyAi {
  /** `ws://127.0.0.1:<port>`: pass as `baseUrl`. */
  readonly url: string;
  readonly apiKey: string;
  readonly log: Recorder<AssemblyAiLogEntry>;
  readonly connections: Recorder<AssemblyAiConnectionRecord>;
  readonly turns: Recorder<AssemblyAiTurnRecord>;
  /** Refuse the next `times` handshakes with an HTTP fault (e.g. 503). */
  failNextConnections(fault: HttpFault, times?: number): void;
  /** Refuse the next `times` sessions with close 1008 "Too many concurrent sessions". */
  rateLimitNextConnections(times?: number): void;
  /** Abruptly drop the next accepted connection once it received `audioMs` of audio. */
  dropNextConnection(afterAudioMs: number): void;
  /** Server messages of type `type`, in order. */
  sent(type?: string): Readonly<Record<string, unknown>>[];
  close(): Promise<void>;
}

/** Start a fake AssemblyAI on 127.0.0.1 (port 0). */
export async function startFakeAssemblyAi(options: FakeAssemblyAiOptions = {}): Promise<FakeAssemblyAi> {
  const clock = options.clock ?? defaultClock;
  const apiKey = options.apiKey ?? 'test-assemblyai-key';
  const log = new Recorder<AssemblyAiLogEntry>();
  const connections = new Recorder<AssemblyAiConnectionRecord>();
  const turns = new Recorder<AssemblyAiTurnRecord>();
  const faults = new FaultQueue();
  const drops: number[] = [];
  let rateLimited = 0;
  const behaviour: AaiBehaviour = {
    transcriptFor: (i) => options.transcripts?.[i] ?? `turn ${i + 1}`,
    latencyMs: options.latencyMs ?? 0,
    interimIntervalMs: options.interimIntervalMs ?? 300,
    msPerWord: options.msPerWord ?? 250,
    detector: options.detector ?? {},
    committed: 0,
  };
  let count = 0;

  const host = await HttpHost.start({
    upgrade(req, accept, reject) {
      const index = count++;
      const at = clock.now();
      const url = new URL(req.url ?? '/', 'http://fake');
      const query = Object.fromEntries(url.searchParams.entries());
      if (url.pathname !== '/v3/ws') {
        connections.add({ at, index, query, outcome: 404 });
        return reject(404, JSON.stringify({ error: 'Not found' }));
      }
      const fault = faults.take();
      if (fault !== undefined) {
        connections.add({ at, index, query, outcome: fault.status });
        return reject(fault.status, JSON.stringify(fault.body ?? { error: 'Service unavailable' }), faultHeaders(fault));
      }
      const authorised = req.headers.authorization === apiKey || url.searchParams.get('token') === apiKey;
      const refusal = !authorised ? 'Unauthorized Connection: Missing Authorization header' : rateLimited > 0 ? 'Unauthorized Connection: Too many concurrent sessions' : undefined;
      if (authorised && rateLimited > 0) rateLimited--;
      const cfg = parseConfig(url.searchParams);
      connections.add({ at, index, query, outcome: refusal === undefined ? 'accepted' : authorised ? 'rate-limited' : 'unauthorized' });
      accept((ws) => {
        ws.on('close', (code: number) => log.add({ dir: 'closed', at: clock.now(), connection: index, code }));
        const refuse = (code: number, error: string): void => {
          const message = { type: 'Error', error_code: code, error };
          ws.send(JSON.stringify(message));
          log.add({ dir: 'out', at: clock.now(), connection: index, message });
          if (isOpen(ws)) ws.close(code, error.slice(0, 120));
        };
        if (refusal !== undefined) return refuse(1008, refusal);
        // How AssemblyAI answers a bad sample_rate/encoding was not found in its docs; the fake closes 3006.
        if (typeof cfg === 'string') return refuse(3006, cfg);
        const conn = new AaiConnection(
          ws,
          cfg,
          behaviour,
          {
            onSent: (message) => log.add({ dir: 'out', at: clock.now(), connection: index, message }),
            onTurn: (t) => turns.add({ connection: index, ...t }),
          },
          clock,
          drops.shift(),
        );
        ws.on('message', (data: Buffer, isBinary: boolean) => log.add({ dir: 'in', at: clock.now(), connection: index, ...conn.onMessage(data, isBinary) }));
      });
    },
  });

  return {
    url: host.wsUrl,
    apiKey,
    log,
    connections,
    turns,
    failNextConnections: (fault, times = 1) => faults.push(fault, times),
    rateLimitNextConnections: (times = 1) => {
      rateLimited += times;
    },
    dropNextConnection: (afterAudioMs) => drops.push(afterAudioMs),
    sent: (type) => log.entries.flatMap((e) => (e.dir === 'out' && (type === undefined || e.message.type === type) ? [e.message] : [])),
    close: () => host.close(),
  };
}

function parseConfig(q: URLSearchParams): AaiConfig | string {
  const encoding = q.get('encoding') ?? 'pcm_s16le';
  if (encoding !== 'pcm_mulaw' && encoding !== 'pcm_s16le') return `Invalid encoding: ${encoding.slice(0, 20)}`;
  const rate = Number(q.get('sample_rate'));
  if (!Number.isInteger(rate) || rate < 8000 || rate > 48000) return 'sample_rate is required and must be 8000-48000';
  const silence = Number(q.get('min_end_of_turn_silence_when_confident') ?? 400);
  return { encoding, sampleRate: rate, formatTurns: q.get('format_turns') === 'true', endSilenceMs: Number.isFinite(silence) && silence >= 10 ? silence : 400 };
}
