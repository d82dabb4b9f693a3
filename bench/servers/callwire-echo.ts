/**
 * callwire under test: the full stack (signature-free upgrade gate, CallStream parsing and
 * validation, inbound decode, the echo agent through the paced Player) with the probe route.
 * `AGENT=builtin` serves the built-in agent instead (VAD turn-taking, flite voice).
 */
import { builtinAgent } from '../../src/agent/builtin.js';
import { echoHandler } from '../../src/stream/echo.js';
import { createServer } from '../../src/server/server.js';
import { announce, serveProbe } from './probe.js';

const server = createServer({
  onStream: process.env.AGENT === 'builtin' ? undefined : echoHandler,
  agent: process.env.AGENT === 'builtin' ? builtinAgent() : undefined,
  limits: { maxStreams: 5000, upgradeBurst: 5000, upgradesPerSecond: 5000 },
  insecure: true,
});
server.route((req, res) => serveProbe(req, res));
const { port } = await server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
announce(port);
