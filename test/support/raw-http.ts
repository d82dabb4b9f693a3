// Plain HTTP requests with headers fetch() will not send as given (a forged Host, a browser's
// Origin), from a chosen local address (127.0.0.2 is another client on the same machine).
import { request } from 'node:http';

/** A response: status, headers and the body as text. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One request to `url` with exactly these headers (Host included when given). */
export function rawRequest(url: string, o: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string; headersOnly?: boolean } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers, localAddress: o.localAddress, agent: false }, (res) => {
      // A live feed never ends: its status and headers are the answer.
      if (o.headersOnly === true) {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
        res.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}
