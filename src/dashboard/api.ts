/**
 * The dashboard's read API over the store: the stream list, one stream's detail (with its
 * latency waterfalls), its debug log, its recording (with Range) and the recording's
 * waveform. Every input is length- and range-checked; reads flush the store's write queue
 * first (briefly) so a call that just ended shows its final record.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LatencyBudget } from '../latency-budget.js';
import { isCallwireError } from '../errors.js';
import type { StreamDetail, StreamStore } from '../store/types.js';
import { sendFile } from './file-range.js';
import { BadRequest, intParam, json, jsonError, param } from './respond.js';
import { detailView, summaryView } from './views.js';
import { MAX_POINTS, waveformOf } from './waveform.js';

/** Longest stream id, call id or prefix accepted in a path. */
export const MAX_ID = 128;

const FLUSH_WAIT_MS = 1000;

/** Serves `/api/streams` and `/api/streams/:id[/logs|/recording|/waveform]`. */
export class StreamApi {
  readonly #store: StreamStore;
  readonly #budget: LatencyBudget | undefined;

  constructor(store: StreamStore, budget: LatencyBudget | undefined) {
    this.#store = store;
    this.#budget = budget;
  }

  /** Handle a GET/HEAD under /api/streams; false when the path is not one of these. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const parts = url.pathname.split('/').slice(3);
    if (url.pathname === '/api/streams' || url.pathname === '/api/streams/') {
      await this.#list(res, url);
      return true;
    }
    if (parts.length < 1 || parts.length > 2) return false;
    const id = decodeId(parts[0] as string);
    const what = parts[1];
    if (what !== undefined && what !== 'logs' && what !== 'recording' && what !== 'waveform') return false;
    const logQuery = what === 'logs' ? { afterId: intParam(url, 'afterId', 0, Number.MAX_SAFE_INTEGER), limit: intParam(url, 'limit', 1, 5000) } : undefined;
    await this.#flush();
    const d = await this.#find(id);
    if (d === undefined) {
      jsonError(res, 404, `no stream ${id}`);
      return true;
    }
    if (what === undefined) {
      json(res, 200, detailView(d, this.#budget));
    } else if (logQuery !== undefined) {
      json(res, 200, await this.#store.logs(d.streamId, logQuery));
    } else {
      const path = d.recordingPath;
      if (path === undefined) {
        jsonError(res, 404, 'this stream has no recording (start the server with --record)');
      } else if (what === 'recording') {
        if (!(await sendFile(req, res, path, 'audio/wav'))) jsonError(res, 404, 'the recording file is gone (deleted or moved)');
      } else {
        const points = intParam(url, 'points', 1, MAX_POINTS) ?? 800;
        try {
          json(res, 200, await waveformOf(path, points));
        } catch (e) {
          jsonError(res, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 404 : 422, `cannot read the recording: ${(e as Error).message}`);
        }
      }
    }
    return true;
  }

  async #list(res: ServerResponse, url: URL): Promise<void> {
    const status = param(url, 'status', 8) ?? 'all';
    if (status !== 'all' && status !== 'live' && status !== 'ended') throw new BadRequest('status must be all, live or ended');
    const q = param(url, 'q', MAX_ID);
    const cursor = param(url, 'cursor', 256);
    const limit = intParam(url, 'limit', 1, 500);
    await this.#flush();
    let page: Awaited<ReturnType<StreamStore['listStreams']>>;
    try {
      page = await this.#store.listStreams({ status, q, cursor, limit });
    } catch (e) {
      // A cursor from elsewhere is the client's mistake, not a server failure.
      if (cursor !== undefined && isCallwireError(e)) throw new BadRequest(`bad cursor: ${e.message}`);
      throw e;
    }
    json(res, 200, { streams: page.streams.map(summaryView), nextCursor: page.nextCursor });
  }

  /** A stream by its id, else by call id or unique id prefix. */
  async #find(ref: string): Promise<StreamDetail | undefined> {
    const direct = await this.#store.getStream(ref);
    if (direct !== undefined) return direct;
    let id: string | undefined;
    try {
      id = await this.#store.findStream(ref);
    } catch (e) {
      if (isCallwireError(e) && e.code === 'STORE_AMBIGUOUS_ID') throw new BadRequest(`${ref} matches more than one stream; give more of the id`);
      throw e;
    }
    return id === undefined ? undefined : this.#store.getStream(id);
  }

  async #flush(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#store.flush().catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, FLUSH_WAIT_MS)))]);
    clearTimeout(timer);
  }
}

/** A path segment as an id. @throws BadRequest */
export function decodeId(segment: string): string {
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    throw new BadRequest('the id is not valid percent-encoding');
  }
  if (id === '' || id.length > MAX_ID || /[\u0000-\u001f\u007f]/.test(id)) throw new BadRequest(`an id is 1 to ${MAX_ID} printable characters`);
  return id;
}
