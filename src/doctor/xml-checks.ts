/**
 * The Stream XML group: the answer URL answers, its XML parses, and the <Stream> element has
 * what a two-way voice agent needs (docs/plivo-protocol.md §1): bidirectional="true" (else
 * Plivo ignores playAudio: "No Audio Playback"), audioTrack inbound (else "No Audio
 * Received"), an explicit supported contentType (the docs disagree on the default),
 * keepCallAlive="true" (else the call may end right after connecting), and a reachable
 * statusCallbackUrl (the guide: "Monitor your statusCallbackUrl").
 */
import { isIP } from 'node:net';
import { isCallwireError } from '../errors.js';
import { STREAM_FORMATS } from '../protocol/format.js';
import type { StreamXmlInfo } from '../protocol/read-stream-xml.js';
import { isLoopbackHost } from '../server/loopback.js';
import { classifyAddress, describeKind } from './address.js';
import { shownUrl } from './signature-checks.js';
import type { AnswerFetch } from './answer-fetch.js';
import { type CallbackOutcome, type CheckResult, result } from './types.js';

/** The answer URL's outcome, as the XML checks need it. */
export type AnswerState =
  | { readonly kind: 'none' }
  | { readonly kind: 'fetched'; readonly fetch: AnswerFetch; readonly info: StreamXmlInfo | undefined; readonly parseError: string | undefined };

const SUPPORTED = Object.values(STREAM_FORMATS)
  .map((f) => f.contentType)
  .join(', ');
// Verbs named in a message, at most (a hostile document may hold thousands).
const MAX_LISTED = 10;
const EXAMPLE = '<Response><Stream bidirectional="true" keepCallAlive="true" contentType="audio/x-mulaw;rate=8000">wss://your-host/stream</Stream></Response>';

function fetchCheck(fetch: AnswerFetch, signed: boolean): CheckResult {
  if (fetch.kind === 'failed') {
    const fix =
      fetch.code === 'TOO_LARGE'
        ? 'return only the Plivo XML document (Plivo reads at most 100 KB)'
        : 'make the answer URL reachable: is the server running, and are the host, port and path right? (connection_failed)';
    return result('xml.fetch', 'fail', `the answer URL did not answer: ${fetch.code} ${fetch.message.slice(0, 120)}`, {}, { fix });
  }
  const data = { status: fetch.status, ms: fetch.ms };
  if (fetch.status >= 200 && fetch.status < 300) {
    return result('xml.fetch', 'ok', `HTTP ${fetch.status} in ${Math.round(fetch.ms)} ms${fetch.contentType === undefined ? '' : ` (${fetch.contentType.slice(0, 40)})`}`, data);
  }
  if (fetch.status === 401 || fetch.status === 403) {
    return signed
      ? result('xml.fetch', 'fail', `HTTP ${fetch.status}: the answer URL refused the signed request (see signature.answer)`, data, { fix: 'see signature.answer' })
      : result('xml.fetch', 'fail', `HTTP ${fetch.status}: the answer URL wants a Plivo signature`, data, {
          fix: 'run the doctor with --auth-token set to the Auth Token the server validates with, so its requests are signed like Plivo\'s',
        });
  }
  if (fetch.status >= 300 && fetch.status < 400) {
    return result('xml.fetch', 'fail', `HTTP ${fetch.status}: the answer URL redirects`, data, { fix: 'give Plivo the final URL (redirects add a round trip and may drop the POST body)' });
  }
  return result('xml.fetch', 'fail', `HTTP ${fetch.status}`, data, {
    fix: 'the answer URL must return 200 with the XML; check the path and the method (Plivo POSTs unless the application says GET)',
  });
}

function attributeChecks(info: StreamXmlInfo): CheckResult[] {
  const a = info.attributes;
  const out: CheckResult[] = [];
  const bidi = a.bidirectional;
  if (bidi?.trim().toLowerCase() === 'true') out.push(result('xml.bidirectional', 'ok', 'bidirectional="true"', { value: bidi }));
  else {
    const seen = bidi === undefined ? 'bidirectional is not set, and Plivo\'s default is false' : `bidirectional="${bidi.slice(0, 20)}"`;
    out.push(
      result('xml.bidirectional', 'fail', `${seen}: Plivo ignores every playAudio, so the caller hears nothing ("No Audio Playback")`, bidi === undefined ? {} : { value: bidi }, {
        fix: 'add bidirectional="true" to the <Stream> element',
      }),
    );
  }
  const track = info.audioTrack;
  const trackData = a.audioTrack === undefined ? {} : { value: a.audioTrack };
  const stated = a.audioTrack === undefined ? ' (Plivo\'s default)' : '';
  if (track !== 'inbound' && track !== 'outbound' && track !== 'both') {
    out.push(result('xml.audio-track', 'fail', `audioTrack="${String(track).slice(0, 20)}" is not inbound, outbound or both`, trackData, { fix: 'set audioTrack="inbound"' }));
  } else if (track === 'outbound') {
    out.push(result('xml.audio-track', 'fail', 'audioTrack="outbound": the caller\'s voice is not streamed ("No Audio Received")', trackData, { fix: 'set audioTrack="inbound" (or remove it)' }));
  } else if (info.bidirectional && track === 'both') {
    out.push(result('xml.audio-track', 'fail', 'audioTrack="both" with bidirectional="true": Plivo documents that it must be inbound', trackData, { fix: 'set audioTrack="inbound" (or remove it)' }));
  } else out.push(result('xml.audio-track', 'ok', `audioTrack=${track}${stated}: the caller's voice is streamed`, trackData));
  const ct = a.contentType;
  if (ct === undefined) {
    out.push(
      result('xml.content-type', 'warn', `contentType is not stated: Plivo's docs disagree on the default (audio/x-l16;rate=8000 in the reference, audio/x-mulaw;rate=8000 in the newer overview), so the audio format is a guess`, {}, {
        fix: 'state it, e.g. contentType="audio/x-mulaw;rate=8000", and send every playAudio in exactly that format (callwire: one StreamFormat drives both)',
      }),
    );
  } else if (info.format === undefined) {
    out.push(result('xml.content-type', 'fail', `contentType="${ct.slice(0, 60)}" is not one Plivo supports (${SUPPORTED})`, { value: ct }, { fix: `use one of ${SUPPORTED}` }));
  } else out.push(result('xml.content-type', 'ok', `contentType="${ct}"`, { value: ct }));
  const kca = a.keepCallAlive;
  const kcaData = kca === undefined ? {} : { value: kca };
  if (info.keepCallAlive) out.push(result('xml.keep-call-alive', 'ok', 'keepCallAlive="true"', kcaData));
  else {
    const seen = kca === undefined ? 'keepCallAlive is not set (default false)' : `keepCallAlive="${kca.slice(0, 20)}"`;
    const fix = 'add keepCallAlive="true" to the <Stream> element';
    const after = info.verbs.slice(info.verbs.indexOf('Stream') + 1, info.verbs.indexOf('Stream') + 1 + MAX_LISTED).map((v) => v.slice(0, 32));
    if (after.length === 0) out.push(result('xml.keep-call-alive', 'fail', `${seen} and <Stream> is the last verb: Plivo can hang up right after the stream connects`, kcaData, { fix }));
    else out.push(result('xml.keep-call-alive', 'warn', `${seen}: ${after.join(', ')} run as soon as the stream starts instead of after it ends`, kcaData, { fix }));
  }
  return out;
}

function statusCallbackCheck(info: StreamXmlInfo, callbacks: readonly CallbackOutcome[] | undefined, local: boolean): CheckResult {
  const url = info.statusCallbackUrl;
  if (url === undefined || url.trim() === '') {
    return result('xml.status-callback', 'warn', 'no statusCallbackUrl: DroppedStream and DegradedStream events go unseen', { callbacks: [] }, {
      fix: 'add statusCallbackUrl="https://your-host/plivo/status" to <Stream> and log DroppedStream/DegradedStream (callwire serves /plivo/status)',
    });
  }
  const data = { url: url.slice(0, 2048), callbacks: callbacks ?? [] };
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    return result('xml.status-callback', 'fail', `statusCallbackUrl "${url.slice(0, 80)}" is not an http(s) URL`, data, { fix: 'give an absolute https:// URL' });
  }
  const shown = url.slice(0, 120);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const kind = isLoopbackHost(host) ? 'loopback' : isIP(host) !== 0 ? classifyAddress(host) : 'public';
  if (!local && kind !== 'public') {
    return result('xml.status-callback', 'fail', `statusCallbackUrl ${shown} is ${describeKind(kind)}: Plivo cannot reach it`, data, {
      fix: 'use the public https:// URL of your server for statusCallbackUrl (callwire builds it from PUBLIC_URL)',
    });
  }
  if (callbacks === undefined || callbacks.length === 0) return result('xml.status-callback', 'skip', `${shown}: no status callback was sent (the emulated call did not run)`, data);
  const failed = callbacks.filter((c) => c.status === undefined || c.status < 200 || c.status > 299);
  if (failed.length > 0) {
    const f = failed[0] as CallbackOutcome;
    const got = f.status === undefined ? (f.error ?? 'no answer').slice(0, 120) : `HTTP ${f.status}`;
    return result('xml.status-callback', 'fail', `${info.statusCallbackMethod} ${shown} (${f.event}) -> ${got}`, data, {
      fix: 'serve the statusCallbackUrl: answer Plivo\'s callbacks with 2xx (and validate their signature)',
    });
  }
  const events = [...new Set(callbacks.map((c) => c.event))].join(', ');
  const reach = local ? '' : ' (reachable from here; Plivo must reach it from the internet too)';
  return result('xml.status-callback', 'ok', `${shown} answered ${events} with HTTP ${callbacks[0]?.status}${reach}`, data);
}

/** The xml.* checks. `callbacks`: what the emulated call's status callbacks got. */
export function xmlChecks(state: AnswerState, signed: boolean, callbacks: readonly CallbackOutcome[] | undefined, local: boolean): CheckResult[] {
  const skipRest = (why: string): CheckResult[] => [
    result('xml.bidirectional', 'skip', why, {}),
    result('xml.audio-track', 'skip', why, {}),
    result('xml.content-type', 'skip', why, {}),
    result('xml.keep-call-alive', 'skip', why, {}),
    result('xml.status-callback', 'skip', why, { callbacks: [] }),
  ];
  if (state.kind === 'none') {
    const why = 'no answer URL given: the Stream XML was not checked (pass --answer-url)';
    return [result('xml.fetch', 'skip', why, {}), result('xml.parse', 'skip', why, { verbs: [] }), ...skipRest(why)];
  }
  const fetched = fetchCheck(state.fetch, signed);
  if (fetched.status === 'fail') return [fetched, result('xml.parse', 'skip', 'no XML to read (see xml.fetch)', { verbs: [] }), ...skipRest('no XML to read (see xml.fetch)')];
  const info = state.info;
  if (info === undefined) {
    return [
      fetched,
      result('xml.parse', 'fail', `the answer is not usable Plivo XML: ${state.parseError ?? 'unreadable'}`, { verbs: [] }, { fix: `return a document like ${EXAMPLE}` }),
      ...skipRest('no <Stream> element (see xml.parse)'),
    ];
  }
  const verbs = info.verbs.slice(0, MAX_LISTED).map((v) => v.slice(0, 32));
  const more = info.verbs.length > MAX_LISTED ? `, and ${info.verbs.length - MAX_LISTED} more` : '';
  const parsed = result('xml.parse', 'ok', `<Response> with ${verbs.map((v) => `<${v}>`).join(', ')}${more}; the Stream URL is ${shownUrl(info.url).slice(0, 120) || '(empty)'}`, {
    streamUrl: info.url.slice(0, 2048),
    verbs,
  });
  return [fetched, parsed, ...attributeChecks(info), statusCallbackCheck(info, callbacks, local)];
}

/** Words for a readStreamXml failure. */
export function parseErrorText(e: unknown): string {
  return isCallwireError(e) ? `${e.code}: ${e.message}` : 'unreadable XML';
}
