// A purpose-built Plivo stream app for the doctor's tests, healthy by default and broken on
// request: node:http or node:https + ws, an answer URL (Stream XML), a status-callback URL and
// a stream endpoint that greets with real speech (flite), echoes what the caller said, paces
// its audio in real time with a small lead, sends checkpoints and pings. Each option breaks
// one thing the way real apps get it wrong.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { pcmToWire, wireToPcm } from '../../src/audio/codec.js';
import { peak } from '../../src/audio/level.js';
import { concatPcm } from '../../src/audio/pcm.js';
import { encodeWav } from '../../src/audio/wav.js';
import { encodeBase64, parseInbound, STREAM_FORMATS, type StreamFormat, type StreamFormatName, streamXml, validateSignatureV3 } from '../../src/protocol/index.js';
import { resampleAll, synthesizeSpeech } from '../../src/providers/flite/synthesize.js';

/** How the app gets its audio wrong. */
export type AudioFault =
  | 'none'
  /** playAudio says audio/x-l16 while the XML says mu-law: invalid_content_type. */
  | 'wrong-content-type'
  /** Each reply is sent as one WAV file, header included. */
  | 'wav-header'
  /** 16 kHz TTS samples encoded as mu-law and declared (and paced) as 8000 Hz. */
  | 'rate-16k-as-8k'
  /** 60 s of audio sent at once when the stream starts. */
  | 'dump-60s';

export interface DoctorAppOptions {
  /** Serve https/wss with this certificate. */
  tls?: { cert: string; key: string };
  format?: StreamFormatName;
  /** Replace the answer document. */
  xml?: (urls: { streamUrl: string; statusUrl: string }) => string;
  /** Refuse upgrades (HTTP 403) not signed with this token. */
  authToken?: string;
  /** Answer pings (default true). */
  autoPong?: boolean;
  /** Ping every stream this often (ms; default 1000; 0 = never). */
  pingIntervalMs?: number;
  /** Close a stream whose client has sent nothing for this long (ms). */
  closeIdleAfterMs?: number;
  audio?: AudioFault;
  /** Speak first (default true). */
  greet?: boolean;
  /** Wait this long before each reply, the greeting included (ms): a slow pipeline. */
  delayMs?: number;
  /** Send each reply at once instead of paced (what Plivo's own examples do). */
  burst?: boolean;
}

export interface DoctorApp {
  readonly base: string;
  readonly answerUrl: string;
  readonly streamUrl: string;
  readonly statusUrl: string;
  /** Event names of the status callbacks received. */
  readonly statusEvents: string[];
  close(): Promise<void>;
}

const GREETING = 'Hello, thanks for calling.';
const LEAD_FRAMES = 5;
const ECHO_QUIET_MS = 400;

let greeting16k: Promise<Int16Array> | undefined;

/** The greeting as 16 kHz PCM (synthesized once per test process). */
function greetingPcm(): Promise<Int16Array> {
  greeting16k ??= synthesizeSpeech(GREETING, { voice: 'kal16', sampleRate: 16000 }).then((s) => s.samples);
  return greeting16k;
}

/** One stream's outbound side: 20 ms frames sent in real time, a checkpoint after each reply. */
class Outbound {
  readonly #ws: WebSocket;
  readonly #format: StreamFormat;
  readonly #fault: AudioFault;
  readonly #queue: (Uint8Array | string)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #streamId = '';
  #replies = 0;

  readonly #delayMs: number;
  readonly #burst: boolean;

  constructor(ws: WebSocket, format: StreamFormat, fault: AudioFault, delayMs: number, burst: boolean) {
    this.#ws = ws;
    this.#format = format;
    this.#fault = fault;
    this.#delayMs = delayMs;
    this.#burst = burst;
  }

  started(streamId: string): void {
    this.#streamId = streamId;
  }

  #send(payload: Uint8Array): void {
    const contentType = this.#fault === 'wrong-content-type' ? 'audio/x-l16' : this.#format.encoding;
    this.#ws.send(JSON.stringify({ event: 'playAudio', media: { contentType, sampleRate: this.#format.sampleRate, payload: encodeBase64(payload) } }));
  }

  /** Play PCM16 made at `rate` (after the configured delay). */
  play(pcm: Int16Array, rate: number): void {
    if (this.#delayMs > 0) setTimeout(() => this.#playNow(pcm, rate), this.#delayMs);
    else this.#playNow(pcm, rate);
  }

  #playNow(pcm: Int16Array, rate: number): void {
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    const f = this.#format;
    if (this.#fault === 'wav-header') {
      this.#send(encodeWav(resampleAll(pcm, rate, f.sampleRate), f.sampleRate));
      return;
    }
    // The rate bug: all bot speech is made at 16 kHz (like a 16 kHz TTS) and goes out
    // untouched, declared as the stream's 8 kHz.
    const wire = pcmToWire(f, resampleAll(pcm, rate, this.#fault === 'rate-16k-as-8k' ? 16000 : f.sampleRate));
    for (let off = 0; off < wire.length; off += f.frameBytes) this.#queue.push(wire.subarray(off, off + f.frameBytes));
    this.#queue.push(`reply-${++this.#replies}`);
    if (this.#burst) {
      while (this.#queue.length > 0) this.#tick();
      return;
    }
    if (this.#timer === undefined) {
      for (let i = 0; i < LEAD_FRAMES; i++) this.#tick();
      this.#timer = setInterval(() => this.#tick(), 20);
    }
  }

  /** Send `seconds` of audio at once. */
  dump(seconds: number): void {
    const second = new Uint8Array(this.#format.sampleRate * this.#format.bytesPerSample).fill(this.#format.encoding === 'audio/x-mulaw' ? 0x7f : 0);
    for (let i = 0; i < seconds; i++) this.#send(second);
  }

  #tick(): void {
    for (;;) {
      const next = this.#queue.shift();
      if (next === undefined || this.#ws.readyState !== WebSocket.OPEN) {
        this.stop();
        return;
      }
      if (typeof next === 'string') {
        this.#ws.send(JSON.stringify({ event: 'checkpoint', streamId: this.#streamId, name: next }));
        continue;
      }
      this.#send(next);
      return;
    }
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** Echo: collect the caller's speech; after a short silence play it back. */
class Echo {
  readonly #rate: number;
  readonly #play: (pcm: Int16Array, rate: number) => void;
  #frames: Int16Array[] = [];
  #quietMs = 0;

  constructor(rate: number, play: (pcm: Int16Array, rate: number) => void) {
    this.#rate = rate;
    this.#play = play;
  }

  frame(pcm: Int16Array): void {
    const loud = peak(pcm) > 1000;
    if (this.#frames.length === 0 && !loud) return;
    this.#frames.push(pcm);
    this.#quietMs = loud ? 0 : this.#quietMs + 20;
    if (this.#quietMs >= ECHO_QUIET_MS) {
      const said = concatPcm(this.#frames);
      this.#frames = [];
      this.#quietMs = 0;
      this.#play(said, this.#rate);
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

export async function startDoctorApp(options: DoctorAppOptions = {}): Promise<DoctorApp> {
  const format = STREAM_FORMATS[options.format ?? 'mulaw/8000'];
  const fault = options.audio ?? 'none';
  const statusEvents: string[] = [];
  const greeting = await greetingPcm();
  let base = '';
  const wsBase = (): string => base.replace(/^http/, 'ws');

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = await readBody(req);
    if (path === '/answer') {
      const urls = { streamUrl: `${wsBase()}/stream`, statusUrl: `${base}/status` };
      const xml = options.xml?.(urls) ?? streamXml({ url: urls.streamUrl, format, allowInsecure: true, statusCallbackUrl: urls.statusUrl });
      res.writeHead(200, { 'content-type': 'application/xml' }).end(xml);
      return;
    }
    if (path === '/status') {
      statusEvents.push(new URLSearchParams(body).get('Event') ?? '?');
      res.writeHead(200).end('ok');
      return;
    }
    res.writeHead(404).end('not found');
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => void onRequest(req, res);
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler) : createHttpServer(handler);
  const wss = new WebSocketServer({ noServer: true, autoPong: options.autoPong ?? true });

  server.on('upgrade', (req, socket, head) => {
    const url = `${wsBase()}${req.url ?? '/'}`;
    if (options.authToken !== undefined) {
      const nonce = String(req.headers['x-plivo-signature-v3-nonce'] ?? '');
      const signature = String(req.headers['x-plivo-signature-v3'] ?? '');
      const valid = [url, url.replace(/^ws/, 'http')].some((u) => validateSignatureV3({ method: 'GET', url: u, nonce, signature, authToken: options.authToken as string }));
      if (!valid) {
        socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 18\r\nConnection: close\r\n\r\ninvalid signature\n');
        return;
      }
    }
    wss.handleUpgrade(req, socket, head, (ws) => onStream(ws));
  });

  const onStream = (ws: WebSocket): void => {
    const out = new Outbound(ws, format, fault, options.delayMs ?? 0, options.burst ?? false);
    const echo = new Echo(format.sampleRate, (pcm, rate) => out.play(pcm, rate));
    let lastHeard = Date.now();
    const timers: NodeJS.Timeout[] = [];
    const pingMs = options.pingIntervalMs ?? 1000;
    if (pingMs > 0) timers.push(setInterval(() => ws.ping(), pingMs));
    const idleMs = options.closeIdleAfterMs;
    if (idleMs !== undefined) timers.push(setInterval(() => Date.now() - lastHeard > idleMs && ws.close(1000, 'idle'), 50));
    ws.on('error', () => {});
    ws.on('close', () => {
      out.stop();
      for (const t of timers) clearInterval(t);
    });
    ws.on('message', (data) => {
      lastHeard = Date.now();
      const m = parseInbound(String(data));
      if (m.event === 'start') {
        out.started(m.start.streamId);
        if (fault === 'dump-60s') out.dump(60);
        else if (options.greet ?? true) out.play(greeting, 16000);
      } else if (m.event === 'media' && m.media.track === 'inbound') echo.frame(wireToPcm(format, m.audio));
    });
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    answerUrl: `${base}/answer`,
    streamUrl: `${wsBase()}/stream`,
    statusUrl: `${base}/status`,
    statusEvents,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
