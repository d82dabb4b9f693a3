/**
 * The WebSocket group: the handshake succeeds, the server answers the doctor's ping within a
 * bound and sends pings of its own (the guide: "Ensure your WebSocket server sends periodic
 * pings to keep connection alive"), and an idle stream survives the idle period.
 */
import type { IdleProbeResult } from './idle-probe.js';
import { tunnelErrorPage } from './tunnel-check.js';
import { type CheckResult, result } from './types.js';
import { describeUpgrade } from './upgrade.js';

/** Inputs besides the probe. */
export interface WebSocketCheckContext {
  readonly signed: boolean;
  readonly idleMs: number;
  readonly timeoutMs: number;
  readonly path: string;
  /** The stream URL's host (to recognise tunnel services). */
  readonly host: string;
}

// Servers commonly ping every 10 to 20 s: a shorter watch without a ping proves nothing.
const MIN_PING_WATCH_MS = 10_000;

const PROXY_UPGRADE =
  'make sure this URL reaches your WebSocket server and that any proxy passes the upgrade (nginx: proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade")';

function s(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

function handshakeCheck(probe: IdleProbeResult, ctx: WebSocketCheckContext): CheckResult {
  const up = probe.upgrade;
  switch (up.kind) {
    case 'open':
      return result('websocket.handshake', 'ok', `101 Switching Protocols in ${Math.round(up.ms)} ms${ctx.signed ? ' (signed like Plivo)' : ''}`, { status: 101, ms: up.ms });
    case 'error': {
      const timeout = /timed out/i.test(up.message);
      const tcp = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(up.code);
      const fix = timeout
        ? `the server must answer the upgrade within ${ctx.timeoutMs} ms; ${PROXY_UPGRADE}`
        : tcp
          ? 'see url.dns and url.port'
          : 'see tls.certificate: the connection failed during TLS or before HTTP';
      return result('websocket.handshake', 'fail', `the upgrade failed: ${describeUpgrade(up)}`, {}, { fix });
    }
    case 'refused': {
      const data = { status: up.status, ms: up.ms };
      const seen = `the upgrade was refused: ${describeUpgrade(up)}`;
      // A tunnel's error page is not the server's answer: its 404 or 502 says nothing about the path.
      const tunnel = tunnelErrorPage(up, ctx.host);
      if (tunnel !== undefined) {
        return result('websocket.handshake', 'fail', `${tunnel}; the server behind it was never reached (${describeUpgrade(up).slice(0, 60)})`, data, {
          fix: 'restart the tunnel (ngrok http PORT; cloudflared tunnel run NAME) and, if its address changed, put the new wss:// URL in the <Stream> element (see url.tunnel)',
        });
      }
      if (up.status === 401 || up.status === 403) {
        return ctx.signed
          ? result('websocket.handshake', 'fail', `${seen}, although it was signed (see signature.signed)`, data, { fix: 'see signature.signed' })
          : result('websocket.handshake', 'fail', `${seen}: the server wants a Plivo signature`, data, {
              fix: 'run the doctor with --auth-token set to the Auth Token the server validates with, so the upgrade is signed like Plivo\'s',
            });
      }
      if (up.status === 404) return result('websocket.handshake', 'fail', `${seen}: nothing serves ${ctx.path}`, data, { fix: 'fix the path in the Stream URL: it must be the route your WebSocket server listens on' });
      if (up.status >= 200 && up.status < 300) return result('websocket.handshake', 'fail', `${seen} instead of 101: a plain web server answered, not a WebSocket endpoint`, data, { fix: PROXY_UPGRADE });
      if (up.status >= 502 && up.status <= 504) return result('websocket.handshake', 'fail', `${seen}: a proxy or tunnel answered, but nothing behind it did`, data, { fix: 'start the server, or point the proxy or tunnel at the port the server listens on' });
      return result('websocket.handshake', 'fail', seen, data, { fix: PROXY_UPGRADE });
    }
  }
}

function pingCheck(probe: IdleProbeResult, ctx: WebSocketCheckContext): CheckResult {
  if (probe.pongMs !== undefined) {
    if (probe.pongMs <= ctx.timeoutMs) return result('websocket.ping', 'ok', `answered the doctor's ping in ${Math.round(probe.pongMs)} ms`, { rttMs: probe.pongMs });
    return result('websocket.ping', 'fail', `the pong took ${Math.round(probe.pongMs)} ms (bound ${ctx.timeoutMs} ms)`, { rttMs: probe.pongMs }, { fix: 'answer pings at once: a slow pong means the server\'s event loop is blocked (CPU-bound work on the socket\'s thread)' });
  }
  if (probe.closed !== undefined && probe.closed.atMs < ctx.timeoutMs) return result('websocket.ping', 'skip', `the stream closed after ${s(probe.closed.atMs)}, before a pong could come (see websocket.idle)`, {});
  return result('websocket.ping', 'fail', `no pong within ${ctx.timeoutMs} ms of the doctor's ping`, {}, {
    fix: 'answer WebSocket pings with pongs (RFC 6455 §5.5.2): most libraries do it by default (ws: do not set autoPong: false); a proxy in front must pass control frames',
  });
}

function serverPingsCheck(probe: IdleProbeResult, ctx: WebSocketCheckContext): CheckResult {
  const pings = probe.serverPings;
  const data = { count: pings.length, observedMs: probe.observedMs };
  if (pings.length > 0) {
    const every = pings.length > 1 ? ` (every ${s(((pings[pings.length - 1] as number) - (pings[0] as number)) / (pings.length - 1))})` : '';
    return result('websocket.server-pings', 'ok', `the server sent ${pings.length} ping${pings.length === 1 ? '' : 's'} in ${s(probe.observedMs)}${every}`, data);
  }
  if (probe.closed !== undefined && probe.closed.atMs < ctx.idleMs) return result('websocket.server-pings', 'skip', `the stream closed after ${s(probe.closed.atMs)} (see websocket.idle)`, data);
  if (probe.observedMs < MIN_PING_WATCH_MS) {
    return result('websocket.server-pings', 'skip', `no server ping in ${s(probe.observedMs)}, too short to judge (servers commonly ping every 10 to 20 s): run with --idle 30`, data);
  }
  return result('websocket.server-pings', 'warn', `the server sent no pings in ${s(probe.observedMs)}`, data, {
    fix: 'send a WebSocket ping every 10 to 20 s on each stream so idle connections stay up (callwire: --ping-interval; ws: setInterval(() => ws.ping(), 15000))',
  });
}

// RFC 6455 §7.4.1 names of the close codes a server sends when something went wrong on its side.
const CLOSE_NAMES: Readonly<Record<number, string>> = {
  1001: 'going away',
  1002: 'protocol error',
  1003: 'unsupported data',
  1007: 'invalid payload data',
  1008: 'policy violation',
  1009: 'message too big',
  1011: 'internal error',
  1012: 'service restart',
  1013: 'try again later',
};

// A reason that says the close was about the silence: that is what the idle advice is for.
const IDLE_REASON = /idle|time(d)? ?out|inactiv|no (data|media|audio|traffic)|silen/i;

/**
 * A close the server made because something failed on its side (the guide's "Server crash"),
 * not because the stream was quiet: 1011 (internal error) always; any other code the server
 * sent with a reason, unless the reason is about idleness. 1005/1006 carry no reason.
 */
function isServerError(closed: NonNullable<IdleProbeResult['closed']>): boolean {
  if (closed.code === 1011) return true;
  if (closed.code === 1005 || closed.code === 1006 || closed.reason === '') return false;
  return !IDLE_REASON.test(closed.reason);
}

function idleCheck(probe: IdleProbeResult, ctx: WebSocketCheckContext): CheckResult {
  const closed = probe.closed;
  if (ctx.idleMs <= 0) return result('websocket.idle', 'skip', 'not checked: --idle 0 waits for no idle period', { openMs: probe.observedMs });
  if (closed === undefined) {
    return result('websocket.idle', 'ok', `an idle stream (start, then nothing) stayed open for ${s(probe.observedMs)}`, { openMs: probe.observedMs });
  }
  if (isServerError(closed)) {
    const name = CLOSE_NAMES[closed.code];
    const code = `${closed.code}${name === undefined ? '' : ` (${name})`}`;
    const reason = closed.reason === '' ? ' and no reason' : ` and the reason "${closed.reason}"`;
    return result('websocket.idle', 'fail', `the server closed the stream after ${s(closed.atMs)} with code ${code}${reason}: a server error, not a timeout`, { openMs: closed.atMs, closeCode: closed.code }, {
      fix: `look in the server's logs at that moment for the error behind close ${closed.code}; catch errors in the stream handler so one failure does not end the call, and keep the stream open until Plivo sends stop (the guide: "Server crash: implement graceful error handling")`,
    });
  }
  const how = closed.code === 1006 ? 'dropped without a close frame (1006)' : `closed it with code ${closed.code}${closed.reason === '' ? '' : ` "${closed.reason}"`}`;
  return result('websocket.idle', 'fail', `the server ${how} after ${s(closed.atMs)} of silence (the doctor waits ${s(ctx.idleMs)})`, { openMs: closed.atMs, closeCode: closed.code }, {
    fix: 'keep quiet streams open: do not close a stream for lack of traffic, send pings, and give any proxy or load balancer in front an idle timeout longer than your longest silence (nginx proxy_read_timeout, AWS ALB idle timeout)',
  });
}

/** The websocket.* checks; `probe` is undefined when there was no usable stream URL. */
export function websocketChecks(probe: IdleProbeResult | undefined, ctx: WebSocketCheckContext): CheckResult[] {
  if (probe === undefined) {
    const why = 'no usable stream URL (see url.scheme)';
    return [
      result('websocket.handshake', 'skip', why, {}),
      result('websocket.ping', 'skip', why, {}),
      result('websocket.server-pings', 'skip', why, { count: 0, observedMs: 0 }),
      result('websocket.idle', 'skip', why, { openMs: 0 }),
    ];
  }
  const handshake = handshakeCheck(probe, ctx);
  if (probe.upgrade.kind !== 'open') {
    const why = 'the handshake failed (see websocket.handshake)';
    return [
      handshake,
      result('websocket.ping', 'skip', why, {}),
      result('websocket.server-pings', 'skip', why, { count: 0, observedMs: 0 }),
      result('websocket.idle', 'skip', why, { openMs: 0 }),
    ];
  }
  return [handshake, pingCheck(probe, ctx), serverPingsCheck(probe, ctx), idleCheck(probe, ctx)];
}
