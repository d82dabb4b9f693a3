/**
 * The dashboard's live feed: Server-Sent Events to each open page. A page without a filter
 * gets stream started/updated/ended; a page for one stream (`?stream=<id>`) first gets a
 * snapshot of that stream's live state, then its timeline events, turns and status
 * callbacks as they happen. Bounded per client: one that stops reading (its socket buffer
 * grows past the limit) is dropped, and its EventSource reconnects and starts over.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.js';
import type { StoreRecord } from '../server/store-tee.js';
import type { LiveChange, LiveState } from './live-state.js';

/** Limits of the live feed. */
export interface LiveFeedOptions {
  /** Open feeds at once (default 64); more get 503. */
  readonly maxClients?: number;
  /** Open feeds per client address (default 8); more get 429, so one client cannot hold every slot. */
  readonly maxClientsPerAddress?: number;
  /** Bytes a client may have unread before it is dropped (default 512 KiB). */
  readonly maxBufferedBytes?: number;
  /** Comment lines keep idle connections open through proxies (default every 15 s). */
  readonly heartbeatMs?: number;
}

/** Who opened a feed: the client address, and the sign-in session it rides on (token mode). */
export interface FeedOwner {
  readonly ip: string;
  readonly session?: string;
}

interface Client {
  readonly res: ServerResponse;
  readonly owner: FeedOwner;
  /** Only this stream's details (undefined: the list feed). */
  readonly streamId: string | undefined;
}

export class LiveFeed {
  readonly #state: LiveState;
  readonly #log: Logger;
  readonly #clients = new Set<Client>();
  readonly #maxClients: number;
  readonly #maxPerAddress: number;
  readonly #perAddress = new Map<string, number>();
  readonly #maxBuffered: number;
  readonly #heartbeatMs: number;
  #heartbeat: NodeJS.Timeout | undefined;
  #dropped = 0;

  constructor(state: LiveState, log: Logger, options: LiveFeedOptions = {}) {
    this.#state = state;
    this.#log = log;
    this.#maxClients = options.maxClients ?? 64;
    this.#maxPerAddress = options.maxClientsPerAddress ?? 8;
    this.#maxBuffered = options.maxBufferedBytes ?? 512 * 1024;
    this.#heartbeatMs = options.heartbeatMs ?? 15_000;
  }

  /** Open feeds. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Clients dropped for falling behind. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Apply a store record and push what changed. */
  record(record: StoreRecord): void {
    for (const change of this.#state.apply(record)) this.#publish(change);
  }

  /** Serve one feed (`GET /api/events[?stream=<id>]`) to `owner` (default: the socket's address). */
  open(req: IncomingMessage, res: ServerResponse, streamId: string | undefined, owner: FeedOwner = { ip: req.socket.remoteAddress ?? 'unknown' }): void {
    if (this.#clients.size >= this.#maxClients) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' });
      res.end(`too many live feeds open (${this.#maxClients})\n`);
      return;
    }
    const mine = this.#perAddress.get(owner.ip) ?? 0;
    if (mine >= this.#maxPerAddress) {
      res.writeHead(429, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' });
      res.end(`SERVER_RATE_LIMITED: too many live feeds open from this address (${this.#maxPerAddress})\n`);
      return;
    }
    this.#perAddress.set(owner.ip, mine + 1);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Tell nginx-style proxies not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    const client: Client = { res, owner, streamId };
    this.#clients.add(client);
    let counted = true;
    const remove = (): void => {
      // Once per client, however many of close/error fire.
      if (counted) {
        counted = false;
        const n = (this.#perAddress.get(owner.ip) ?? 1) - 1;
        if (n <= 0) this.#perAddress.delete(owner.ip);
        else this.#perAddress.set(owner.ip, n);
      }
      this.#clients.delete(client);
      if (this.#clients.size === 0 && this.#heartbeat !== undefined) {
        clearInterval(this.#heartbeat);
        this.#heartbeat = undefined;
      }
    };
    req.on('close', remove);
    res.on('close', remove);
    res.on('error', remove);
    this.#write(client, 'retry: 2000\n\n');
    if (streamId === undefined) {
      this.#send(client, 'live', { streams: this.#state.liveStreams() });
    } else {
      const s = this.#state.get(streamId);
      this.#send(
        client,
        'snapshot',
        s === undefined
          ? { streamId, live: false }
          : { streamId, live: s.summary.status === 'live', stream: s.summary, events: s.events, turns: [...s.turns.values()], statusCallbacks: s.statusCallbacks, droppedEvents: s.droppedEvents },
      );
    }
    if (this.#heartbeat === undefined) {
      this.#heartbeat = setInterval(() => {
        for (const c of this.#clients) this.#write(c, ': keepalive\n\n');
      }, this.#heartbeatMs);
      this.#heartbeat.unref();
    }
  }

  /** End the feeds opened with a session (it was signed out): they must not outlive it. */
  endSession(session: string): void {
    for (const c of this.#clients) if (c.owner.session === session) c.res.destroy();
  }

  /** End every feed (server shutdown). */
  close(): void {
    for (const c of this.#clients) c.res.end();
    this.#clients.clear();
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  #publish(change: LiveChange): void {
    if (this.#clients.size === 0) return;
    let frame: string | undefined;
    for (const c of this.#clients) {
      if (!wants(c, change)) continue;
      frame ??= sseFrame(change.kind, wireData(change));
      this.#write(c, frame);
    }
  }

  #send(client: Client, event: string, data: unknown): void {
    this.#write(client, sseFrame(event, data));
  }

  #write(client: Client, text: string): void {
    const res = client.res;
    if (res.destroyed || res.writableEnded) return;
    if (res.writableLength > this.#maxBuffered) {
      this.#dropped++;
      this.#log.debug({ buffered: res.writableLength }, 'dashboard live feed dropped: the client stopped reading');
      this.#clients.delete(client);
      res.destroy();
      return;
    }
    res.write(text);
  }
}

/** What a change carries on the wire: a stream's summary, or `{ streamId, event | turn | callback }`. */
function wireData(change: LiveChange): unknown {
  if (change.kind === 'stream') return change.stream;
  const { kind: _kind, ...rest } = change;
  return rest;
}

function wants(c: Client, change: LiveChange): boolean {
  if (change.kind === 'stream') return c.streamId === undefined || c.streamId === change.stream.streamId;
  return c.streamId !== undefined && c.streamId === change.streamId;
}

/** One SSE message: an event name and JSON data on one line. */
export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
