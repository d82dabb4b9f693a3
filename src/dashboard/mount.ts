/**
 * Mounts the dashboard on a callwire server: pages (`/`, `/streams/:id`, `/phone`,
 * `/login`), browser files (`/assets/*`), the JSON API (`/api/*`) and the live feed
 * (`/api/events`). Reads come from the server's store; live calls come from the server's
 * store records. Access follows {@link DashboardAccess}: open on loopback, the token
 * otherwise, off when a non-loopback bind has no token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { DEFAULT_BUDGET, type LatencyBudget } from '../latency-budget.js';
import { type Clock, defaultClock } from '../clock.js';
import { ConfigError } from '../errors.js';
import { LogSampler } from '../log/sampled.js';
import { clientIp } from '../server/http-io.js';
import { PendingBodies } from '../server/pending.js';
import { RateLimiter } from '../server/rate-limit.js';
import type { CallwireServer } from '../server/server.js';
import { DashboardAccess, MIN_TOKEN_LENGTH } from './access.js';
import { AuthThrottle, bearerToken } from './auth-throttle.js';
import { StreamApi } from './api.js';
import { type Asset, SECURITY_HEADERS, loadAssets, sendAsset } from './assets.js';
import { LiveFeed, type LiveFeedOptions } from './live-feed.js';
import { LiveState } from './live-state.js';
import { login, logout } from './login.js';
import { PhoneTokens } from './phone-tokens.js';
import { BadRequest, codedError, json, jsonError, param, redirect, sameOrigin } from './respond.js';
import { siteRefusal } from './site-guard.js';

/** Options of {@link mountDashboard}. */
export interface DashboardOptions {
  /** The dashboard token (DASHBOARD_TOKEN, at least 16 characters). Required when the server binds a non-loopback address. */
  readonly token?: string;
  /** Latency budget the waterfall marks (default the guide's: STT 200, LLM 500, TTS 200, network 100 ms). */
  readonly budget?: Partial<LatencyBudget>;
  readonly live?: LiveFeedOptions;
  /** How long a browser phone token may wait for its WebSocket, ms (default 60 s). */
  readonly phoneTokenTtlMs?: number;
  /** The clock of the per-address limits (default the system's; tests pass a ManualClock). */
  readonly clock?: Clock;
}

/** A mounted dashboard. */
export interface Dashboard {
  readonly access: DashboardAccess;
  readonly feed: LiveFeed;
  /** End the live feeds (the server's close does not wait for them). */
  close(): void;
}

const PAGES: Readonly<Record<string, string>> = { '/': 'index.html', '/phone': 'phone.html', '/login': 'login.html' };
const MAX_PATH = 512;

/**
 * Mount the dashboard on `server` (before or after `listen()`).
 * @throws ConfigError when the server has no store, or the token is too short
 */
export function mountDashboard(server: CallwireServer, options: DashboardOptions = {}): Dashboard {
  const store = server.store;
  if (store === undefined) throw new ConfigError('CONFIG_MISSING', 'the dashboard reads stream records: give the server a store (callwire serve keeps one unless --no-store)');
  const token = options.token === '' ? undefined : options.token;
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError('CONFIG_INVALID', `the dashboard token (DASHBOARD_TOKEN) must be at least ${MIN_TOKEN_LENGTH} characters; use a long random secret, e.g. openssl rand -hex 24`);
  }
  const log = server.logger;
  const budget = { ...DEFAULT_BUDGET, ...options.budget };
  const assets = loadAssets();
  const access = new DashboardAccess(token);
  const state = new LiveState({ budget });
  const feed = new LiveFeed(state, log, options.live);
  const phones = new PhoneTokens(options.phoneTokenTtlMs);
  const api = new StreamApi(store, budget);
  const clock = options.clock ?? defaultClock;
  const throttle = new AuthThrottle(clock, log);
  const mints = new RateLimiter(clock, 20, 2);
  const limits = server.options.limits;
  const bodies = { pending: new PendingBodies(limits.maxPendingBodies), timeoutMs: limits.bodyTimeoutMs, clock };
  const trustProxy = server.options.trustProxy;
  const site = { trustProxy, proxyHops: server.options.proxyHops, publicHost: server.options.publicUrl?.host };

  server.on('record', (r) => feed.record(r));
  server.acceptStreamTokens((t) => (access.mode === 'disabled' ? undefined : phones.verify(t)));
  const announce = (host: string, url: string): void => {
    const mode = access.bind(host);
    if (mode === 'open') {
      log.info(`dashboard: ${url}/ and browser phone: ${url}/phone (open: the server binds loopback ${host}). A tunnel (ngrok, cloudflared) makes them public: set DASHBOARD_TOKEN whenever you use one (requests that arrive through a proxy or tunnel are refused without it)`);
    } else if (mode === 'token') {
      log.info(`dashboard: ${url}/ and browser phone: ${url}/phone (sign in with DASHBOARD_TOKEN)`);
    } else {
      log.warn(`dashboard and browser phone are OFF: the server binds ${host}, which the network can reach, and DASHBOARD_TOKEN is not set. Set DASHBOARD_TOKEN to a long random secret (e.g. openssl rand -hex 24), or bind --host 127.0.0.1`);
    }
  };
  const where = server.address;
  if (where !== undefined) announce(where.host, where.url);
  else server.on('listening', (info) => announce(info.host, info.url));

  // Refusals a web page can repeat at will: one sampled line per code.
  const refusals = new LogSampler();
  const refuse = (status: number, code: string, reason: string, fields: Record<string, unknown>): void => {
    const count = refusals.hit(code);
    if (count !== undefined) log.warn({ code, count, status, ...fields }, `dashboard request refused (${status}): ${reason}`);
  };
  const page = (req: IncomingMessage, res: ServerResponse, name: string): void => sendAsset(req, res, assets.get(name) as Asset);

  server.route(async (req, res, url) => {
    const path = url.pathname;
    const isApi = path === '/api' || path.startsWith('/api/');
    if (!(isApi || path in PAGES || path.startsWith('/streams/') || path.startsWith('/assets/'))) return false;
    if (path.length > MAX_PATH) {
      jsonError(res, 414, 'path too long');
      return true;
    }
    // DNS rebinding and cross-site requests are refused before anything else is looked at.
    const refusal = siteRefusal(req, access.mode, site);
    if (refusal !== undefined) {
      refuse(refusal.status, refusal.code, refusal.message, { route: isApi ? path.slice(0, 64) : 'page' });
      codedError(res, refusal.status, refusal.code, refusal.message);
      return true;
    }
    const method = req.method ?? 'GET';
    const reading = method === 'GET' || method === 'HEAD';
    // Browser files hold no data or secrets: the login page needs them before sign-in.
    if (path.startsWith('/assets/')) {
      const asset = reading ? assets.get(path.slice('/assets/'.length)) : undefined;
      if (asset === undefined) jsonError(res, reading ? 404 : 405, reading ? 'no such file' : 'use GET');
      else sendAsset(req, res, asset);
      return true;
    }
    if (access.mode === 'disabled') {
      if (isApi) jsonError(res, 403, 'the dashboard is off: the server binds a network address and DASHBOARD_TOKEN is not set');
      else disabledPage(res, server.address?.host ?? '?');
      return true;
    }
    const secure = (req.socket as TLSSocket).encrypted === true || (trustProxy && req.headers['x-forwarded-proto'] === 'https');
    if (path === '/api/login' || path === '/api/logout') {
      if (method !== 'POST') jsonError(res, 405, 'use POST', { allow: 'POST' });
      else if (path === '/api/logout') logout(req, res, access, site, (session) => feed.endSession(session));
      else if (access.mode === 'open') redirect(res, '/');
      else await login(req, res, access, throttle, bodies, log, site, secure);
      return true;
    }
    if (path === '/login') {
      if (access.mode === 'open') redirect(res, '/');
      else page(req, res, 'login.html');
      return true;
    }
    // A bearer token is a guess until it matches: limited like the sign-in form, per address.
    const bearer = access.mode === 'token' ? bearerToken(req) : undefined;
    if (bearer !== undefined && !access.hasSession(req)) {
      const ip = clientIp(req, site.proxyHops);
      if (!throttle.allows(ip)) {
        codedError(res, 429, 'SERVER_RATE_LIMITED', 'too many wrong tokens from this address; wait a few seconds', { 'retry-after': '5' });
        return true;
      }
      if (!access.tokenMatches(bearer)) throttle.failed(ip, 'bearer');
    }
    if (!access.allowed(req)) {
      if (access.mode === 'open') {
        // Open mode serves this machine only; this request came through a proxy or tunnel.
        jsonError(res, 403, 'the dashboard is open only to this machine, and this request came through a proxy or tunnel: set DASHBOARD_TOKEN to use it remotely');
        return true;
      }
      if (isApi) jsonError(res, 401, 'sign in first (POST /api/login) or send Authorization: Bearer <DASHBOARD_TOKEN>');
      else redirect(res, `/login?next=${encodeURIComponent(path)}`);
      return true;
    }
    try {
      if (!isApi) {
        if (!reading) jsonError(res, 405, 'use GET', { allow: 'GET, HEAD' });
        else page(req, res, path.startsWith('/streams/') ? 'stream.html' : (PAGES[path] as string));
        return true;
      }
      if (path === '/api/phone') {
        if (method !== 'POST') jsonError(res, 405, 'use POST', { allow: 'POST' });
        else if (!sameOrigin(req, trustProxy, site.publicHost)) jsonError(res, 403, 'cross-origin request refused');
        else if (!mints.take(clientIp(req, site.proxyHops))) jsonError(res, 429, 'too many phone sessions; wait a moment', { 'retry-after': '2' });
        else {
          const s = phones.mint();
          const f = server.options.format;
          json(res, 201, { ...s, streamPath: `/plivo/stream?phone=${encodeURIComponent(s.token)}`, format: { name: f.name, encoding: f.encoding, sampleRate: f.sampleRate } });
        }
        return true;
      }
      if (!reading) {
        jsonError(res, 405, 'use GET', { allow: 'GET, HEAD' });
        return true;
      }
      if (path === '/api/config') {
        const f = server.options.format;
        json(res, 200, { access: access.mode, format: { name: f.name, encoding: f.encoding, sampleRate: f.sampleRate }, budget });
        return true;
      }
      if (path === '/api/events') {
        if (method !== 'GET') jsonError(res, 405, 'use GET', { allow: 'GET' });
        else feed.open(req, res, param(url, 'stream', 128), { ip: clientIp(req, site.proxyHops), session: access.sessionId(req) });
        return true;
      }
      if (path.startsWith('/api/streams') && (await api.handle(req, res, url))) return true;
      jsonError(res, 404, 'no such API route');
    } catch (e) {
      if (!(e instanceof BadRequest)) throw e;
      jsonError(res, 400, e.message);
    }
    return true;
  });

  return { access, feed, close: () => feed.close() };
}

function disabledPage(res: ServerResponse, host: string): void {
  const body = `<!doctype html><meta charset="utf-8"><title>callwire dashboard is off</title>
<h1>The callwire dashboard is off</h1>
<p>This server listens on <code>${escapeHtml(host)}</code>, an address other machines can reach, and no <code>DASHBOARD_TOKEN</code> is set, so the dashboard and the browser phone are turned off.</p>
<p>Either set <code>DASHBOARD_TOKEN</code> to a long random secret (for example <code>openssl rand -hex 24</code>) and sign in with it, or start the server with <code>--host 127.0.0.1</code> to use the dashboard from this machine only.</p>`;
  res.writeHead(403, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
