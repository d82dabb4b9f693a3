/**
 * Serving a file with HTTP Range support (RFC 9110 §14): the browser's audio element seeks
 * in a recording with `Range: bytes=a-b`. One range per request; a multi-range request is
 * answered with the whole file, which the RFC allows.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';

/** A satisfiable byte range, inclusive. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Parse a Range header against a file size: the range, `undefined` for no (or an ignored)
 * range, or `'unsatisfiable'`.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined || header.length > 200) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null) return undefined;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  if (a === '') {
    // A suffix: the last N bytes.
    const n = Number(b);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** Send a file (GET or HEAD), honouring Range. Resolves false when the file is missing. */
export async function sendFile(req: IncomingMessage, res: ServerResponse, path: string, contentType: string): Promise<boolean> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) return false;
    size = s.size;
  } catch {
    return false;
  }
  const headers: Record<string, string | number> = { 'content-type': contentType, 'accept-ranges': 'bytes', 'cache-control': 'no-store' };
  const range = parseRange(typeof req.headers.range === 'string' ? req.headers.range : undefined, size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${size}`, 'content-length': 0 });
    res.end();
    return true;
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = size === 0 ? 0 : end - start + 1;
  res.writeHead(range === undefined ? 200 : 206, {
    ...headers,
    'content-length': length,
    ...(range === undefined ? {} : { 'content-range': `bytes ${start}-${end}/${size}` }),
  });
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return true;
  }
  // The client may have gone while we awaited the flush, lookup and stat (a browser's audio
  // element cancels range requests when it seeks): its 'close' already fired, so a listener
  // added now never would, and a piped stream would wait on the dead response for ever,
  // holding its descriptor. pipeline() destroys both ends whichever fails or closes first.
  if (res.destroyed) return true;
  pipeline(createReadStream(path, { start, end }), res, () => {});
  return true;
}
