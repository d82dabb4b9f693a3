// A minimal Plivo-side client for server and stream tests: opens the stream socket (signed
// or not), sends start/media, records every message the app sends with its arrival time,
// and can answer checkpoints the way Plivo does, after the audio before them has played.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { STREAM_FORMATS, type StreamFormat, computeSignatureV3, mediaMessage, parseOutbound, serializeInbound, startMessage, type ReceivedOutbound } from '../../src/protocol/index.js';

export interface Received {
  readonly at: number;
  readonly msg: ReceivedOutbound;
}

export interface ClientOptions {
  /** Sign the upgrade with this token over `signUrl` (default: the URL itself). */
  authToken?: string;
  signUrl?: string;
  headers?: Record<string, string>;
  /** Answer checkpoints like Plivo: once the audio queued before them has played (real time). */
  playout?: boolean;
  autoPong?: boolean;
  /** Reuse a call id (a reconnect of the same call, as Plivo retries a dropped stream). */
  callId?: string;
  /** The stream id `start` carries (default a new UUID): a browser phone session's, or a reused one. */
  streamId?: string;
}

export function signedHeaders(url: string, authToken: string, nonce = randomUUID()): Record<string, string> {
  return {
    'x-plivo-signature-v3': computeSignatureV3({ method: 'GET', url, nonce, authToken }),
    'x-plivo-signature-v3-nonce': nonce,
  };
}

/** Try an upgrade and report the HTTP status when it is refused. */
export function tryUpgrade(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string } | 'open'> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', () => {});
  });
}

export class StreamClient {
  readonly ws: WebSocket;
  readonly received: Received[] = [];
  readonly streamId: string;
  readonly callId: string;
  format: StreamFormat = STREAM_FORMATS['mulaw/8000'];
  closed: { code: number; reason: string } | undefined;
  #seq = 1;
  #chunk = 0;
  #playoutEnd = 0;
  #listeners = new Set<() => void>();
  readonly #playout: boolean;

  private constructor(ws: WebSocket, playout: boolean, callId: string, streamId: string) {
    this.ws = ws;
    this.callId = callId;
    this.streamId = streamId;
    this.#playout = playout;
    ws.on('message', (data: Buffer) => {
      const at = performance.now();
      const msg = parseOutbound(data);
      this.received.push({ at, msg });
      if (this.#playout) this.#play(msg, at);
      for (const l of this.#listeners) l();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const l of this.#listeners) l();
    });
  }

  static connect(url: string, options: ClientOptions = {}): Promise<StreamClient> {
    const headers = { ...(options.headers ?? {}), ...(options.authToken ? signedHeaders(options.signUrl ?? url, options.authToken) : {}) };
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, autoPong: options.autoPong ?? true });
      const client = new StreamClient(ws, options.playout ?? false, options.callId ?? randomUUID(), options.streamId ?? randomUUID());
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
      ws.once('unexpected-response', (_r, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  start(format: StreamFormat = STREAM_FORMATS['mulaw/8000'], extraHeaders = ''): void {
    this.format = format;
    this.ws.send(serializeInbound(startMessage({ sequenceNumber: this.#seq++, callId: this.callId, streamId: this.streamId, accountId: 'MATESTACCOUNT', format, extraHeaders })));
  }

  media(audio: Uint8Array): void {
    this.#chunk++;
    this.ws.send(serializeInbound(mediaMessage({ sequenceNumber: this.#seq++, streamId: this.streamId, chunk: this.#chunk, timestamp: Date.now(), audio })));
  }

  raw(text: string | Buffer): void {
    this.ws.send(text);
  }

  /** playAudio frames received so far. */
  get audioFrames(): Received[] {
    return this.received.filter((r) => r.msg.event === 'playAudio');
  }

  /** Resolve when `pred` holds (checked on every message and every 10 ms), or reject after `timeoutMs`. */
  waitFor(pred: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        clearInterval(poll);
        this.#listeners.delete(check);
      };
      const check = (): void => {
        if (pred()) {
          done();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const poll = setInterval(check, 10);
      this.#listeners.add(check);
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }

  // Plivo's part in miniature: audio plays in real time; a checkpoint is answered when the
  // audio before it has played; clearAudio drops what is queued and answers clearedAudio.
  #pendingAcks: { name: string; timer: NodeJS.Timeout }[] = [];
  #play(msg: ReceivedOutbound, at: number): void {
    switch (msg.event) {
      case 'playAudio': {
        const ms = (msg.audio.length / (this.format.bytesPerSample * this.format.sampleRate)) * 1000;
        this.#playoutEnd = Math.max(at, this.#playoutEnd) + ms;
        return;
      }
      case 'checkpoint': {
        const wait = Math.max(0, this.#playoutEnd - at);
        const timer = setTimeout(() => {
          this.#pendingAcks = this.#pendingAcks.filter((p) => p.timer !== timer);
          if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ event: 'playedStream', sequenceNumber: this.#seq++, streamId: this.streamId, name: msg.name }));
        }, wait);
        this.#pendingAcks.push({ name: msg.name, timer });
        return;
      }
      case 'clearAudio':
        for (const p of this.#pendingAcks) clearTimeout(p.timer);
        this.#pendingAcks = [];
        this.#playoutEnd = at;
        this.ws.send(JSON.stringify({ event: 'clearedAudio', sequenceNumber: this.#seq++, streamId: this.streamId }));
        return;
      case 'sendDTMF':
        return;
    }
  }
}
