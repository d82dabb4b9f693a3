// A purpose-built app server for emulator tests, written with node:http + ws: it serves an
// answer URL (Stream XML), a status-callback URL and a WebSocket stream endpoint, records
// every request (checking Plivo V3 signatures), and lets each test script the app's side of
// the stream, including deliberately wrong behaviour.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { type InboundMessage, parseInbound, streamXml, type StreamFormatName, validateSignatureV3 } from '../../src/protocol/index.js';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly params: Record<string, string>;
  /** V3 signature check with the app's token: true/false, or undefined when no token is set. */
  readonly signatureValid: boolean | undefined;
  /** Which URL form validated the upgrade signature (ws or https), when one did. */
  readonly signedAs?: 'as-written' | 'https';
}

export interface FakeAppOptions {
  authToken?: string;
  format?: StreamFormatName;
  bidirectional?: boolean;
  keepCallAlive?: boolean;
  extraHeaders?: string;
  statusCallback?: boolean;
  statusCallbackMethod?: 'GET' | 'POST';
  /** Replace the answer document. */
  xml?: (urls: { streamUrl: string; statusUrl: string }) => string;
  /** Refuse upgrades with this HTTP status. */
  rejectUpgrade?: number;
  /** Refuse upgrades whose signature does not validate (needs authToken). */
  requireSignature?: boolean;
  /** Script of the app's side of each stream. */
  onStream?: (stream: AppStream) => void | Promise<void>;
}

type Waiter = { pred: (m: InboundMessage) => boolean; resolve: (m: InboundMessage) => void };

/** The app's side of one stream. */
export class AppStream {
  readonly messages: InboundMessage[] = [];
  readonly ws: WebSocket;
  readonly upgrade: RecordedRequest;
  readonly closed: Promise<number>;
  #waiters: Waiter[] = [];
  #read = 0;

  constructor(ws: WebSocket, upgrade: RecordedRequest) {
    this.ws = ws;
    this.upgrade = upgrade;
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('message', (data) => {
      const m = parseInbound(String(data));
      this.messages.push(m);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
  }

  get streamId(): string {
    const s = this.messages.find((m) => m.event === 'start');
    return s?.event === 'start' ? s.start.streamId : '';
  }

  /** The next message (after the last one returned by next) matching `event`. */
  async next<E extends InboundMessage['event']>(event: E, timeoutMs = 20_000): Promise<Extract<InboundMessage, { event: E }>> {
    for (; this.#read < this.messages.length; this.#read++) {
      const m = this.messages[this.#read] as InboundMessage;
      if (m.event === event) {
        this.#read++;
        return m as Extract<InboundMessage, { event: E }>;
      }
    }
    const from = this.#read;
    const m = await this.waitFor((x) => x.event === event && this.messages.indexOf(x) >= from, timeoutMs, `a ${event} message`);
    this.#read = this.messages.indexOf(m) + 1;
    return m as Extract<InboundMessage, { event: E }>;
  }

  /** Resolve with the first message (already received or future) matching `pred`. */
  waitFor(pred: (m: InboundMessage) => boolean, timeoutMs = 20_000, what = 'a message'): Promise<InboundMessage> {
    const seen = this.messages.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.#waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Wait until `n` media frames have arrived. */
  async mediaCount(n: number, timeoutMs = 20_000): Promise<Extract<InboundMessage, { event: 'media' }>[]> {
    const started = Date.now();
    for (;;) {
      const media = this.messages.filter((m): m is Extract<InboundMessage, { event: 'media' }> => m.event === 'media');
      if (media.length >= n) return media;
      if (Date.now() - started > timeoutMs) throw new Error(`only ${media.length} of ${n} media frames arrived`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  send(message: string | object): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }
}

export interface FakeApp {
  readonly base: string;
  readonly answerUrl: string;
  readonly streamUrl: string;
  readonly statusUrl: string;
  readonly answers: RecordedRequest[];
  readonly callbacks: RecordedRequest[];
  readonly upgrades: RecordedRequest[];
  readonly streams: AppStream[];
  nextStream(timeoutMs?: number): Promise<AppStream>;
  /** Wait until a status callback with this Event arrived. */
  callback(event: string, timeoutMs?: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

export async function startFakeApp(options: FakeAppOptions = {}): Promise<FakeApp> {
  const answers: RecordedRequest[] = [];
  const callbacks: RecordedRequest[] = [];
  const upgrades: RecordedRequest[] = [];
  const streams: AppStream[] = [];
  const streamWaiters: (() => void)[] = [];
  let taken = 0;
  let base = '';

  const record = async (req: IncomingMessage): Promise<RecordedRequest> => {
    const url = `${base}${req.url ?? '/'}`;
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const params: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(method === 'POST' ? body : new URL(url).search)) params[k] = v;
    let signatureValid: boolean | undefined;
    if (options.authToken !== undefined) {
      signatureValid = validateSignatureV3({
        method,
        url,
        nonce: String(req.headers['x-plivo-signature-v3-nonce'] ?? ''),
        signature: String(req.headers['x-plivo-signature-v3'] ?? ''),
        authToken: options.authToken,
        params: method === 'POST' ? params : {},
      });
    }
    return { method, url, headers: req.headers, params, signatureValid };
  };

  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/answer') {
      answers.push(await record(req));
      const urls = { streamUrl: base.replace(/^http/, 'ws') + '/stream', statusUrl: `${base}/status` };
      const xml =
        options.xml?.(urls) ??
        streamXml({
          url: urls.streamUrl,
          format: options.format ?? 'mulaw/8000',
          allowInsecure: true,
          bidirectional: options.bidirectional ?? true,
          keepCallAlive: options.keepCallAlive ?? true,
          extraHeaders: options.extraHeaders,
          statusCallbackUrl: options.statusCallback === false ? undefined : urls.statusUrl,
          statusCallbackMethod: options.statusCallbackMethod,
        });
      res.writeHead(200, { 'Content-Type': 'application/xml' }).end(xml);
      return;
    }
    if (path === '/status') {
      callbacks.push(await record(req));
      res.writeHead(200).end('ok');
      return;
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const wsUrl = `${base.replace(/^http/, 'ws')}${req.url ?? '/'}`;
    let signatureValid: boolean | undefined;
    let signedAs: RecordedRequest['signedAs'];
    if (options.authToken !== undefined) {
      const check = (url: string): boolean =>
        validateSignatureV3({
          method: 'GET',
          url,
          nonce: String(req.headers['x-plivo-signature-v3-nonce'] ?? ''),
          signature: String(req.headers['x-plivo-signature-v3'] ?? ''),
          authToken: options.authToken as string,
        });
      if (check(wsUrl)) signedAs = 'as-written';
      else if (check(wsUrl.replace(/^ws/, 'http'))) signedAs = 'https';
      signatureValid = signedAs !== undefined;
    }
    const up: RecordedRequest = { method: 'GET', url: wsUrl, headers: req.headers, params: {}, signatureValid, signedAs };
    upgrades.push(up);
    const refuse = options.rejectUpgrade ?? (options.requireSignature && !signatureValid ? 403 : undefined);
    if (refuse !== undefined) {
      socket.end(`HTTP/1.1 ${refuse} Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const s = new AppStream(ws, up);
      streams.push(s);
      for (const w of streamWaiters.splice(0)) w();
      void options.onStream?.(s);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    base,
    answerUrl: `${base}/answer`,
    streamUrl: `${base.replace(/^http/, 'ws')}/stream`,
    statusUrl: `${base}/status`,
    answers,
    callbacks,
    upgrades,
    streams,
    // Streams are handed out in connection order, each once.
    nextStream(timeoutMs = 20_000) {
      const index = taken++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no stream connected')), timeoutMs);
        const check = (): void => {
          const s = streams[index];
          if (s === undefined) {
            streamWaiters.push(check);
            return;
          }
          clearTimeout(timer);
          resolve(s);
        };
        check();
      });
    },
    async callback(event, timeoutMs = 20_000) {
      const started = Date.now();
      for (;;) {
        const found = callbacks.find((c) => c.params.Event === event);
        if (found !== undefined) return found;
        if (Date.now() - started > timeoutMs) throw new Error(`no ${event} callback arrived`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export { WebSocket };
