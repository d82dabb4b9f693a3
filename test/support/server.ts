// Start a real callwire server on a loopback port for a test.
import { type CallwireServer, createServer } from '../../src/server/server.js';
import type { ServerOptions } from '../../src/server/options.js';

export interface TestServer {
  readonly server: CallwireServer;
  readonly port: number;
  /** http://127.0.0.1:port */
  readonly http: string;
  /** ws://127.0.0.1:port/plivo/stream */
  readonly streamUrl: string;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const server = createServer(options);
  const { port } = await server.listen(0, '127.0.0.1');
  return {
    server,
    port,
    http: `http://127.0.0.1:${port}`,
    streamUrl: `ws://127.0.0.1:${port}/plivo/stream`,
    close: async () => {
      await server.close();
    },
  };
}
