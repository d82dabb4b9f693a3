/**
 * The Plivo REST calls callwire makes: hang up, transfer, and start/stop a stream on a live
 * call. Basic auth with Auth ID and Auth Token; base URL configurable (the emulator serves
 * the same paths). https://www.plivo.com/docs/voice/api/call
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
  contentType?: string;
  extraHeaders?: string;
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
    if (options.contentType) body.content_type = options.contentType;
    if (options.extraHeaders) body.extra_headers = options.extraHeaders;
    const res = (await this.#request('POST', `/Call/${encodeURIComponent(callId)}/Stream/`, body)) as { stream_id?: string } | undefined;
    return res?.stream_id ?? '';
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
