/**
 * The callwire server: one port serving Plivo's answer URL, the stream WebSocket (signature
 * checked before the handshake), status callbacks, health and readiness, with limits, and a
 * drain that lets live calls finish on SIGTERM. node:http + ws (docs/ecosystem.md §2: the
 * raw ws ceiling, with full control of the pre-handshake path).
 */
import { type Server as HttpServer, type IncomingMessage, STATUS_CODES, type ServerResponse, createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { echoHandler } from '../stream/echo.js';
import { Alerter } from '../observability/alerts.js';
import { ServerMetrics } from '../observability/metrics.js';
import { type Clock, defaultClock } from '../clock.js';
import { silentLogger } from '../log/logger.js';
import { LogSampler } from '../log/sampled.js';
import type { StreamStatusEvent } from '../protocol/status.js';
import { PlivoRestClient } from '../rest/plivo-rest.js';
import { CallStream } from '../stream/call-stream.js';
import { CLOSE } from '../stream/close-codes.js';
import { TypedEmitter } from '../stream/typed-emitter.js';
import { PATHS, answer, transferXml } from './answer.js';
import { CallContextCodec } from './call-context.js';
import type { ServerContext } from './context.js';
import type { ListenInfo, ServerEvents } from './events.js';
import { healthz, readyz } from './health.js';
import { parseForm, parseParams, send } from './http-io.js';
import { PendingBodies } from './pending.js';
import { readPlivoBody } from './plivo-body.js';
import { NonceCache, isReplayLedger } from './nonce-cache.js';
import { type ResolvedOptions, type ServerOptions, resolveOptions } from './options.js';
import type { StreamHandler } from '../stream/handler.js';
import { type PublicOrigin, httpUrl, publicOrigin, signatureCandidates } from './public-url.js';
import { RateLimiter } from './rate-limit.js';
import { observeServer } from './observe.js';
import { storeStreams } from './store-glue.js';
import { StoreTee } from './store-tee.js';
import type { StreamStore } from '../store/types.js';
import { listenError } from './listen-error.js';
import { logRefusal } from './refusal-log.js';
import { checkSignature, loggableUrl } from './signature-check.js';
import { status } from './status.js';
import { type StreamTokenVerifier, handleUpgrade } from './upgrade.js';

/** A route an app adds beside Plivo's (the dashboard and metrics use this). */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

export type { ListenInfo, ServerEvents } from './events.js';

export class CallwireServer {
  readonly options: ResolvedOptions;
  /** Prometheus metrics (served at /metrics). */
  readonly metrics = new ServerMetrics();
  /** Alerts (log at warn, optional webhook). */
  readonly alerts: Alerter;
  readonly #ctx: ServerContext;
  readonly #http: HttpServer;
  readonly #wss: WebSocketServer;
  readonly #handler: StreamHandler;
  readonly #events: TypedEmitter<ServerEvents>;
  readonly #raw: ServerOptions;
  readonly #routes: RouteHandler[] = [];
  readonly #pending: PendingBodies;
  #listen: ListenInfo | undefined;
  #streamTokens: StreamTokenVerifier | undefined;
  #drainWaiters: (() => void)[] = [];
  /** Unsubscribers from the agent, called when the server closes. */
  readonly #unobserve: (() => void)[] = [];

  constructor(options: ServerOptions = {}) {
    this.#raw = options;
    this.options = resolveOptions(options);
    this.#pending = new PendingBodies(this.options.limits.maxPendingBodies);
    const clock: Clock = options.clock ?? defaultClock;
    const log = options.logger ?? silentLogger;
    this.#events = new TypedEmitter((error, event) => log.error({ err: (error as Error)?.message, event }, 'a server event listener threw'));
    this.#handler = options.onStream ?? options.agent?.handle ?? echoHandler;
    this.alerts = new Alerter(options.alerts ?? {}, clock, log);
    this.#ctx = {
      options: this.options,
      raw: options,
      log,
      clock,
      pacer: options.pacer,
      // With a store, the replay window is kept in it: a captured request does not replay after a restart.
      nonces: new NonceCache(clock, this.options.replayWindowMs, undefined, isReplayLedger(options.store) ? options.store : undefined),
      contexts: new CallContextCodec(this.options.authToken),
      limiter: new RateLimiter(clock, this.options.limits.upgradeBurst, this.options.limits.upgradesPerSecond),
      rest: new PlivoRestClient({ authId: this.options.authId, authToken: this.options.authToken, baseUrl: this.options.plivoApiUrl }),
      streams: new Set(),
      refusals: new LogSampler(),
      statusEvents: [],
      draining: false,
      emitStatus: (e) => this.#events.emit('status', e),
    };
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.#onRequest(req, res).catch((e: unknown) => {
        // The client went away mid-request (an aborted upload, a closed tab): its doing, not a
        // server error, and repeatable at will, so a sampled debug line.
        if (clientAborted(req, e)) {
          const count = this.#ctx.refusals.hit('CLIENT_ABORTED');
          if (count !== undefined) log.debug({ code: 'CLIENT_ABORTED', count, url: (req.url ?? '').split('?')[0]?.slice(0, 100) }, 'request abandoned by the client');
          res.destroy();
          return;
        }
        log.error({ err: (e as Error).message }, 'request handler failed');
        if (!res.headersSent) send(res, 500, 'internal error');
        else res.destroy();
      });
    };
    // Node checks headersTimeout only every connectionsCheckingInterval (30 s by default), so a
    // slowloris upgrade would live up to 40 s: check often enough for the limit to mean itself.
    const headersTimeout = this.options.limits.headersTimeoutMs;
    const httpOptions = { connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.round(headersTimeout / 5))) };
    this.#http = options.tls ? createHttpsServer({ ...httpOptions, cert: options.tls.cert, key: options.tls.key }, handler) : createHttpServer(httpOptions, handler);
    this.#http.headersTimeout = headersTimeout;
    this.#http.requestTimeout = Math.max(30_000, headersTimeout);
    this.#http.on('clientError', (err: NodeJS.ErrnoException, socket) => this.#onClientError(err, socket));
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: this.options.limits.maxMessageBytes, perMessageDeflate: false, clientTracking: false });
    const agent = options.onStream === undefined ? options.agent : undefined;
    this.#unobserve.push(observeServer(this, this.metrics, this.alerts, agent));
    if (options.store !== undefined) {
      this.#unobserve.push(storeStreams(this, new StoreTee(options.store, (r) => this.#events.emit('record', r)), clock, log, agent, options.recording));
      this.metrics.store(options.store);
    }
    this.#http.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
      handleUpgrade(this.#ctx, this.#wss, req, socket, head, (ws, params, origin, granted) => this.#accept(ws, params, origin, granted), (r) => this.#events.emit('rejected', r), this.#streamTokens);
    });
  }

  /** Listen for an event; returns an unsubscribe function. */
  on<K extends keyof ServerEvents>(event: K, listener: (payload: ServerEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Add a route served before Plivo's routes' 404 (return true when handled). */
  route(handler: RouteHandler): void {
    this.#routes.push(handler);
  }

  /**
   * Let stream upgrades that carry `?phone=<token>` in, instead of a Plivo signature, when
   * `verify` accepts the token (the dashboard's browser phone). `verify` returns the call's
   * parameters, or undefined to refuse with 403.
   */
  acceptStreamTokens(verify: StreamTokenVerifier): void {
    this.#streamTokens = verify;
  }

  /** The store given in the options (reads; the server writes to it). */
  get store(): StreamStore | undefined {
    return this.#raw.store;
  }

  /** Live streams. */
  get streams(): ReadonlySet<CallStream> {
    return this.#ctx.streams;
  }

  /** Status callbacks received (most recent last, bounded). */
  get statusEvents(): readonly StreamStatusEvent[] {
    return this.#ctx.statusEvents;
  }

  get draining(): boolean {
    return this.#ctx.draining;
  }

  /** Where it listens (after listen()). */
  get address(): ListenInfo | undefined {
    return this.#listen;
  }

  /** The server's logger. */
  get logger(): ServerContext['log'] {
    return this.#ctx.log;
  }

  /** Start listening. Port 0 picks a free port. */
  listen(port = 8080, host = '0.0.0.0'): Promise<ListenInfo> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(listenError(e, port, host));
      this.#http.once('error', onError);
      this.#http.listen(port, host, () => {
        this.#http.off('error', onError);
        const a = this.#http.address() as AddressInfo;
        const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
        this.#listen = { port: a.port, host, url: `${this.#raw.tls ? 'https' : 'http'}://${shown}:${a.port}` };
        // Streams a crashed process left "live" in the store end now, not at retention time.
        this.#raw.store?.endOrphans(Date.now()).catch(() => undefined);
        // Fixed phrases (greeting, fillers, prompts) are synthesized now, not on the first call.
        this.#raw.agent?.prewarm(this.options.format).catch((e: unknown) => this.#ctx.log.warn({ err: (e as Error).message }, 'could not pre-generate the agent\'s fixed phrases'));
        this.#events.emit('listening', this.#listen);
        resolve(this.#listen);
      });
    });
  }

  /**
   * Stop taking new streams (upgrades and answers get 503, /readyz says not ready), let live
   * calls finish for up to `timeoutMs`, then close the rest with a stated reason and stop listening.
   */
  async drain(timeoutMs = this.options.drainTimeoutMs): Promise<{ readonly closedAtTimeout: number }> {
    const ctx = this.#ctx;
    if (!ctx.draining) {
      ctx.draining = true;
      ctx.log.info({ activeStreams: ctx.streams.size, timeoutMs }, 'draining: no new streams; waiting for live calls to finish');
    }
    if (ctx.streams.size > 0 && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = ctx.clock.setTimer(resolve, timeoutMs);
        this.#drainWaiters.push(() => {
          ctx.clock.clearTimer(timer);
          resolve();
        });
      });
    }
    const remaining = [...ctx.streams];
    for (const call of remaining) call.close(`server shutting down (drain timeout ${timeoutMs} ms)`, 'drain', CLOSE.GOING_AWAY);
    await Promise.all(remaining.map((c) => c.ended));
    await new Promise<void>((resolve) => {
      this.#http.close(() => resolve());
      this.#http.closeAllConnections();
    });
    // An agent outlives the servers it served (tests, reloads): let go of it.
    for (const stop of this.#unobserve.splice(0)) stop();
    await this.#raw.store?.flush().catch(() => undefined);
    return { closedAtTimeout: remaining.length };
  }

  /** Close now: live streams are closed immediately. */
  close(): Promise<{ readonly closedAtTimeout: number }> {
    return this.drain(0);
  }

  #accept(ws: import('ws').WebSocket, callParams: Record<string, string>, origin: PublicOrigin, expectedStreamId?: string): void {
    const ctx = this.#ctx;
    const transferUrl = (to: string): string => `${httpUrl(origin, PATHS.transfer)}?to=${encodeURIComponent(to)}&t=${ctx.contexts.signTransfer(to)}`;
    const call = new CallStream(ws, {
      logger: ctx.log,
      clock: ctx.clock,
      pacer: ctx.pacer,
      expectedFormat: this.options.format,
      inboundSampleRate: this.#raw.inboundSampleRate,
      leadMs: this.#raw.leadMs,
      keepalive: this.#raw.keepalive,
      startTimeoutMs: this.options.limits.startTimeoutMs,
      inboundRate: { perSecond: this.options.limits.inboundMessagesPerSecond, burst: this.options.limits.inboundBurst },
      inboundAudio: { msPerSecond: this.options.limits.inboundAudioMsPerSecond, burstMs: this.options.limits.inboundAudioBurstMs, maxFrameMs: this.options.limits.maxFrameAudioMs },
      callParams,
      expectedStreamId,
      rest: ctx.rest,
      transferUrl,
    });
    ctx.streams.add(call);
    void call.ended.then(() => {
      ctx.streams.delete(call);
      if (ctx.streams.size === 0) {
        const waiters = this.#drainWaiters;
        this.#drainWaiters = [];
        for (const w of waiters) w();
      }
    });
    this.#events.emit('stream', call);
    void this.#runHandler(call);
  }

  async #runHandler(call: CallStream): Promise<void> {
    try {
      await this.#handler(call);
    } catch (e) {
      this.#ctx.log.error({ err: (e as Error).message, conn: call.id }, 'the stream handler threw; closing the stream');
      call.resume();
      call.close('stream handler failed', 'server', CLOSE.INTERNAL);
      return;
    }
    call.resume();
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ctx = this.#ctx;
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://local');
    } catch {
      // Node's parser accepts request targets the WHATWG URL parser refuses (`//[`,
      // `//h:99999`): the client's mistake, a 400 with a code, not a 500 and an error log.
      this.#events.emit('refused', { route: 'unknown', status: 400, code: 'SERVER_BAD_REQUEST' });
      logRefusal(ctx, 'SERVER_BAD_REQUEST', { status: 400 }, 'request refused (400): the request URL does not parse');
      send(res, 400, 'SERVER_BAD_REQUEST: bad request URL');
      return;
    }
    switch (url.pathname) {
      case '/healthz':
        healthz(ctx, res);
        return;
      case '/readyz':
        readyz(ctx, res);
        return;
      case '/metrics':
        send(res, 200, await this.metrics.text(), this.metrics.contentType);
        return;
      case PATHS.answer:
      case PATHS.transfer:
      case PATHS.status: {
        if (req.method !== 'GET' && req.method !== 'POST') {
          send(res, 405, 'use GET or POST', 'text/plain', { allow: 'GET, POST' });
          return;
        }
        const route = url.pathname === PATHS.answer ? 'answer' : url.pathname === PATHS.transfer ? 'transfer' : 'status';
        const body = await readPlivoBody(ctx, this.#pending, req, res, route, (r) => this.#events.emit('refused', r));
        if (body === undefined) return;
        if (ctx.options.authToken !== undefined && !this.#signed(req, res, body, route)) return;
        const params = parseParams(url.search.slice(1), body, req.headers['content-type']);
        if (route === 'answer') answer(ctx, req, res, params);
        else if (route === 'transfer') transferXml(ctx, res, params);
        else status(ctx, res, params);
        return;
      }
    }
    for (const r of this.#routes) if (await r(req, res, url)) return;
    if (url.pathname === '/') {
      send(res, 200, `callwire: answer URL ${PATHS.answer}, status URL ${PATHS.status}, stream ${PATHS.stream}\n`);
      return;
    }
    send(res, 404, 'not found');
  }

  /**
   * A request node's parser refused before any route saw it: headers too slow (slowloris, 408),
   * too large (431) or malformed (400). Answered with the code and logged sampled.
   */
  #onClientError(err: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
    // The peer is already gone (reset mid-request): nothing to answer, nothing worth a log line.
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const status = timeout ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const code = timeout ? 'SERVER_REQUEST_TIMEOUT' : 'SERVER_BAD_REQUEST';
    const reason = timeout ? `request headers not complete within ${this.options.limits.headersTimeoutMs} ms` : `unparseable request (${err.code ?? 'bad request'})`;
    logRefusal(this.#ctx, code, { status, parser: err.code }, `request refused (${status}): ${reason}`);
    const body = `${code}: ${reason}\n`;
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, () => socket.destroy());
  }

  /** Check the Plivo signature of an answer/status request; writes 403 and returns false on failure. */
  #signed(req: IncomingMessage, res: ServerResponse, body: Buffer, route: 'answer' | 'status' | 'transfer'): boolean {
    const ctx = this.#ctx;
    const origin = publicOrigin(req, ctx.options.publicUrl, ctx.options.trustProxy);
    const candidates = signatureCandidates(req, origin, false);
    const method = req.method === 'POST' ? 'POST' : 'GET';
    const result = checkSignature(
      { authToken: ctx.options.authToken as string, mainAuthToken: ctx.options.mainAuthToken, nonces: ctx.nonces },
      method,
      candidates,
      req.headers,
      method === 'POST' ? parseForm(body) : {},
    );
    if (result.ok) return true;
    // Name the URL as the request came (its scheme first): "checked https://..." for a request
    // over http read as if callwire had checked the wrong URL.
    const asCame = candidates.find((c) => c.startsWith(`${origin.scheme}://`)) ?? candidates[0] ?? '';
    const others = candidates.length - 1;
    logRefusal(ctx, result.code, { route, url: loggableUrl(asCame) }, `authentication_failed: ${route} request refused (${result.message}); checked ${loggableUrl(asCame)}${others > 0 ? ` and ${others} other URL form${others === 1 ? '' : 's'}` : ''}`);
    this.#events.emit('refused', { route, status: 403, code: result.code });
    send(res, 403, `${result.code}: ${result.message}`);
    return false;
  }
}

/** Whether a request failed because its client went away (reset, aborted upload) rather than by a fault here. */
export function clientAborted(req: IncomingMessage, e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNRESET' || code === 'ECONNABORTED' || code === 'EPIPE' || (e as Error | undefined)?.message === 'aborted' || (req.destroyed && !req.complete);
}

/** Create a callwire server (call `listen()` to start it). */
export function createServer(options: ServerOptions = {}): CallwireServer {
  return new CallwireServer(options);
}
