/**
 * Fetch the app's answer URL the way Plivo does for an inbound call, and read the Stream XML
 * it returns (https://docs.plivo.com/docs/voice/xml/request: CallUUID, From, To, CallStatus,
 * Direction; at most 100 KB of XML).
 */
import { CallwireError, isCallwireError } from '../errors.js';
import { type StreamXmlInfo, readStreamXml } from '../protocol/read-stream-xml.js';
import { parseXml } from '../protocol/xml-parse.js';
import { type FormParams, signedRequest } from './signed-request.js';

/** Plivo's limit on an answer document. */
export const MAX_ANSWER_BYTES = 100 * 1024;

/** Who is calling whom. */
export interface CallParties {
  readonly callUuid: string;
  readonly from: string;
  readonly to: string;
}

/** The parameters Plivo posts to an answer URL for an inbound call. */
export function answerParams(call: CallParties, extra: FormParams = {}): Record<string, string> {
  return {
    CallUUID: call.callUuid,
    From: call.from,
    To: call.to,
    CallStatus: 'ringing',
    Direction: 'inbound',
    Event: 'StartApp',
    CallerName: call.from,
    BillRate: '0.00850',
    ...extra,
  };
}

/** A fetched and parsed answer. */
export interface AnswerResult {
  readonly status: number;
  readonly ms: number;
  readonly xml: string;
  /** The verbs in `<Response>`, in order. */
  readonly verbs: readonly string[];
  /** The first `<Stream>`, or undefined when the XML has none (e.g. a transfer's `<Dial>`). */
  readonly stream: StreamXmlInfo | undefined;
}

/**
 * Fetch an answer document and describe its verbs and `<Stream>`.
 * @throws CallwireError EMULATOR_AUTHENTICATION_FAILED (HTTP 401/403), EMULATOR_ANSWER_FAILED
 *   (other non-2xx, too large, bad XML) or EMULATOR_CONNECTION_FAILED (no response)
 */
export async function fetchAnswer(options: {
  url: string;
  method: 'GET' | 'POST';
  params: FormParams;
  authToken?: string;
  timeoutMs?: number;
}): Promise<AnswerResult> {
  const res = await signedRequest({ ...options, timeoutMs: options.timeoutMs ?? 10_000, maxBytes: MAX_ANSWER_BYTES });
  if (res.status === 401 || res.status === 403) {
    const what = options.authToken === undefined ? 'the request (unsigned: no auth token given; pass --auth-token or set PLIVO_AUTH_TOKEN)' : 'the signed request';
    throw new CallwireError('EMULATOR_AUTHENTICATION_FAILED', `the answer URL refused ${what} with HTTP ${res.status}`, { details: { status: res.status } });
  }
  if (res.status < 200 || res.status > 299) {
    throw new CallwireError('EMULATOR_ANSWER_FAILED', `the answer URL returned HTTP ${res.status}`, { details: { status: res.status } });
  }
  try {
    const root = parseXml(res.body);
    if (root.name !== 'Response') throw new CallwireError('EMULATOR_ANSWER_FAILED', `the root element is <${root.name.slice(0, 32)}>, not <Response>`);
    const verbs = root.children.map((c) => c.name);
    return { status: res.status, ms: res.ms, xml: res.body, verbs, stream: verbs.includes('Stream') ? readStreamXml(res.body) : undefined };
  } catch (cause) {
    const why = isCallwireError(cause) ? `${cause.code}: ${cause.message}` : 'unreadable XML';
    throw new CallwireError('EMULATOR_ANSWER_FAILED', `the answer XML cannot be used (${why})`, { cause });
  }
}
