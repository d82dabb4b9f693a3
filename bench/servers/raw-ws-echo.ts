/**
 * Baseline: the ceiling. A minimal `ws` server that answers each Plivo `media` frame with a
 * `playAudio` carrying the same payload, straight away: JSON.parse, a template string, send.
 * No validation, no pacing, no checkpoints.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { announce, serveProbe } from './probe.js';

const http = createServer((req, res) => {
  if (!serveProbe(req, res)) {
    res.statusCode = 404;
    res.end();
  }
});
const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as { event?: string; media?: { payload?: string } };
    if (m.event === 'media' && m.media?.payload) {
      ws.send(`{"event":"playAudio","media":{"contentType":"audio/x-mulaw","sampleRate":8000,"payload":"${m.media.payload}"}}`);
    }
  });
});
http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => announce((http.address() as { port: number }).port));
