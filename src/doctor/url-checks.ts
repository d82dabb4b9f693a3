/**
 * The URL group: the scheme callwire wants on a production host (wss:// for the stream, https://
 * for the answer URL; Plivo's Stream API accepts ws:// too, docs/plivo-protocol.md, but the audio
 * would travel unencrypted),
 * the host resolves, it is a public address, the port accepts connections. The guide's rows
 * "Invalid WebSocket URL", "Firewall blocking" and "connection_failed".
 */
import { type AddressKind, classifyAddress, describeKind } from './address.js';
import { MAX_URL_LENGTH, type TargetProbe } from './target.js';
import { type CheckResult, result } from './types.js';

const EXPOSE =
  'Plivo connects from the internet: deploy the server on a public host, or expose it with a tunnel (e.g. `ngrok http 8080`) and use the tunnel\'s https/wss URL (callwire: PUBLIC_URL=https://your-host, or --trust-proxy behind the tunnel)';

function schemeCheck(p: TargetProbe, url: URL): CheckResult {
  const t = { target: p.target };
  const data = { url: p.raw.slice(0, 2048) };
  const stream = p.target === 'stream';
  const want = stream ? 'wss:' : 'https:';
  const plain = stream ? 'ws:' : 'http:';
  const where = stream ? 'the <Stream> URL' : 'the answer URL';
  if (url.protocol === want) return result('url.scheme', 'ok', `${where} uses ${want}//`, data, t);
  if (url.protocol === plain) {
    if (p.local) return result('url.scheme', 'skip', `${plain}// on ${p.loopback ? 'loopback' : 'a local-development target'}: fine while developing; use ${want}// in production`, data, t);
    if (!stream) {
      return result('url.scheme', 'warn', `the answer URL uses http://: Plivo fetches it, but the call details and the signature travel unencrypted`, data, {
        ...t,
        fix: 'serve the answer URL over https:// (a certificate from a public CA, e.g. Let\'s Encrypt) and set it in the Plivo console',
      });
    }
    return result('url.scheme', 'fail', `${where} uses ws:// on a production host: Plivo accepts ws://, but the caller's audio and call details would travel unencrypted, so callwire requires wss:// here`, data, {
      ...t,
      fix: 'serve TLS and put wss://your-host/... in the <Stream> element (callwire: --tls-cert/--tls-key, or PUBLIC_URL=https://your-host behind a TLS proxy or tunnel)',
    });
  }
  return result('url.scheme', 'fail', `${where} uses ${url.protocol}//; it must be ${want}//`, data, {
    ...t,
    fix: stream ? 'put the WebSocket URL (wss://host/path) in the body of <Stream>' : 'give the https:// URL that returns your Plivo XML',
  });
}

function dnsCheck(p: TargetProbe): CheckResult {
  const t = { target: p.target };
  const dns = p.dns;
  if (dns === undefined) return result('url.dns', 'skip', 'not a URL', { host: p.host, addresses: [] }, t);
  if (dns.kind === 'resolved') {
    const seen = dns.literal ? `${p.host} is an IP address` : `${p.host} resolves to ${dns.addresses.slice(0, 4).join(', ')}`;
    return result('url.dns', 'ok', seen, { host: p.host, addresses: dns.addresses }, t);
  }
  return result('url.dns', 'fail', `${p.host} does not resolve (${dns.code})`, { host: p.host, addresses: [] }, {
    ...t,
    fix: `create the DNS record for ${p.host}, or fix the host name in the URL; a tunnel's host name changes each time it restarts, so update the URL to the tunnel's current one`,
  });
}

function publicCheck(p: TargetProbe): CheckResult {
  const t = { target: p.target };
  const addresses = p.dns?.kind === 'resolved' ? p.dns.addresses : [];
  if (addresses.length === 0) return result('url.public', 'skip', 'no address to judge (see url.dns)', { addresses }, t);
  const kinds = addresses.map((a) => [a, classifyAddress(a)] as [string, AddressKind]);
  const bad = kinds.filter(([, k]) => k !== 'public');
  if (bad.length === 0) return result('url.public', 'ok', `${addresses.slice(0, 4).join(', ')} ${addresses.length === 1 ? 'is a public address' : 'are public addresses'}`, { addresses }, t);
  const [address, kind] = bad[0] as [string, AddressKind];
  if (p.local) return result('url.public', 'skip', `${address} is ${describeKind(kind)}: local development, Plivo cannot reach it (run the doctor again on the public URL before going live)`, { addresses }, t);
  return result('url.public', 'fail', `${p.host} is ${address}, ${describeKind(kind)}: Plivo cannot reach it`, { addresses }, { ...t, fix: EXPOSE });
}

function portCheck(p: TargetProbe): CheckResult {
  const t = { target: p.target };
  const tcp = p.tcp;
  if (tcp === undefined) return result('url.port', 'skip', 'no address to connect to (see url.dns)', { port: p.port }, t);
  const where = `${tcp.address.includes(':') ? `[${tcp.address}]` : tcp.address}:${p.port}`;
  switch (tcp.kind) {
    case 'open':
      return result('url.port', 'ok', `${where} accepted a TCP connection in ${Math.round(tcp.ms)} ms`, { port: p.port, ms: tcp.ms }, t);
    case 'refused':
      return result('url.port', 'fail', `${where} refused the connection: nothing listens there (is the server running?)`, { port: p.port }, {
        ...t,
        fix: `start the server on port ${p.port}, or fix the port in the URL (connection_failed)`,
      });
    case 'timeout':
    case 'error':
      return result('url.port', 'fail', `${where}: ${tcp.message}; a firewall is probably dropping the connection`, { port: p.port }, {
        ...t,
        fix: `allow inbound TCP on port ${p.port} from the internet (cloud security group, firewall, ufw), or check the address (the guide: "Firewall blocking")`,
      });
  }
}

/** The url.* checks for one target. */
export function urlChecks(p: TargetProbe): CheckResult[] {
  const t = { target: p.target };
  if (p.url === undefined) {
    const what = p.raw === '' ? 'no URL given' : p.raw.length > MAX_URL_LENGTH ? `the URL is ${p.raw.length} characters long` : `"${p.raw.slice(0, 80)}" is not a valid URL`;
    return [
      result('url.scheme', 'fail', what, { url: p.raw.slice(0, 2048) }, { ...t, fix: p.target === 'stream' ? 'give a wss:// URL' : 'give the https:// answer URL' }),
      result('url.dns', 'skip', 'not a URL', { host: '', addresses: [] }, t),
      result('url.public', 'skip', 'not a URL', { addresses: [] }, t),
      result('url.port', 'skip', 'not a URL', { port: 0 }, t),
    ];
  }
  return [schemeCheck(p, p.url), dnsCheck(p), publicCheck(p), portCheck(p)];
}
