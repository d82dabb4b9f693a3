/**
 * The dashboard's first gate, before any page, file, API call, live feed, recording or phone
 * session: DNS rebinding and cross-site requests. In open mode (loopback bind, no token)
 * "only this machine can reach it" holds only if the request was addressed to a loopback
 * name: a page on `rebind.attacker.example` whose DNS answer flips to 127.0.0.1 reaches the
 * port with its own name in `Host` and reads every response as same-origin. So open mode
 * refuses any Host that is not localhost, 127.0.0.0/8 or [::1] (with or without a port), the
 * defence webpack-dev-server and Jupyter use. In every mode, a request whose `Origin` names
 * another site is refused: browsers send Origin on every cross-origin fetch and form post.
 */
import type { IncomingMessage } from 'node:http';
import { isLoopbackHost } from '../server/loopback.js';
import type { AccessMode } from './access.js';
import type { SiteCheck } from './login.js';
import { sameOrigin } from './respond.js';

/** Why the gate refused a request: an HTTP status, a stable code and the reason. */
export interface SiteRefusal {
  readonly status: 403 | 421;
  readonly code: 'SERVER_HOST_REFUSED' | 'SERVER_ORIGIN_REFUSED';
  readonly message: string;
}

/** Whether the Host header names this machine (a loopback name or address, any port). */
export function loopbackHostHeader(req: IncomingMessage): boolean {
  const host = req.headers.host;
  return typeof host === 'string' && host.length <= 300 && isLoopbackHost(host);
}

/** The refusal for a request, or undefined when it may go on to the access check. */
export function siteRefusal(req: IncomingMessage, mode: AccessMode, site: SiteCheck): SiteRefusal | undefined {
  if (mode === 'open' && !loopbackHostHeader(req)) {
    return {
      status: 421,
      code: 'SERVER_HOST_REFUSED',
      message: 'the dashboard is open only to this machine and answers only requests addressed to localhost, 127.0.0.1 or [::1] (this Host header names another site: DNS rebinding?). Set DASHBOARD_TOKEN to use it under another name',
    };
  }
  if (!sameOrigin(req, site.trustProxy, site.publicHost)) {
    return { status: 403, code: 'SERVER_ORIGIN_REFUSED', message: 'a request from another site (its Origin header) is refused' };
  }
  return undefined;
}
