/**
 * The keepalive probe: open the stream like Plivo (signed upgrade, then `start`, Plivo's
 * first message), ping the server once and time the pong, then send nothing for the idle
 * period while answering the server's pings (and counting them). The stream must still be
 * open at the end.
 *
 * Why `start` and then silence: Plivo always sends `start` at once, so a server may fairly
 * close a socket that never starts; after that the probe is as idle as a stream can be, which
 * is what a proxy or load balancer with an idle timeout would cut.
 */
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import { wireToPcm } from '../audio/codec.js';
import { SPEECH_PEAK_THRESHOLD, peak } from '../audio/level.js';
import type { Clock } from '../clock.js';
import { DEFAULT_AUTH_ID } from '../emulator/emulator.js';
import type { StreamFormat } from '../protocol/format.js';
import { parseOutbound } from '../protocol/parse-outbound.js';
import { serializeInbound, startMessage } from '../protocol/serialize-inbound.js';
import { DOCTOR_CALL } from './answer-fetch.js';
import { type UpgradeOutcome, closeQuietly, tryUpgrade } from './upgrade.js';

/** What the probe saw. */
export interface IdleProbeResult {
  /** The upgrade (an open socket is already closed again). */
  readonly upgrade: Exclude<UpgradeOutcome, { kind: 'open' }> | { readonly kind: 'open'; readonly ms: number };
  /** Round trip of the doctor's ping, or undefined when no pong came within the timeout. */
  readonly pongMs: number | undefined;
  /** Pings the server sent, at ms after the socket opened. */
  readonly serverPings: readonly number[];
  /** How long the socket was watched (ms). */
  readonly observedMs: number;
  /** Set when the server closed (or dropped) the socket before the idle period ended. */
  readonly closed: { readonly code: number; readonly reason: string; readonly atMs: number } | undefined;
  /** Messages the server sent meanwhile (counted, not kept). */
  readonly messages: number;
  /**
   * When the server first sent audible playAudio (ms after the socket opened), though the
   * doctor sent nothing after `start`: the server speaks first, unprompted (a greeting).
   */
  readonly firstAudioMs: number | undefined;
}

/** Options of {@link runIdleProbe}. */
export interface IdleProbeOptions {
  readonly url: string;
  readonly authToken: string | undefined;
  readonly format: StreamFormat;
  readonly idleMs: number;
  readonly timeoutMs: number;
  readonly clock: Clock;
}

const MAX_PING_TIMES = 1000;

/** Whether a server message is a playAudio whose payload is above the speech threshold. */
function audible(data: Buffer, format: StreamFormat): boolean {
  if (!data.includes('"playAudio"')) return false;
  try {
    const m = parseOutbound(data);
    return m.event === 'playAudio' && peak(wireToPcm(format, m.audio)) > SPEECH_PEAK_THRESHOLD;
  } catch {
    return false;
  }
}

function watch(ws: WebSocket, o: IdleProbeOptions, openedAt: number): Promise<Omit<IdleProbeResult, 'upgrade'>> {
  const clock = o.clock;
  return new Promise((resolve) => {
    const serverPings: number[] = [];
    let messages = 0;
    let pongMs: number | undefined;
    let firstAudioMs: number | undefined;
    let closed: IdleProbeResult['closed'];
    let pingSentAt: number | undefined;
    const timers: ReturnType<Clock['setTimer']>[] = [];
    const since = (): number => clock.now() - openedAt;
    let finished = false;
    const done = (): void => {
      if (finished) return;
      finished = true;
      for (const t of timers) clock.clearTimer(t);
      ws.removeAllListeners('ping');
      ws.removeAllListeners('pong');
      ws.removeAllListeners('message');
      if (closed === undefined) closeQuietly(ws);
      resolve({ pongMs, serverPings, observedMs: since(), closed, messages, firstAudioMs });
    };
    ws.on('ping', () => {
      if (serverPings.length < MAX_PING_TIMES) serverPings.push(since());
    });
    ws.on('pong', () => {
      if (pingSentAt === undefined || pongMs !== undefined) return;
      pongMs = clock.now() - pingSentAt;
      if (since() >= o.idleMs) done();
    });
    ws.on('message', (data: Buffer) => {
      messages++;
      if (firstAudioMs === undefined && audible(data, o.format)) firstAudioMs = since();
    });
    ws.on('error', () => {});
    ws.once('close', (code: number, reason: Buffer) => {
      if (finished) return;
      closed = { code, reason: reason.toString('utf8').slice(0, 120), atMs: since() };
      done();
    });
    ws.send(
      serializeInbound(
        startMessage({ callId: DOCTOR_CALL.callUuid, streamId: randomUUID(), accountId: DEFAULT_AUTH_ID, format: o.format, extraHeaders: '' }),
      ),
    );
    pingSentAt = clock.now();
    ws.ping();
    // Done once the idle period is over and the pong has come (or its timeout has passed).
    timers.push(clock.setTimer(() => pongMs !== undefined && done(), o.idleMs));
    timers.push(clock.setTimer(done, Math.max(o.idleMs, o.timeoutMs)));
  });
}

/** Run the probe; never throws. Takes about `idleMs` when the server behaves. */
export async function runIdleProbe(o: IdleProbeOptions): Promise<IdleProbeResult> {
  const upgrade = await tryUpgrade({ url: o.url, authToken: o.authToken, timeoutMs: o.timeoutMs, clock: o.clock });
  if (upgrade.kind !== 'open') {
    return { upgrade, pongMs: undefined, serverPings: [], observedMs: 0, closed: undefined, messages: 0, firstAudioMs: undefined };
  }
  const watched = await watch(upgrade.ws, o, o.clock.now());
  return { upgrade: { kind: 'open', ms: upgrade.ms }, ...watched };
}
