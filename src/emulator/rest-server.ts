/**
 * The Plivo REST endpoints callwire's server calls, so its REST client is tested against
 * something real (docs/plivo-protocol.md §1.3):
 *
 *   DELETE /v1/Account/{auth_id}/Call/{uuid}/                 hang up           -> 204
 *   POST   /v1/Account/{auth_id}/Call/{uuid}/                 transfer          -> 202
 *   GET    /v1/Account/{auth_id}/Call/{uuid}/?status=live     live call         -> 200
 *   POST   /v1/Account/{auth_id}/Call/{uuid}/Stream/          start a stream    -> 201
 *   POST   /v1/Account/{auth_id}/Call/{uuid}/DTMF/            send digits       -> 202
 *   POST   /v1/Account/{auth_id}/Call/{uuid}/Speak/           speak text        -> 202
 *   POST   /v1/Account/{auth_id}/Call/{uuid}/Play/            play audio URLs   -> 202
 *   GET    /v1/Account/{auth_id}/Call/{uuid}/Stream/[{id}/]   list / get        -> 200
 *   DELETE /v1/Account/{auth_id}/Call/{uuid}/Stream/[{id}/]   stop all / one    -> 204
 *
 * Every request needs HTTP Basic auth with the account's Auth ID and Auth Token (compared in
 * constant time). Bodies may be JSON (what the plivo SDK sends) or form-encoded, 64 KB at most.
 *
 * Reply bodies follow plivo-python's test fixtures (tests/resources/fixtures/):
 * liveCallGetResponse.json, liveCallStreamCreateResponse.json ("audio streaming started"),
 * liveCallStreamGetAllResponse.json (a live stream's status is "initiated").
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isCallwireError } from '../errors.js';
import type { EmulatedCall } from './call.js';

const MAX_BODY = 64 * 1024;

/** One request the REST API served. */
export interface RestLogEntry {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The request's body parameters as received (values cut at 200 characters). */
  readonly params: Readonly<Record<string, string>>;
}

interface Reply {
  readonly status: number;
  readonly body?: Readonly<Record<string, unknown>>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  // Lengths of credentials are not secret enough to hide; contents are compared in constant time.
  return x.length === y.length && timingSafeEqual(x, y);
}

async function readBody(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > MAX_BODY) throw new HttpError(413, `request body exceeds ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  const out: Record<string, string> = {};
  if ((req.headers['content-type'] ?? '').includes('json') || text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'request body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError(400, 'request body must be a JSON object');
    for (const [k, v] of Object.entries(parsed)) if (v !== null && typeof v !== 'object') out[k] = String(v);
    return out;
  }
  for (const [k, v] of new URLSearchParams(text)) out[k] = v;
  return out;
}

/** The emulator's REST API server. */
export class RestServer {
  readonly #authId: string;
  readonly #authToken: string;
  readonly #lookup: (callUuid: string) => EmulatedCall | undefined;
  readonly #server: Server;
  readonly #log: RestLogEntry[] = [];
  #url = '';

  constructor(options: { authId: string; authToken: string; lookup: (callUuid: string) => EmulatedCall | undefined }) {
    this.#authId = options.authId;
    this.#authToken = options.authToken;
    this.#lookup = options.lookup;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  /** Base URL (scheme, host, port). */
  get url(): string {
    return this.#url;
  }

  /** Requests served so far (the last 1000). */
  get log(): readonly RestLogEntry[] {
    return this.#log;
  }

  /** Listen on `host:port` (0 = any free port); resolves to the base URL. */
  listen(port: number, host: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        const a = this.#server.address() as AddressInfo;
        this.#url = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
        resolve(this.#url);
      });
    });
  }

  /** Stop serving and drop open connections. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
    if (m === null) return false;
    const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) return false;
    const idOk = sameText(decoded.slice(0, colon), this.#authId);
    const tokenOk = sameText(decoded.slice(colon + 1), this.#authToken);
    return idOk && tokenOk;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const parsed = new URL(req.url ?? '/', 'http://x');
    const path = parsed.pathname;
    let reply: Reply;
    let call: EmulatedCall | undefined;
    let params: Record<string, string> = {};
    try {
      if (!this.#authorized(req)) throw new HttpError(401, 'authentication failed: check the Auth ID and Auth Token');
      const m = /^\/v1\/Account\/([^/]+)\/Call\/([^/]+)\/?(?:(Stream|DTMF|Speak|Play)\/?([^/]+)?\/?)?$/.exec(path);
      if (m === null) throw new HttpError(404, 'not found');
      if (m[1] !== this.#authId) throw new HttpError(401, 'the Auth ID in the path does not match the credentials');
      call = this.#lookup(m[2] as string);
      if (call === undefined || call.isEnded) throw new HttpError(404, 'call not found or not live');
      const body = await readBody(req);
      params = body;
      if (m[3] === undefined) reply = this.#callRoute(call, method, body, parsed.searchParams.get('status'));
      else if (m[3] === 'Stream') reply = this.#streamRoute(call, method, m[4], body);
      else if (m[4] !== undefined) throw new HttpError(404, 'not found');
      else reply = actionRoute(m[3], method, body);
    } catch (e) {
      if (e instanceof HttpError) reply = { status: e.status, body: { error: e.message } };
      else if (isCallwireError(e)) reply = { status: 400, body: { error: e.message } };
      else reply = { status: 500, body: { error: 'internal error' } };
    }
    if (this.#log.length >= 1000) this.#log.shift();
    const logged: Record<string, string> = {};
    for (const [k, v] of Object.entries(params)) logged[k] = v.slice(0, 200);
    this.#log.push({ method, path, status: reply.status, params: logged });
    call?.recordRest(method, path, reply.status);
    if (reply.body === undefined) {
      res.writeHead(reply.status).end();
      return;
    }
    const text = JSON.stringify({ api_id: randomUUID(), ...reply.body });
    res.writeHead(reply.status, { 'Content-Type': 'application/json' }).end(text);
  }

  #callRoute(call: EmulatedCall, method: string, body: Record<string, string>, status: string | null): Reply {
    switch (method) {
      case 'DELETE':
        call.hangupByApi();
        return { status: 204 };
      case 'GET':
        // A live call is read with ?status=live (plivo-python LiveCalls.get); without it Plivo
        // serves the record of a finished call, which a call still live does not have yet.
        if (status !== 'live') throw new HttpError(404, 'no record of a finished call with this uuid (a live call is read with ?status=live)');
        return {
          status: 200,
          body: {
            call_status: 'in-progress',
            call_uuid: call.callId,
            caller_name: '',
            direction: 'inbound',
            from: call.from,
            request_uuid: call.callId,
            session_start: call.sessionStart,
            to: call.to,
          },
        };
      case 'POST': {
        // "if legs is aleg or both, then aleg_url has to be specified"; "if legs is bleg or
        // both, then bleg_url has to be specified" (plivo-ruby CallInterface#update docs).
        const legs = body.legs ?? 'aleg';
        if (legs !== 'aleg' && legs !== 'bleg' && legs !== 'both') throw new HttpError(400, 'legs must be aleg, bleg or both');
        const isUrl = (u: string | undefined): u is string => u !== undefined && /^https?:\/\//i.test(u);
        if (legs !== 'aleg' && !isUrl(body.bleg_url)) throw new HttpError(400, `bleg_url must be an http(s) URL when legs=${legs}`);
        if (legs === 'bleg') throw new HttpError(400, 'the emulated call has no bridged B leg to transfer');
        const url = body.aleg_url;
        if (!isUrl(url)) throw new HttpError(400, 'aleg_url must be an http(s) URL');
        // An emulated call is one leg: with legs=both the B leg's URL is recorded, not fetched.
        void call.transfer(url, body.aleg_method?.toUpperCase() === 'GET' ? 'GET' : 'POST', legs === 'both' ? body.bleg_url : undefined);
        return { status: 202, body: { message: 'call transferred', call_uuids: [call.callId] } };
      }
      default:
        throw new HttpError(405, `${method} is not allowed here`);
    }
  }

  #streamRoute(call: EmulatedCall, method: string, streamId: string | undefined, body: Record<string, string>): Reply {
    const objects = call.streamSummaries().map((s) => ({
      stream_id: s.streamId,
      call_uuid: call.callId,
      service_url: s.url,
      content_type: s.format,
      // plivo-python's fixture shows a live stream as "initiated"; "stopped" is ours.
      status: s.endReason === undefined ? 'initiated' : 'stopped',
      plivo_auth_id: this.#authId,
      resource_uri: `/v1/Account/${this.#authId}/Call/${call.callId}/Stream/${s.streamId}/`,
    }));
    if (method === 'POST' && streamId === undefined) {
      return { status: 201, body: { message: 'audio streaming started', stream_id: call.startStream(body) } };
    }
    if (method === 'GET' && streamId === undefined) {
      // `count` as in plivo-python's fixture, `total_count` as plivo-node reads it.
      return { status: 200, body: { meta: { count: objects.length, limit: 20, next: null, offset: 0, previous: null, total_count: objects.length }, objects } };
    }
    if (method === 'GET') {
      const one = objects.find((o) => o.stream_id === streamId);
      if (one === undefined) throw new HttpError(404, 'stream not found');
      return { status: 200, body: one };
    }
    if (method === 'DELETE') {
      // Plivo: 400 {"error": "No active stream found"} (docs: stop-a-specific-stream).
      if (!call.stopStreams(streamId)) throw new HttpError(400, 'No active stream found');
      return { status: 204 };
    }
    throw new HttpError(405, `${method} is not allowed here`);
  }
}

/**
 * Actions on a live call that the emulator accepts and records but does not render (no audio
 * is mixed in): the parameters and replies of plivo-python's Calls.send_digits (`digits`,
 * `leg`), Calls.start_speaking (`text`, `voice`, `language`, `legs`, `loop`, `mix`) and
 * Calls.start_playing (`urls`, `length`, `legs`, `loop`, `mix`); the Play reply is its
 * fixture liveCallPlayCreateResponse.json ("play started").
 */
function actionRoute(action: string, method: string, body: Record<string, string>): Reply {
  if (method !== 'POST') throw new HttpError(405, `${method} is not allowed here`);
  switch (action) {
    case 'DTMF':
      if (!/^[0-9*#A-Dw]{1,64}$/i.test(body.digits ?? '')) throw new HttpError(400, 'digits must be 1-64 of 0-9, *, #, A-D, w');
      if (body.leg !== undefined && body.leg !== 'aleg' && body.leg !== 'bleg') throw new HttpError(400, 'leg must be aleg or bleg');
      return { status: 202, body: { message: 'digits sent' } };
    case 'Speak':
      if ((body.text ?? '').trim() === '') throw new HttpError(400, 'text is required');
      return { status: 202, body: { message: 'speak started' } };
    case 'Play':
      if (!(body.urls ?? '').split(',').every((u) => /^https?:\/\//i.test(u.trim()))) throw new HttpError(400, 'urls must be comma-separated http(s) URLs');
      return { status: 202, body: { message: 'play started' } };
    default:
      throw new HttpError(404, 'not found');
  }
}
