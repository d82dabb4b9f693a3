/**
 * The Plivo REST calls callwire makes on a live call: hang up, transfer, start/get/list/stop
 * streams, send DTMF, speak text and play audio URLs. Basic auth with Auth ID and Auth Token;
 * base URL configurable (the emulator serves the same paths).
 * https://www.plivo.com/docs/voice/api/call. Paths and parameter names follow
 * plivo-python plivo/resources/calls.py (start_stream, get_details_of_specific_stream,
 * get_all_streams, send_digits, start_speaking, start_playing) and plivo-node
 * lib/resources/call.js (getStream, getAllStream).
 */
import { RestError } from '../errors.js';

/** Credentials and endpoint of the REST client. */
export interface PlivoRestOptions {
  authId?: string;
  authToken?: string;
  /** Default https://api.plivo.com */
  baseUrl?: string;
  /** Per-request timeout, ms. Default 10 s. */
  timeoutMs?: number;
}

/**
 * Parameters of a transfer (`POST .../Call/{id}/`). Plivo: "if legs is aleg or both, then
 * aleg_url has to be specified"; "if legs is bleg or both, then bleg_url has to be
 * specified"; both methods default to POST (plivo-ruby Plivo::Resources::CallInterface#update;
 * plivo-python plivo/resources/calls.py Calls.update takes legs, aleg_url, aleg_method,
 * bleg_url, bleg_method).
 */
export interface TransferOptions {
  /** URL returning the XML the A leg runs (e.g. a `<Dial>`); needed for legs aleg/both. */
  alegUrl?: string;
  alegMethod?: 'GET' | 'POST';
  /** URL returning the XML the bridged B leg runs; needed for legs bleg/both. */
  blegUrl?: string;
  blegMethod?: 'GET' | 'POST';
  /** Which legs to transfer (default aleg). */
  legs?: 'aleg' | 'bleg' | 'both';
}

/** Parameters of a new stream on a live call (`POST .../Call/{id}/Stream/`). */
export interface StartStreamOptions {
  serviceUrl: string;
  bidirectional?: boolean;
  audioTrack?: 'inbound' | 'outbound' | 'both';
  streamTimeout?: number;
  statusCallbackUrl?: string;
  /** Method for the status callback (Plivo's default POST). */
  statusCallbackMethod?: 'GET' | 'POST';
  contentType?: string;
  extraHeaders?: string;
}

/** A stream as Plivo's REST API describes it (fields Plivo may omit are optional). */
export interface StreamRecord {
  readonly stream_id: string;
  readonly call_uuid?: string;
  readonly service_url?: string;
  readonly status?: string;
  readonly audio_track?: string;
  readonly bidirectional?: boolean;
  readonly start_time?: string | null;
  readonly end_time?: string | null;
  readonly [field: string]: unknown;
}

/** Options of Speak on a live call (`POST .../Call/{id}/Speak/`). */
export interface SpeakOptions {
  voice?: string;
  language?: string;
  legs?: 'aleg' | 'bleg' | 'both';
  loop?: boolean;
  mix?: boolean;
}

/** Options of Play on a live call (`POST .../Call/{id}/Play/`). */
export interface PlayOptions {
  /** Seconds to play. */
  length?: number;
  legs?: 'aleg' | 'bleg' | 'both';
  loop?: boolean;
  mix?: boolean;
}

export class PlivoRestClient {
  readonly #authId: string | undefined;
  readonly #authToken: string | undefined;
  readonly #base: string;
  readonly #timeoutMs: number;

  constructor(options: PlivoRestOptions = {}) {
    this.#authId = options.authId;
    this.#authToken = options.authToken;
    this.#base = (options.baseUrl ?? 'https://api.plivo.com').replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** True when both Auth ID and Auth Token are set. */
  get configured(): boolean {
    return Boolean(this.#authId && this.#authToken);
  }

  /** Hang up a call. A call that already ended (404) counts as success. */
  async hangup(callId: string): Promise<void> {
    await this.#request('DELETE', `/Call/${encodeURIComponent(callId)}/`, undefined, [404]);
  }

  /**
   * Transfer a live call to new XML.
   * @throws RestError REST_BAD_REQUEST, before any request, when the legs asked for lack their URL
   */
  async transfer(callId: string, options: TransferOptions): Promise<void> {
    const legs = options.legs ?? 'aleg';
    const body: Record<string, unknown> = { legs };
    if (legs !== 'bleg') {
      if (!options.alegUrl) throw new RestError('REST_BAD_REQUEST', `transfer with legs=${legs} needs alegUrl (Plivo: aleg_url has to be specified)`);
      body.aleg_url = options.alegUrl;
      body.aleg_method = options.alegMethod ?? 'POST';
    }
    if (legs !== 'aleg') {
      if (!options.blegUrl) throw new RestError('REST_BAD_REQUEST', `transfer with legs=${legs} needs blegUrl (Plivo: bleg_url has to be specified)`);
      body.bleg_url = options.blegUrl;
      body.bleg_method = options.blegMethod ?? 'POST';
    }
    await this.#request('POST', `/Call/${encodeURIComponent(callId)}/`, body);
  }

  /** Start an audio stream on a live call; returns the new stream id. */
  async startStream(callId: string, options: StartStreamOptions): Promise<string> {
    const body: Record<string, unknown> = { service_url: options.serviceUrl };
    if (options.bidirectional !== undefined) body.bidirectional = options.bidirectional;
    if (options.audioTrack) body.audio_track = options.audioTrack;
    if (options.streamTimeout) body.stream_timeout = options.streamTimeout;
    if (options.statusCallbackUrl) body.status_callback_url = options.statusCallbackUrl;
    if (options.statusCallbackMethod) body.status_callback_method = options.statusCallbackMethod;
    if (options.contentType) body.content_type = options.contentType;
    if (options.extraHeaders) body.extra_headers = options.extraHeaders;
    const res = (await this.#request('POST', `/Call/${encodeURIComponent(callId)}/Stream/`, body)) as { stream_id?: string } | undefined;
    return res?.stream_id ?? '';
  }

  /** One stream of a call (`GET .../Call/{id}/Stream/{stream_id}/`). */
  async getStream(callId: string, streamId: string): Promise<StreamRecord> {
    const res = await this.#request('GET', `/Call/${encodeURIComponent(callId)}/Stream/${encodeURIComponent(streamId)}/`);
    return asRecord(res) as StreamRecord;
  }

  /** Every stream of a call (`GET .../Call/{id}/Stream/`): the response's `objects`. */
  async listStreams(callId: string): Promise<StreamRecord[]> {
    const res = asRecord(await this.#request('GET', `/Call/${encodeURIComponent(callId)}/Stream/`));
    return Array.isArray(res.objects) ? (res.objects.filter((o) => typeof o === 'object' && o !== null) as StreamRecord[]) : [];
  }

  /**
   * Send DTMF digits on a live call (`POST .../Call/{id}/DTMF/`, `digits`, `leg`).
   * @throws RestError REST_BAD_REQUEST, before any request, for digits other than 0-9 * # A-D w
   */
  async sendDigits(callId: string, digits: string, leg?: 'aleg' | 'bleg'): Promise<void> {
    if (!/^[0-9*#A-Dw]{1,64}$/i.test(digits)) throw new RestError('REST_BAD_REQUEST', 'digits must be 1-64 of 0-9, *, #, A-D and w (a pause)');
    await this.#request('POST', `/Call/${encodeURIComponent(callId)}/DTMF/`, { digits, ...(leg === undefined ? {} : { leg }) });
  }

  /** Speak text on a live call (`POST .../Call/{id}/Speak/`). */
  async speak(callId: string, text: string, options: SpeakOptions = {}): Promise<void> {
    if (text.trim() === '') throw new RestError('REST_BAD_REQUEST', 'speak() needs some text');
    await this.#request('POST', `/Call/${encodeURIComponent(callId)}/Speak/`, { text, ...definedOnly(options) });
  }

  /** Play audio URLs on a live call (`POST .../Call/{id}/Play/`, `urls` comma-separated). */
  async play(callId: string, urls: string | readonly string[], options: PlayOptions = {}): Promise<void> {
    const list = typeof urls === 'string' ? urls : urls.join(',');
    if (list.trim() === '') throw new RestError('REST_BAD_REQUEST', 'play() needs at least one URL');
    await this.#request('POST', `/Call/${encodeURIComponent(callId)}/Play/`, { urls: list, ...definedOnly(options) });
  }

  /** Stop one stream, or every stream of the call when `streamId` is omitted. */
  async stopStream(callId: string, streamId?: string): Promise<void> {
    const path = streamId ? `/Call/${encodeURIComponent(callId)}/Stream/${encodeURIComponent(streamId)}/` : `/Call/${encodeURIComponent(callId)}/Stream/`;
    await this.#request('DELETE', path);
  }

  async #request(method: string, path: string, body?: Record<string, unknown>, okStatuses: number[] = []): Promise<unknown> {
    if (!this.#authId || !this.#authToken) {
      throw new RestError(
        'REST_MISSING_CREDENTIALS',
        'Plivo REST calls (hang up, transfer) need PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN (or authId/authToken options)',
      );
    }
    const url = `${this.#base}/v1/Account/${encodeURIComponent(this.#authId)}${path}`;
    const auth = Buffer.from(`${this.#authId}:${this.#authToken}`).toString('base64');
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { authorization: `Basic ${auth}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (cause) {
      throw new RestError('REST_UNAVAILABLE', `Plivo REST ${method} ${path} failed: ${(cause as Error).message}`, { cause });
    }
    let text: string;
    try {
      text = await readCapped(res, MAX_RESPONSE_BYTES);
    } catch (cause) {
      // A body cut mid-way (`TypeError: terminated`), a timeout while reading, or one that
      // would not end: Plivo did not answer usably this time, so retrying may help.
      throw new RestError('REST_UNAVAILABLE', `Plivo REST ${method} ${path}: the response body could not be read: ${(cause as Error).message}`, { cause, details: { status: res.status, path } });
    }
    if (res.ok || okStatuses.includes(res.status)) {
      if (text === '') return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return undefined;
      }
    }
    const details = { status: res.status, path };
    if (res.status === 401 || res.status === 403) {
      throw new RestError('REST_AUTH_FAILED', `Plivo rejected the credentials (HTTP ${res.status}); check PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN`, { details });
    }
    if (res.status === 404) throw new RestError('REST_NOT_FOUND', `Plivo says ${path} does not exist (HTTP 404)`, { details });
    if (res.status >= 500 || res.status === 429) {
      throw new RestError('REST_UNAVAILABLE', `Plivo REST answered HTTP ${res.status}`, { details, retryable: true });
    }
    throw new RestError('REST_BAD_REQUEST', `Plivo REST answered HTTP ${res.status}: ${text.slice(0, 200)}`, { details });
  }
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function definedOnly(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

// Plivo's answers are a few hundred bytes; anything near this is not Plivo.
const MAX_RESPONSE_BYTES = 1 << 20;

/** The body as text, refusing more than `max` bytes (the read is cancelled, not finished). */
async function readCapped(res: Response, max: number): Promise<string> {
  if (res.body === null) return '';
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    // Throwing out of the loop returns the iterator, which cancels the stream.
    if (size > max) throw new Error(`body over ${max} bytes`);
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}
