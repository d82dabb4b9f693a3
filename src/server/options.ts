/** What `createServer` accepts, and its defaults. */
import type { Agent } from '../agent/define-agent.js';
import type { Clock } from '../clock.js';
import type { AlertOptions } from '../observability/alerts.js';
import type { StreamStore } from '../store/types.js';
import { ConfigError } from '../errors.js';
import { isLoopbackHost } from './loopback.js';
import type { Logger } from '../log/logger.js';
import { type StreamFormat, type StreamFormatName, streamFormat } from '../protocol/format.js';
import { checkInboundSampleRate } from '../stream/call-stream.js';
import type { StreamHandler } from '../stream/handler.js';
import type { KeepaliveOptions } from '../stream/keepalive.js';
import type { Pacer } from '../stream/pacer.js';

/** Recording settings. */
export interface RecordingOptions {
  /** Directory for the recordings, one file per stream record (default data/recordings). */
  readonly dir?: string;
  /**
   * Cap of the directory's recordings, bytes: when a recording starts or ends, the oldest
   * files are deleted until the rest fit (live recordings are kept). Default no cap.
   */
  readonly maxBytes?: number;
}

/** Limits on what clients may do. */
export interface ServerLimits {
  /** Largest WebSocket message, bytes (default 256 KiB; a 20 ms frame is under 1 KiB). */
  maxMessageBytes?: number;
  /** Concurrent streams; more get HTTP 503 before the handshake (default 500). */
  maxStreams?: number;
  /** Upgrades per client IP: burst size (default 100). */
  upgradeBurst?: number;
  /** Upgrades per client IP: sustained rate per second (default 50). */
  upgradesPerSecond?: number;
  /** Largest answer/status request body, bytes (default 64 KiB). */
  maxBodyBytes?: number;
  /** Time an answer/status/transfer body has to arrive once its headers have, ms (default 5 s; Plivo's arrive at once). */
  bodyTimeoutMs?: number;
  /** Answer/status/transfer bodies one client address may have in flight, unauthenticated (default 32); more get 429. */
  maxPendingBodies?: number;
  /** Time allowed to send request headers, ms: cuts slowloris upgrades (default 10 s). */
  headersTimeoutMs?: number;
  /** Time a stream has to send `start` after the handshake, ms (default 10 s). */
  startTimeoutMs?: number;
  /**
   * Messages one stream may send per second, sustained (default 1000). Plivo sends 50 media
   * frames a second; the headroom is for the emulator's `--speed` (up to about 20x). A stream
   * above it for longer than its burst is closed with 1008.
   */
  inboundMessagesPerSecond?: number;
  /** Messages over the sustained rate one stream may send at once, e.g. frames a network stall held back (default 2000: 40 s of audio). */
  inboundBurst?: number;
  /**
   * Audio one stream may send per second, ms, sustained (default 1000: real time). A stream
   * over it for longer than its audio burst is closed with 1008 `STREAM_AUDIO_OVER_REALTIME`.
   */
  inboundAudioMsPerSecond?: number;
  /** Audio over the sustained rate one stream may send at once, ms (default 40 000: a network stall's backlog). */
  inboundAudioBurstMs?: number;
  /** Most audio in one `media` frame, ms (default 1000; Plivo sends 20). Over it: 1008 `STREAM_FRAME_TOO_LONG`. */
  maxFrameAudioMs?: number;
}

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** The public base URL Plivo uses, e.g. `https://agent.example.com` (env PUBLIC_URL). */
  publicUrl?: string;
  /**
   * Honour X-Forwarded-Proto/Host/For from a TLS proxy or tunnel. A number is how many proxies
   * (hops) are trusted: the client address is the X-Forwarded-For entry that many from the
   * right (`true` is 1: the address the one proxy saw).
   */
  trustProxy?: boolean | number;
  /** The one stream format, used by the answer XML and every playAudio. Default mulaw/8000. */
  format?: StreamFormatName | StreamFormat;
  /** Plivo auth token: when set, answer, status and stream requests must carry a valid V3 signature. */
  authToken?: string;
  /** Main account token, when running under a subaccount (validates `X-Plivo-Signature-Ma-V3`). */
  mainAuthToken?: string;
  /** Plivo Auth ID, for REST calls (hang up, transfer). */
  authId?: string;
  /** Base URL of Plivo's REST API (default https://api.plivo.com; the emulator serves the same paths). */
  plivoApiUrl?: string;
  /** Allow a `ws://` stream URL in the answer XML for non-loopback hosts (development only). */
  insecure?: boolean;
  /** Serve https/wss directly. PEM strings or buffers. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** How long live calls may run on after SIGTERM before they are closed, ms (default 30 s). */
  drainTimeoutMs?: number;
  keepalive?: KeepaliveOptions | false;
  /** Target lead of outbound audio at Plivo, ms (default 300). */
  leadMs?: number;
  /** PCM rate of inbound audio events (default: the stream's own rate): a whole number of Hz from 1000 to 384000. */
  inboundSampleRate?: number;
  limits?: ServerLimits;
  /** Window in which a signed request's nonce may not be reused, ms (default 10 min; 0 disables). */
  replayWindowMs?: number;
  /** Stream XML extras. */
  streamTimeout?: number;
  keepCallAlive?: boolean;
  extraHeaders?: Readonly<Record<string, string>>;
  /** Alert webhook and rate limit (DroppedStream, DegradedStream, provider outage, latency budget). */
  alerts?: AlertOptions;
  /** Where stream records, turns, timelines and logs go (see callwire/store). The caller owns and closes it. */
  store?: StreamStore;
  /** Record every call as a stereo WAV (needs `store`, which links the file). */
  recording?: RecordingOptions;
  /** The agent to run on every call (see defineAgent). */
  agent?: Agent;
  /** The stream handler (the escape hatch: full control of each CallStream). Overrides `agent`. Default: an echo of the caller's audio. */
  onStream?: StreamHandler;
  logger?: Logger;
  clock?: Clock;
  pacer?: Pacer;
}

/** Options with defaults applied and validated. */
export interface ResolvedOptions {
  readonly publicUrl: URL | undefined;
  readonly trustProxy: boolean;
  /** Trusted proxies in front of the server (0 when `trustProxy` is off): the client address is the X-Forwarded-For entry this many from the right. */
  readonly proxyHops: number;
  readonly format: StreamFormat;
  readonly authToken: string | undefined;
  readonly mainAuthToken: string | undefined;
  readonly authId: string | undefined;
  readonly plivoApiUrl: string | undefined;
  readonly insecure: boolean;
  readonly drainTimeoutMs: number;
  readonly replayWindowMs: number;
  readonly limits: Required<ServerLimits>;
}

/** Apply defaults and validate; throws ConfigError naming the bad setting. */
export function resolveOptions(o: ServerOptions): ResolvedOptions {
  let publicUrl: URL | undefined;
  if (o.publicUrl !== undefined && o.publicUrl !== '') {
    try {
      publicUrl = new URL(o.publicUrl);
    } catch (cause) {
      throw new ConfigError('CONFIG_INVALID', `publicUrl (PUBLIC_URL) must be an absolute URL like https://agent.example.com (got "${o.publicUrl.slice(0, 80)}")`, { cause });
    }
    if (publicUrl.protocol !== 'https:' && publicUrl.protocol !== 'http:') {
      throw new ConfigError('CONFIG_INVALID', 'publicUrl (PUBLIC_URL) must start with https:// (callwire then gives Plivo wss:// stream URLs)');
    }
    // A loopback public URL is local development (the emulator on this machine): allowed.
    if (publicUrl.protocol === 'http:' && o.insecure !== true && !isLoopbackHost(publicUrl.host)) {
      throw new ConfigError('CONFIG_INVALID', 'publicUrl (PUBLIC_URL) is http:// on a non-loopback host, which gives Plivo an unencrypted ws:// stream URL; use https:// (or --insecure to allow it)');
    }
  }
  const limits: Required<ServerLimits> = {
    maxMessageBytes: o.limits?.maxMessageBytes ?? 256 * 1024,
    maxStreams: o.limits?.maxStreams ?? 500,
    upgradeBurst: o.limits?.upgradeBurst ?? 100,
    upgradesPerSecond: o.limits?.upgradesPerSecond ?? 50,
    maxBodyBytes: o.limits?.maxBodyBytes ?? 64 * 1024,
    bodyTimeoutMs: o.limits?.bodyTimeoutMs ?? 5000,
    maxPendingBodies: o.limits?.maxPendingBodies ?? 32,
    headersTimeoutMs: o.limits?.headersTimeoutMs ?? 10_000,
    startTimeoutMs: o.limits?.startTimeoutMs ?? 10_000,
    inboundMessagesPerSecond: o.limits?.inboundMessagesPerSecond ?? 1000,
    inboundBurst: o.limits?.inboundBurst ?? 2000,
    inboundAudioMsPerSecond: o.limits?.inboundAudioMsPerSecond ?? 1000,
    inboundAudioBurstMs: o.limits?.inboundAudioBurstMs ?? 40_000,
    maxFrameAudioMs: o.limits?.maxFrameAudioMs ?? 1000,
  };
  for (const [k, v] of Object.entries(limits)) {
    if (!Number.isFinite(v) || v <= 0) throw new ConfigError('CONFIG_INVALID', `limits.${k} must be a positive number (got ${v})`);
  }
  checkInboundSampleRate(o.inboundSampleRate);
  const proxyHops = o.trustProxy === true ? 1 : typeof o.trustProxy === 'number' ? o.trustProxy : 0;
  if (!Number.isInteger(proxyHops) || proxyHops < 0 || proxyHops > 32) throw new ConfigError('CONFIG_INVALID', `trustProxy must be true, false or a number of proxy hops from 0 to 32 (got ${String(o.trustProxy)})`);
  const drainTimeoutMs = o.drainTimeoutMs ?? 30_000;
  if (!Number.isFinite(drainTimeoutMs) || drainTimeoutMs < 0) throw new ConfigError('CONFIG_INVALID', 'drainTimeoutMs must be >= 0');
  return {
    publicUrl,
    trustProxy: proxyHops > 0,
    proxyHops,
    format: streamFormat(o.format ?? 'mulaw/8000'),
    authToken: o.authToken || undefined,
    mainAuthToken: o.mainAuthToken || undefined,
    authId: o.authId || undefined,
    plivoApiUrl: o.plivoApiUrl || undefined,
    insecure: o.insecure === true,
    drainTimeoutMs,
    replayWindowMs: o.replayWindowMs ?? 10 * 60 * 1000,
    limits,
  };
}
