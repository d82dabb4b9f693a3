/** Vendor base URLs: one configured URL gives both the HTTP and the WebSocket endpoint. */
import { ConfigError } from '../../errors.js';

/** One base URL -> its http(s) and ws(s) forms (vendors serve both from one host). */
export function httpAndWsBase(raw: string, label: string): { http: string; ws: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('CONFIG_INVALID', `${label} baseUrl "${raw.slice(0, 100)}" is not a URL.`);
  }
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  if (!['https:', 'http:', 'wss:', 'ws:'].includes(url.protocol)) throw new ConfigError('CONFIG_INVALID', `${label} baseUrl must be http(s) or ws(s).`);
  const rest = `${url.host}${url.pathname}`.replace(/\/+$/, '');
  return { http: `${secure ? 'https' : 'http'}://${rest}`, ws: `${secure ? 'wss' : 'ws'}://${rest}` };
}
