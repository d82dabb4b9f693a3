/**
 * The HTTP + WebSocket host every fake runs on: a real `node:http` server on 127.0.0.1 port 0,
 * a `ws` server for upgrades, a count of TCP connections (so tests can prove keep-alive reuse),
 * and a close that also drops open sockets.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

/** What a fake plugs into the host. */
export interface HostHandlers {
  /** Plain HTTP requests. */
  request?(req: IncomingMessage, res: ServerResponse): void;
  /**
   * A WebSocket upgrade: call `accept` to complete the handshake or `reject` to answer with an
   * HTTP error instead (as vendors do for a bad key).
   */
  upgrade?(req: IncomingMessage, accept: (onSocket: (ws: WebSocket) => void) => void, reject: (status: number, body: string, headers?: Record<string, string>) => void): void;
}

/** A running host. */
export class HttpHost {
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #sockets = new Set<Socket>();
  #connections = 0;
  #port = 0;

  private constructor(handlers: HostHandlers, maxPayload: number) {
    this.#server = createServer((req, res) => {
      if (handlers.request === undefined) {
        res.writeHead(404).end();
        return;
      }
      handlers.request(req, res);
    });
    // Vendors keep idle connections open well beyond Node's 5 s default; a longer timeout lets
    // tests observe client-side connection reuse across turns.
    this.#server.keepAliveTimeout = 30_000;
    this.#wss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false });
    this.#server.on('connection', (s: Socket) => {
      this.#connections++;
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const reject = (status: number, body: string, headers: Record<string, string> = {}): void => {
        const lines = [`HTTP/1.1 ${status} ${statusText(status)}`, 'connection: close', `content-length: ${Buffer.byteLength(body)}`];
        for (const [k, v] of Object.entries({ 'content-type': 'application/json', ...headers })) lines.push(`${k}: ${v}`);
        socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
      };
      const accept = (onSocket: (ws: WebSocket) => void): void => {
        this.#wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws));
      };
      if (handlers.upgrade === undefined) reject(404, '{}');
      else handlers.upgrade(req, accept, reject);
    });
  }

  /** Start listening on 127.0.0.1, port 0. */
  static async start(handlers: HostHandlers, maxPayload = 16 * 1024 * 1024): Promise<HttpHost> {
    const host = new HttpHost(handlers, maxPayload);
    await new Promise<void>((resolve, reject) => {
      host.#server.once('error', reject);
      host.#server.listen(0, '127.0.0.1', () => resolve());
    });
    host.#port = (host.#server.address() as AddressInfo).port;
    return host;
  }

  /** `http://127.0.0.1:<port>`. */
  get httpUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** `ws://127.0.0.1:<port>`. */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.#port}`;
  }

  /** TCP connections accepted so far (HTTP and WebSocket). */
  get connections(): number {
    return this.#connections;
  }

  /** Open WebSocket clients. */
  get clients(): ReadonlySet<WebSocket> {
    return this.#wss.clients;
  }

  /** Stop: terminate WebSockets, destroy open sockets, close the server. */
  async close(): Promise<void> {
    for (const ws of this.#wss.clients) ws.terminate();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

function statusText(status: number): string {
  const texts: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };
  return texts[status] ?? 'Error';
}

/** Read a request body up to `max` bytes; rejects with a RangeError beyond it. */
export function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new RangeError(`request body over ${max} bytes`));
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** Send a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** True when the socket is still open for sending. */
export function isOpen(ws: WebSocket): boolean {
  return ws.readyState === WebSocket.OPEN;
}
