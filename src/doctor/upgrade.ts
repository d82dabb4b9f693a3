/**
 * One WebSocket upgrade attempt as Plivo makes it (optionally signed), reporting exactly how
 * the server answered: switched protocols, refused with an HTTP status (with the first bytes
 * of the body and the headers a tunnel uses to say it is offline), or failed below HTTP.
 * Certificates are not verified here (the TLS checks own that); everything is bounded.
 */
import type { IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import type { Clock } from '../clock.js';
import { signatureHeaders } from '../emulator/signed-request.js';

/** How the server answered an upgrade. */
export type UpgradeOutcome =
  | { readonly kind: 'open'; readonly ws: WebSocket; readonly ms: number }
  | { readonly kind: 'refused'; readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: string; readonly ms: number }
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

/** Options of {@link tryUpgrade}. */
export interface UpgradeOptions {
  readonly url: string;
  /** Sign with this token (V3, GET, no params)... */
  readonly authToken?: string;
  /** ...over this URL (default: {@link url} as written). */
  readonly signUrl?: string;
  readonly timeoutMs: number;
  readonly clock: Clock;
}

// The largest single message read from the server. A 60 s L16/16 kHz dump in one playAudio
// is about 2.6 MB of base64; anything far beyond that is refused rather than buffered.
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
// Bytes of a refusal's body kept for the report.
const MAX_BODY = 2048;

/** Attempt one upgrade; never throws. An `open` socket belongs to the caller (close it). */
export function tryUpgrade(o: UpgradeOptions): Promise<UpgradeOutcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { 'User-Agent': 'PlivoStream/callwire-doctor' };
    if (o.authToken !== undefined) Object.assign(headers, signatureHeaders('GET', o.signUrl ?? o.url, {}, o.authToken));
    const started = o.clock.now();
    let ws: WebSocket;
    try {
      ws = new WebSocket(o.url, {
        headers,
        handshakeTimeout: o.timeoutMs,
        rejectUnauthorized: false,
        perMessageDeflate: false,
        maxPayload: MAX_MESSAGE_BYTES,
        followRedirects: false,
      });
    } catch (e) {
      resolve({ kind: 'error', code: 'INVALID_URL', message: (e as Error).message });
      return;
    }
    let done = false;
    const finish = (outcome: UpgradeOutcome): void => {
      if (done) return;
      done = true;
      resolve(outcome);
    };
    ws.once('open', () => finish({ kind: 'open', ws, ms: o.clock.now() - started }));
    ws.once('unexpected-response', (req, res) => {
      const ms = o.clock.now() - started;
      let body = '';
      const end = (): void => {
        clearTimeout(cut);
        res.destroy();
        req.destroy();
        finish({ kind: 'refused', status: res.statusCode ?? 0, headers: res.headers, body, ms });
      };
      // A refusal's body is read for at most a moment and a few KB: it is only for the report.
      const cut = setTimeout(end, Math.min(1000, o.timeoutMs));
      res.on('data', (c: Buffer) => {
        body += c.toString('utf8');
        if (body.length >= MAX_BODY) {
          body = body.slice(0, MAX_BODY);
          end();
        }
      });
      res.on('end', end);
      res.on('error', end);
    });
    ws.on('error', (e: NodeJS.ErrnoException) => finish({ kind: 'error', code: e.code ?? 'ERROR', message: e.message }));
  });
}

/** Close an open socket politely, cutting it off if the server never answers the close. */
export function closeQuietly(ws: WebSocket, code = 1000, reason = 'callwire doctor done'): void {
  ws.on('error', () => {});
  if (ws.readyState === WebSocket.CLOSED) return;
  if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
  const t = setTimeout(() => ws.terminate(), 2000);
  t.unref();
  ws.once('close', () => clearTimeout(t));
}

/** A one-line description of a failed or refused upgrade. */
export function describeUpgrade(outcome: Exclude<UpgradeOutcome, { kind: 'open' }>): string {
  if (outcome.kind === 'error') return `${outcome.code}: ${outcome.message}`;
  const text = outcome.body.replace(/\s+/g, ' ').trim().slice(0, 120);
  return `HTTP ${outcome.status}${text === '' ? '' : ` "${text}"`}`;
}
