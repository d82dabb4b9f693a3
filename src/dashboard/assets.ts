/**
 * The dashboard's browser files (plain HTML, CSS and ES modules: no build step), read once
 * from `static/` beside this module: `src/dashboard/static` when run from source,
 * `dist/dashboard/static` after `npm run build`, which copies them.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';

/** One file held in memory. */
export interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Where the files are. */
export const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

// Pages: same-origin scripts, styles and connections only; nothing from the internet; never framed.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Security headers of every dashboard response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  // Not no-referrer: Chromium then sends `Origin: null` on same-origin form posts, and the
  // sign-in's same-origin check could not tell them from cross-site ones.
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

/** Read every file of `dir` (flat). @throws ConfigError when the folder is missing */
export function loadAssets(dir: string = STATIC_DIR): ReadonlyMap<string, Asset> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (cause) {
    throw new ConfigError('CONFIG_INVALID', `the dashboard's browser files are missing at ${dir}; run npm run build (it copies src/dashboard/static)`, { cause });
  }
  const out = new Map<string, Asset>();
  for (const name of names) {
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    const body = readFileSync(join(dir, name));
    out.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return out;
}

/** Send an asset (GET/HEAD) with revalidation by ETag. */
export function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const headers = { ...SECURITY_HEADERS, 'content-type': asset.type, etag: asset.etag, 'cache-control': 'no-cache' };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': asset.body.length });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}
