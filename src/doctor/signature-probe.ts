/**
 * Upgrade attempts that show how a server treats Plivo signatures: one unsigned, one signed
 * over the stream URL exactly as written, and (when that is refused) one signed over its
 * https:// form, since which form Plivo signs is undocumented (docs/plivo-protocol.md §5.4).
 * A server may refuse before the handshake (HTTP 403, best) or accept and then close at once
 * with 1008 (what Plivo's own stream SDK does); both count as refusals.
 */
import type { Clock } from '../clock.js';
import { httpFormOf } from '../emulator/stream-leg.js';
import { closeQuietly, tryUpgrade } from './upgrade.js';

/** What one attempt gave. */
export type AttemptOutcome =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'refused'; readonly status: number; readonly body: string }
  | { readonly kind: 'closed'; readonly code: number; readonly reason: string }
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

/** Every attempt made. */
export interface SignatureProbeResult {
  readonly unsigned: AttemptOutcome;
  /** Present with a token. */
  readonly signed?: { readonly url: string; readonly outcome: AttemptOutcome };
  /** Present when the as-written attempt was refused and the https:// form was tried. */
  readonly signedHttps?: { readonly url: string; readonly outcome: AttemptOutcome };
}

// After a successful handshake, how long to watch for an immediate close (Plivo's SDK style).
const SETTLE_MS = 1000;

async function attempt(url: string, authToken: string | undefined, signUrl: string | undefined, timeoutMs: number, clock: Clock): Promise<AttemptOutcome> {
  const up = await tryUpgrade({ url, authToken, signUrl, timeoutMs, clock });
  switch (up.kind) {
    case 'refused':
      return { kind: 'refused', status: up.status, body: up.body.replace(/\s+/g, ' ').trim().slice(0, 160) };
    case 'error':
      return { kind: 'error', code: up.code, message: up.message };
    case 'open':
      return new Promise((resolve) => {
        const ws = up.ws;
        const timer = clock.setTimer(() => {
          ws.removeAllListeners('close');
          closeQuietly(ws);
          resolve({ kind: 'accepted' });
        }, Math.min(SETTLE_MS, timeoutMs));
        ws.on('error', () => {});
        ws.once('close', (code: number, reason: Buffer) => {
          clock.clearTimer(timer);
          resolve({ kind: 'closed', code, reason: reason.toString('utf8').slice(0, 120) });
        });
      });
  }
}

/** Probe `url`; with a token also the signed forms. Never throws. */
export async function probeSignatures(url: string, authToken: string | undefined, timeoutMs: number, clock: Clock): Promise<SignatureProbeResult> {
  if (authToken === undefined) return { unsigned: await attempt(url, undefined, undefined, timeoutMs, clock) };
  const [unsigned, signedOutcome] = await Promise.all([attempt(url, undefined, undefined, timeoutMs, clock), attempt(url, authToken, url, timeoutMs, clock)]);
  const signed = { url, outcome: signedOutcome };
  if (signedOutcome.kind === 'accepted') return { unsigned, signed };
  const https = httpFormOf(url);
  if (https === url) return { unsigned, signed };
  return { unsigned, signed, signedHttps: { url: https, outcome: await attempt(url, authToken, https, timeoutMs, clock) } };
}
