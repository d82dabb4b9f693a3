/**
 * Probe one URL (the answer URL or the stream URL) from the bottom up: parse it, resolve the
 * host, connect to the port, and for https/wss inspect the TLS certificate. Decides whether
 * the target counts as local development (see {@link isLocal}).
 */
import type { Clock } from '../clock.js';
import { isLoopbackHost } from '../server/loopback.js';
import { classifyAddress } from './address.js';
import { type DnsOutcome, type TcpOutcome, probeTcp, resolveHost } from './net-probes.js';
import type { DoctorModeOption } from './options.js';
import { type TlsOutcome, probeTls } from './tls-probe.js';
import type { CheckTarget } from './types.js';

/** Everything learned about one URL. */
export interface TargetProbe {
  readonly target: CheckTarget;
  /** The URL as given. */
  readonly raw: string;
  /** Undefined when it is not a URL. */
  readonly url: URL | undefined;
  /** Host name without IPv6 brackets. */
  readonly host: string;
  readonly port: number;
  /** https: or wss: */
  readonly secure: boolean;
  /** The host is loopback by name or every address it resolves to is. */
  readonly loopback: boolean;
  /** Judged as local development: public-reachability checks are skipped for it. */
  readonly local: boolean;
  readonly dns: DnsOutcome | undefined;
  readonly tcp: TcpOutcome | undefined;
  readonly tls: TlsOutcome | undefined;
}

/**
 * Local development: with mode `auto`, a loopback target (nothing outside this machine, Plivo
 * included, can reach it, so wss:// and public reachability cannot be expected of it); with
 * `development`, every target; with `production`, none.
 */
export function isLocal(mode: DoctorModeOption, loopback: boolean): boolean {
  return mode === 'development' || (mode === 'auto' && loopback);
}

/** Longest URL the doctor follows (from a possibly hostile answer XML). */
export const MAX_URL_LENGTH = 8192;

function parse(raw: string): URL | undefined {
  if (raw.length > MAX_URL_LENGTH) return undefined;
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

function defaultPort(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' || url.protocol === 'wss:' ? 443 : 80;
}

/** Probe a URL; never throws. */
export async function probeTarget(raw: string, target: CheckTarget, mode: DoctorModeOption, timeoutMs: number, clock: Clock): Promise<TargetProbe> {
  const url = parse(raw);
  if (url === undefined || url.hostname === '') {
    return { target, raw, url: undefined, host: '', port: 0, secure: false, loopback: false, local: mode === 'development', dns: undefined, tcp: undefined, tls: undefined };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = defaultPort(url);
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const dns = await resolveHost(host, timeoutMs, clock);
  const loopback = isLoopbackHost(host) || (dns.kind === 'resolved' && dns.addresses.every((a) => classifyAddress(a) === 'loopback'));
  const base = { target, raw, url, host, port, secure, loopback, local: isLocal(mode, loopback), dns };
  if (dns.kind !== 'resolved') return { ...base, tcp: undefined, tls: undefined };
  const tcp = await probeTcp(dns.addresses[0] as string, port, timeoutMs, clock);
  const tls = secure && tcp.kind === 'open' ? await probeTls(host, port, timeoutMs, clock) : undefined;
  return { ...base, tcp, tls };
}
