/**
 * The signature group (the guide's authentication_failed: "Signature validation failed:
 * verify Auth Token in validation code"). With a token: the answer URL accepts a signed
 * request, an unsigned upgrade is refused, a correctly signed one is accepted; a failure says
 * which URL was signed and which token must match (never the token itself). Without one,
 * whether the server accepts unsigned streams.
 */
import { loggableUrl } from '../server/signature-check.js';
import type { AnswerFetch } from './answer-fetch.js';
import type { AttemptOutcome, SignatureProbeResult } from './signature-probe.js';
import { type CheckResult, result } from './types.js';

/** Inputs besides the probes. */
export interface SignatureCheckContext {
  readonly authToken: string | undefined;
  readonly answerUrl: string | undefined;
  readonly answerMethod: 'GET' | 'POST';
  /** The stream target counts as local development. */
  readonly local: boolean;
}

/** A token described without revealing it. */
export function tokenHint(token: string): string {
  return token.length >= 16 ? `the token ending "…${token.slice(-4)}"` : `the ${token.length}-character token`;
}

/** A URL for messages: the query (which may carry call data) elided. */
export const shownUrl: (url: string) => string = loggableUrl;

const WHICH_TOKEN =
  'the Auth Token of the Plivo account that owns the number (Plivo console, API keys; a subaccount signs X-Plivo-Signature-V3 with its own token and X-Plivo-Signature-Ma-V3 with the main account\'s)';

function refusal(o: AttemptOutcome): boolean {
  return (o.kind === 'refused' && (o.status === 401 || o.status === 403)) || o.kind === 'closed';
}

function describe(o: AttemptOutcome): string {
  switch (o.kind) {
    case 'accepted':
      return 'accepted';
    case 'refused':
      return `refused with HTTP ${o.status}${o.body === '' ? '' : ` "${o.body.slice(0, 80)}"`}`;
    case 'closed':
      return `accepted, then closed with ${o.code}${o.reason === '' ? '' : ` "${o.reason}"`}`;
    case 'error':
      return `failed (${o.code})`;
  }
}

function answerCheck(fetch: AnswerFetch | undefined, ctx: SignatureCheckContext): CheckResult {
  if (ctx.authToken === undefined) return result('signature.answer', 'skip', 'no --auth-token: the answer request was not signed', {});
  if (ctx.answerUrl === undefined || fetch === undefined) return result('signature.answer', 'skip', 'no answer URL given', {});
  if (fetch.kind === 'failed') return result('signature.answer', 'skip', 'the answer URL did not answer (see xml.fetch)', {});
  const data = { status: fetch.status };
  if (fetch.status === 401 || fetch.status === 403) {
    return result('signature.answer', 'fail', `authentication_failed: the answer URL refused a ${ctx.answerMethod} signed with ${tokenHint(ctx.authToken)} over ${shownUrl(ctx.answerUrl)} (HTTP ${fetch.status})`, data, {
      fix: `validate X-Plivo-Signature-V3 with ${WHICH_TOKEN}, over the URL exactly as Plivo requests it (the public https:// URL with its query; for POST the form fields too). Behind a proxy, rebuild the public URL (callwire: PUBLIC_URL or --trust-proxy)`,
    });
  }
  if (fetch.status >= 200 && fetch.status < 300) return result('signature.answer', 'ok', `accepted a ${ctx.answerMethod} signed with ${tokenHint(ctx.authToken)} (HTTP ${fetch.status})`, data);
  return result('signature.answer', 'skip', `HTTP ${fetch.status} says nothing about signatures (see xml.fetch)`, data);
}

function unsignedCheck(probe: SignatureProbeResult, ctx: SignatureCheckContext): CheckResult {
  const u = probe.unsigned;
  const data = { ...(u.kind === 'refused' ? { status: u.status } : {}), ...(u.kind === 'closed' ? { closeCode: u.code } : {}) };
  if (ctx.authToken === undefined) {
    if (u.kind === 'accepted') {
      if (ctx.local) return result('signature.unsigned', 'skip', 'no --auth-token; the server accepts unsigned streams (fine for local development: set a token before going live)', data);
      return result('signature.unsigned', 'warn', 'the server accepts unsigned stream upgrades: anyone who learns the URL can open a stream', data, {
        fix: 'validate X-Plivo-Signature-V3 on the upgrade and refuse with HTTP 403 (callwire: set PLIVO_AUTH_TOKEN), then run the doctor with --auth-token',
      });
    }
    if (refusal(u)) return result('signature.unsigned', 'skip', `no --auth-token; the server ${describe(u)} an unsigned upgrade, so it checks signatures: pass --auth-token to check they match`, data);
    return result('signature.unsigned', 'skip', `the unsigned upgrade ${describe(u)} (see websocket.handshake)`, data);
  }
  if (u.kind === 'accepted') {
    return result('signature.unsigned', 'fail', 'the server accepted an unsigned upgrade: it does not check Plivo signatures', data, {
      fix: 'refuse upgrades without a valid X-Plivo-Signature-V3 with HTTP 403 before the handshake (callwire does this when PLIVO_AUTH_TOKEN is set)',
    });
  }
  if (u.kind === 'refused' && (u.status === 401 || u.status === 403)) return result('signature.unsigned', 'ok', `an unsigned upgrade was refused with HTTP ${u.status} before the handshake`, data);
  if (u.kind === 'closed') return result('signature.unsigned', 'ok', `an unsigned upgrade was ${describe(u)} (refusing with HTTP 403 before the handshake would save a round trip)`, data);
  return result('signature.unsigned', 'skip', `the unsigned upgrade ${describe(u)}, which says nothing about signatures (see websocket.handshake)`, data);
}

function signedCheck(probe: SignatureProbeResult, ctx: SignatureCheckContext): CheckResult {
  const token = ctx.authToken;
  const signed = probe.signed;
  if (token === undefined || signed === undefined) return result('signature.signed', 'skip', 'no --auth-token: whether the server accepts Plivo\'s signatures was not checked', {});
  const data = { signedUrl: shownUrl(signed.url), ...(signed.outcome.kind === 'refused' ? { status: signed.outcome.status } : {}) };
  if (signed.outcome.kind === 'accepted') return result('signature.signed', 'ok', `accepted an upgrade signed with ${tokenHint(token)} over ${shownUrl(signed.url)}, the URL as written`, data);
  const https = probe.signedHttps;
  if (https?.outcome.kind === 'accepted') {
    return result('signature.signed', 'warn', `accepted an upgrade signed over ${shownUrl(https.url)} but ${describe(signed.outcome)} one signed over ${shownUrl(signed.url)}, the URL as written`, { ...data, signedUrl: shownUrl(https.url) }, {
      fix: 'which URL form Plivo signs for the WebSocket is undocumented: validate against the wss:// URL as written in the XML as well as its https:// form (callwire tries wss, https, ws and http)',
    });
  }
  if (!refusal(signed.outcome)) return result('signature.signed', 'skip', `the signed upgrade ${describe(signed.outcome)}, which says nothing about signatures (see websocket.handshake)`, data);
  const forms = https === undefined ? shownUrl(signed.url) : `${shownUrl(signed.url)} and ${shownUrl(https.url)}`;
  return result('signature.signed', 'fail', `authentication_failed: the server ${describe(signed.outcome)} an upgrade signed with ${tokenHint(token)} over ${forms}`, data, {
    fix: `the server must validate with the same token (${tokenHint(token)}: ${WHICH_TOKEN}), over the exact URL in the Stream XML, query string included. Behind a proxy or tunnel the server sees another host or scheme: make it rebuild the public URL (callwire: PUBLIC_URL or --trust-proxy)`,
  });
}

/** The signature.* checks; `probe` is undefined when there was no usable stream URL. */
export function signatureChecks(fetch: AnswerFetch | undefined, probe: SignatureProbeResult | undefined, ctx: SignatureCheckContext): CheckResult[] {
  const answer = answerCheck(fetch, ctx);
  if (probe === undefined) {
    const why = 'no usable stream URL (see url.scheme)';
    return [answer, result('signature.unsigned', 'skip', why, {}), result('signature.signed', 'skip', why, {})];
  }
  return [answer, unsignedCheck(probe, ctx), signedCheck(probe, ctx)];
}
