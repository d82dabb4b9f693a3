/**
 * Baseline: an app written the way Plivo's own Node stream SDK works
 * (plivo/plivo-stream-sdk-node): every inbound frame is schema-validated with zod (uuids,
 * numbers, the message union) before the handler sees it, and audio is sent unpaced as soon
 * as it is produced. Here the handler echoes media back, like the other servers.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import { announce, serveProbe } from './probe.js';

// The SDK's message schemas, in the same spirit (src/types.ts of plivo-stream-sdk-node).
const Start = z.object({
  event: z.literal('start'),
  sequenceNumber: z.number(),
  start: z.object({
    callId: z.string().uuid(),
    streamId: z.string().uuid(),
    accountId: z.string(),
    tracks: z.array(z.string()),
    mediaFormat: z.object({ encoding: z.string(), sampleRate: z.number() }),
  }),
  extra_headers: z.string(),
});
const Media = z.object({
  event: z.literal('media'),
  sequenceNumber: z.number(),
  streamId: z.string().uuid(),
  media: z.object({ track: z.string(), timestamp: z.string(), chunk: z.number(), payload: z.string() }),
  extra_headers: z.string(),
});
const Dtmf = z.object({ event: z.literal('dtmf'), sequenceNumber: z.number(), streamId: z.string().uuid(), dtmf: z.object({ track: z.string(), digit: z.string(), timestamp: z.string() }), extra_headers: z.string() });
const Played = z.object({ event: z.literal('playedStream'), sequenceNumber: z.number(), streamId: z.string().uuid(), name: z.string() });
const Cleared = z.object({ event: z.literal('clearedAudio'), sequenceNumber: z.number(), streamId: z.string().uuid() });
const Inbound = z.discriminatedUnion('event', [Start, Media, Dtmf, Played, Cleared]);

const http = createServer((req, res) => {
  if (!serveProbe(req, res)) {
    res.statusCode = 404;
    res.end();
  }
});
const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const parsed = Inbound.safeParse(JSON.parse(data.toString()));
    if (!parsed.success) return;
    const m = parsed.data;
    if (m.event === 'media') {
      // The SDK's playAudio(ws, contentType, sampleRate, buffer): base64 of the bytes, JSON.stringify.
      const audio = Buffer.from(m.media.payload, 'base64');
      ws.send(JSON.stringify({ event: 'playAudio', media: { contentType: 'audio/x-mulaw', sampleRate: 8000, payload: audio.toString('base64') } }));
    }
  });
});
http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => announce((http.address() as { port: number }).port));
