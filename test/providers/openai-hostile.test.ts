// An OpenAI-compatible endpoint that misbehaves on the wire (a buggy self-hosted server or a
// hostile proxy): the client must end with a coded ProviderError and bounded memory, never a
// TypeError or a heap that grows with whatever the server sends.
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAiLlm } from '../../src/providers/openai/llm.js';
import { collect, rejectionOf } from '../support/async.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** Serve `/v1/models` and `/v1/chat/completions` with the given handlers. */
async function serve(models: string, chat: (res: import('node:http').ServerResponse) => void): Promise<string> {
  const srv = createServer((req, res) => {
    req.resume();
    if (req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(models);
      return;
    }
    req.on('end', () => chat(res));
  });
  server = srv;
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(srv.address() as AddressInfo).port}/v1`;
}

const client = (baseUrl: string) => new OpenAiLlm({ model: 'gpt-4o-mini', baseUrl, apiKey: 'sk-test', env: {}, retry: { attempts: 2, baseDelayMs: 5, random: () => 0 } });

describe('OpenAiLlm against a misbehaving server', () => {
  it('a model list with null and primitive entries: the real models are still found', async () => {
    const base = await serve('{"data":[null,5,"gpt-4o-mini",{"id":7},{"id":"gpt-4o-mini"}]}', (res) => res.end());
    await client(base).verify(new AbortController().signal);
    const err = await rejectionOf(new OpenAiLlm({ model: 'gpt-9', baseUrl: base, apiKey: 'sk-test', env: {} }).verify(new AbortController().signal));
    expect(err.code).toBe('PROVIDER_BAD_REQUEST');
  });

  it('data lines that never end their event: PROVIDER_PROTOCOL once the event passes its limit, not an ever-growing buffer', async () => {
    let sent = 0;
    const base = await serve('{"data":[{"id":"gpt-4o-mini"}]}', (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const line = `data: ${'x'.repeat(1000)}\n`;
      // 64 MB if nobody stops it; the client should hang up after about 4 MB.
      const write = (): void => {
        while (sent < 64_000 && !res.destroyed) {
          sent++;
          if (!res.write(line)) return void res.once('drain', write);
        }
        res.end();
      };
      res.on('close', () => (sent = 1e9));
      write();
    });
    const err = await rejectionOf(collect(client(base).chat({ messages: [{ role: 'user', content: 'hi' }], signal: new AbortController().signal })));
    expect(err.code).toBe('PROVIDER_PROTOCOL');
    expect(err.message).toMatch(/SSE event longer than/);
  });
});
