/**
 * url.tunnel: the guide's "ngrok tunnel not running: restart ngrok and update your XML". The
 * symptom is an answer URL that works while the answer XML's <Stream> points at a host that
 * no longer answers: a tunnel restarted under a new name, or one whose local end is gone.
 */
import type { IdleProbeResult } from './idle-probe.js';
import type { TargetProbe } from './target.js';
import { type CheckResult, result } from './types.js';

// Host suffixes of common tunnel services.
const TUNNELS: readonly [string, string][] = [
  ['ngrok.io', 'ngrok'],
  ['ngrok.app', 'ngrok'],
  ['ngrok-free.app', 'ngrok'],
  ['ngrok.dev', 'ngrok'],
  ['ngrok-free.dev', 'ngrok'],
  ['trycloudflare.com', 'Cloudflare Tunnel'],
  ['loca.lt', 'localtunnel'],
  ['localtunnel.me', 'localtunnel'],
  ['serveo.net', 'serveo'],
  ['lhr.life', 'localhost.run'],
  ['localhost.run', 'localhost.run'],
  ['tunnelmole.net', 'tunnelmole'],
  ['devtunnels.ms', 'Dev Tunnels'],
];

/** The tunnel service a host belongs to, if any. */
export function tunnelService(host: string): string | undefined {
  const h = host.toLowerCase();
  return TUNNELS.find(([suffix]) => h === suffix || h.endsWith(`.${suffix}`))?.[1];
}

// Cloudflare's error pages name their 1xxx code ("error code: 1033" in text, "Error 1033" in
// HTML): 1033 is a Cloudflare Tunnel with no cloudflared connected, 1016 an origin that does
// not resolve; both come with HTTP 530 (https://developers.cloudflare.com/support/troubleshooting/cloudflare-errors/troubleshooting-cloudflare-1xxx-errors/).
const CLOUDFLARE_PAGE = /error(?: code)?:? 10(16|33)\b|Cloudflare Tunnel error/i;

/**
 * Why a refused upgrade is a tunnel's error page rather than the server's answer, if it is:
 * ngrok's `ngrok-error-code` header or an ERR_NGROK_* code in the page (ERR_NGROK_3200: the
 * endpoint is offline; https://ngrok.com/docs/errors), Cloudflare's 530 or 1016/1033 page,
 * or a 404/502/503/504 from a known tunnel host whose page names a tunnel.
 */
export function tunnelErrorPage(handshake: IdleProbeResult['upgrade'] | undefined, host: string): string | undefined {
  if (handshake?.kind !== 'refused') return undefined;
  const service = tunnelService(host);
  const header = handshake.headers['ngrok-error-code'];
  const code = (Array.isArray(header) ? header[0] : header) ?? /ERR_NGROK_\d+/.exec(handshake.body)?.[0];
  if (code !== undefined) return `ngrok answers ${code.slice(0, 40)} (HTTP ${handshake.status}): the tunnel is offline`;
  if (handshake.status === 530 || CLOUDFLARE_PAGE.test(handshake.body)) return `Cloudflare answers HTTP ${handshake.status}: the tunnel is gone`;
  if (service !== undefined && [502, 503, 504].includes(handshake.status)) return `${service} answers HTTP ${handshake.status}: the tunnel is up but nothing answers behind it`;
  if (service !== undefined && handshake.status === 404 && /tunnel|offline/i.test(handshake.body)) return `${service} answers HTTP 404 with its tunnel page: the tunnel is offline`;
  return undefined;
}

/** Judge whether the answer XML points at a live stream host. */
export function tunnelCheck(input: {
  stream: TargetProbe;
  answer: TargetProbe | undefined;
  answerAnswered: boolean;
  handshake: IdleProbeResult['upgrade'] | undefined;
}): CheckResult {
  const { stream, answer } = input;
  const target = { target: 'stream' as const };
  const service = tunnelService(stream.host);
  const data = { host: stream.host, ...(service === undefined ? {} : { tunnel: service }) };
  if (answer === undefined) return result('url.tunnel', 'skip', 'checked only with an answer URL: a stale tunnel shows as answer XML pointing at a host that no longer answers', data, target);
  if (!input.answerAnswered) return result('url.tunnel', 'skip', 'the answer URL did not answer (see xml.fetch)', data, target);
  if (stream.url === undefined) return result('url.tunnel', 'skip', 'the answer XML has no usable stream URL (see xml.parse)', data, target);
  const sameHost = answer.host.toLowerCase() === stream.host.toLowerCase();
  const via = service === undefined ? '' : ` (a ${service} host)`;
  const fix = `the answer XML points at an old address: restart the tunnel and put its current wss:// URL in the <Stream> element, or build the URL from the request (callwire: --trust-proxy makes the XML follow the tunnel's host; or set PUBLIC_URL to the new URL)`;
  let dead: string | undefined;
  if (stream.dns?.kind === 'failed') dead = `${stream.host} does not resolve`;
  else if (stream.tcp !== undefined && stream.tcp.kind !== 'open') dead = `${stream.host}:${stream.port} does not accept connections`;
  else dead = tunnelErrorPage(input.handshake, stream.host);
  if (dead !== undefined) {
    const whose = sameHost ? 'the answer URL works but its Stream URL' : `the answer URL (${answer.host}) works but its Stream URL`;
    return result('url.tunnel', 'fail', `${whose} points at ${stream.host}${via}: ${dead}`, data, { ...target, fix });
  }
  return result('url.tunnel', 'ok', `the Stream URL's host ${stream.host}${via} answers${sameHost ? ' (the answer URL\'s host)' : ''}`, data, target);
}
