// Small Plivo stream servers written from scratch for the doctor's round-2 faults (issue 18):
// plain node:http + ws, Plivo's JSON by hand, nothing from callwire's server or agent. Each
// one greets with real speech (flite), answers a caller who spoke with a short phrase, paces
// its audio in real time and sends a checkpoint after each reply. One `fault` breaks one
// thing, the way real apps get it wrong:
//   double-rate    speech made at 8 kHz, declared and paced as L16 16 kHz (plays fast, high)
//   late-greeting  the greeting comes `greetDelayMs` after start (past the doctor's wait)
//   crash-1011     the handler "crashes": close 1011 with an error text `crashAfterMs` after start
//   hears-itself   audioTrack="both", and the bot's speech detector takes every track as the
//                  caller's: it hears its own voice, stops itself (clearAudio) and replies
//   answers-itself the same without barge-in: it answers its own greeting, then each answer
//                  of its own, before the caller has said anything
// plus `startOfflineTunnel`: a tunnel edge whose tunnel is gone (ngrok ERR_NGROK_3200,
// Cloudflare 530 / error 1033), answering every request and upgrade with its error page.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { decodeMulaw, encodeMulaw, l16ToPcm, pcmToL16 } from '../../src/audio/index.js';
import { resampleAll, synthesizeSpeech } from '../../src/providers/flite/synthesize.js';

export type BrokenFault = 'none' | 'double-rate' | 'late-greeting' | 'crash-1011' | 'hears-itself' | 'answers-itself';

export interface BrokenServerOptions {
  fault?: BrokenFault;
  /** late-greeting: ms from start to the greeting (default 1800). */
  greetDelayMs?: number;
  /** crash-1011: ms from start to the crash (default 1000). */
  crashAfterMs?: number;
}

export interface BrokenServer {
  readonly answerUrl: string;
  readonly streamUrl: string;
  close(): Promise<void>;
}

const GREETING = 'Hello, you have reached the order line.';
const REPLY = 'Yes, I can hear you.';
const LEAD_FRAMES = 3;
// Caller quiet (ms) that ends a caller turn; the self-hearing bot waits longer, as VADs do.
const TURN_QUIET_MS = 400;
const SELF_TURN_QUIET_MS = 1000;
const SELF_ANSWER_QUIET_MS = 800;
const LOUD_PEAK = 1000;

const speech = new Map<string, Promise<Int16Array>>();

/** `text` in flite's male voice at 8 or 16 kHz (cached per process). */
function say(text: string, rate: 8000 | 16000): Promise<Int16Array> {
  const key = `${rate}:${text}`;
  let hit = speech.get(key);
  if (hit === undefined) {
    // 'kal' is flite's native 8 kHz voice: what an 8 kHz TTS hands back.
    hit = rate === 8000 ? synthesizeSpeech(text, { voice: 'kal' }).then((s) => s.samples) : synthesizeSpeech(text, { voice: 'kal16', sampleRate: 16000 }).then((s) => s.samples);
    speech.set(key, hit);
  }
  return hit;
}

function peakOf(pcm: Int16Array): number {
  let p = 0;
  for (const v of pcm) p = Math.max(p, Math.abs(v));
  return p;
}

interface Wire {
  readonly contentType: 'audio/x-mulaw' | 'audio/x-l16';
  readonly sampleRate: 8000 | 16000;
  readonly frameBytes: number;
  encode(pcm: Int16Array): Uint8Array;
  decode(bytes: Uint8Array): Int16Array;
}

const MULAW8K: Wire = { contentType: 'audio/x-mulaw', sampleRate: 8000, frameBytes: 160, encode: encodeMulaw, decode: decodeMulaw };
const L16_16K: Wire = { contentType: 'audio/x-l16', sampleRate: 16000, frameBytes: 640, encode: pcmToL16, decode: l16ToPcm };

/** One stream: a paced outbound queue, a crude speech detector, the fault's behaviour. */
function onStream(ws: WebSocket, o: Required<BrokenServerOptions>, wire: Wire): void {
  const queue: (Uint8Array | string)[] = [];
  let timer: NodeJS.Timeout | undefined;
  let streamId = '';
  let replies = 0;
  let heard = 0; // loud frames in the current turn
  let quietMs = 0;
  const timers: NodeJS.Timeout[] = [];
  const send = (m: object): void => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
  };
  const tick = (): void => {
    for (;;) {
      const next = queue.shift();
      if (next === undefined || ws.readyState !== WebSocket.OPEN) {
        clearInterval(timer);
        timer = undefined;
        return;
      }
      if (typeof next === 'string') {
        send({ event: 'checkpoint', streamId, name: next });
        continue;
      }
      send({ event: 'playAudio', media: { contentType: wire.contentType, sampleRate: wire.sampleRate, payload: Buffer.from(next).toString('base64') } });
      return;
    }
  };
  const play = async (text: string): Promise<void> => {
    // The rate bug: 8 kHz samples go out untouched as the declared 16 kHz.
    const pcm = o.fault === 'double-rate' ? await say(text, 8000) : resampleAll(await say(text, 16000), 16000, wire.sampleRate);
    const bytes = wire.encode(pcm);
    for (let off = 0; off < bytes.length; off += wire.frameBytes) queue.push(bytes.subarray(off, off + wire.frameBytes));
    queue.push(`said-${++replies}`);
    if (timer === undefined) {
      for (let i = 0; i < LEAD_FRAMES; i++) tick();
      timer = setInterval(tick, 20);
    }
  };
  const playing = (): boolean => queue.some((q) => typeof q !== 'string');
  const heardFrame = (pcm: Int16Array): void => {
    const loud = peakOf(pcm) > LOUD_PEAK;
    if (loud) {
      heard++;
      quietMs = 0;
      // Barge-in: whoever it heard, the bot stops talking (the late greeter has none: its
      // greeting plays out over the caller, as in simple bots).
      if (heard === 5 && playing() && o.fault !== 'late-greeting' && o.fault !== 'answers-itself') {
        queue.length = 0;
        send({ event: 'clearAudio', streamId });
      }
      return;
    }
    if (heard === 0) return;
    quietMs += 20;
    if (quietMs >= (o.fault === 'hears-itself' ? SELF_TURN_QUIET_MS : o.fault === 'answers-itself' ? SELF_ANSWER_QUIET_MS : TURN_QUIET_MS)) {
      const turn = heard;
      heard = 0;
      quietMs = 0;
      if (turn >= 10) void play(REPLY);
    }
  };
  ws.on('error', () => {});
  ws.on('close', () => {
    clearInterval(timer);
    for (const t of timers) clearTimeout(t);
  });
  ws.on('message', (data) => {
    let m: { event?: string; start?: { streamId?: string }; media?: { track?: string; payload?: string } };
    try {
      m = JSON.parse(String(data)) as typeof m;
    } catch {
      return;
    }
    if (m.event === 'start') {
      streamId = m.start?.streamId ?? '';
      if (o.fault === 'late-greeting') timers.push(setTimeout(() => void play(GREETING), o.greetDelayMs));
      else void play(GREETING);
      if (o.fault === 'crash-1011') timers.push(setTimeout(() => ws.close(1011, "TypeError: Cannot read properties of undefined (reading 'text')"), o.crashAfterMs));
    } else if (m.event === 'media' && m.media?.payload !== undefined) {
      // The self-hearing bot takes every track as the caller; a correct one only the inbound track.
      const hearsAll = o.fault === 'hears-itself' || o.fault === 'answers-itself';
      if (m.media.track !== 'inbound' && !hearsAll) return;
      heardFrame(wire.decode(new Uint8Array(Buffer.from(m.media.payload, 'base64'))));
    }
  });
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function closer(server: Server, wss?: WebSocketServer): () => Promise<void> {
  return async () => {
    for (const c of wss?.clients ?? []) c.terminate();
    wss?.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

/** Start a stream server with one fault (or none). */
export async function startBrokenServer(options: BrokenServerOptions = {}): Promise<BrokenServer> {
  const o: Required<BrokenServerOptions> = { fault: options.fault ?? 'none', greetDelayMs: options.greetDelayMs ?? 1800, crashAfterMs: options.crashAfterMs ?? 1000 };
  const wire = o.fault === 'double-rate' ? L16_16K : MULAW8K;
  // Synthesize before listening, so the server's timing is its fault's and not flite's warm-up.
  await Promise.all([GREETING, REPLY].map((t) => say(t, o.fault === 'double-rate' ? 8000 : 16000)));
  let host = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    if (req.url?.startsWith('/status') === true) {
      res.writeHead(200).end('ok');
      return;
    }
    if (req.url?.startsWith('/answer') !== true) {
      res.writeHead(404).end();
      return;
    }
    const track = o.fault === 'hears-itself' || o.fault === 'answers-itself' ? 'both' : 'inbound';
    const type = wire.contentType === 'audio/x-l16' ? 'audio/x-l16;rate=16000' : 'audio/x-mulaw;rate=8000';
    res.writeHead(200, { 'content-type': 'application/xml' }).end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Stream bidirectional="true" keepCallAlive="true" audioTrack="${track}" contentType="${type}" statusCallbackUrl="http://${host}/status">ws://${host}/stream</Stream></Response>`,
    );
  });
  const wss = new WebSocketServer({ server, path: '/stream' });
  wss.on('connection', (ws) => onStream(ws, o, wire));
  const pings = setInterval(() => {
    for (const c of wss.clients) c.ping();
  }, 1000);
  host = await listen(server);
  const close = closer(server, wss);
  return {
    answerUrl: `http://${host}/answer`,
    streamUrl: `ws://${host}/stream`,
    close: async () => {
      clearInterval(pings);
      await close();
    },
  };
}

/**
 * A tunnel edge whose tunnel is offline. ngrok answers every request for an offline endpoint
 * with 404, the header `ngrok-error-code: ERR_NGROK_3200` and an error page naming the code
 * (https://ngrok.com/docs/errors: "ERR_NGROK_3200 Tunnel not found"); Cloudflare answers
 * 530 with its error 1033 page ("Cloudflare Tunnel error": no cloudflared connected;
 * https://developers.cloudflare.com/support/troubleshooting/cloudflare-errors/troubleshooting-cloudflare-1xxx-errors/).
 * The pages here are written for the test: only their status, header and code are the real ones.
 */
export async function startOfflineTunnel(kind: 'ngrok' | 'cloudflare'): Promise<BrokenServer> {
  const page =
    kind === 'ngrok'
      ? { status: '404 Not Found', headers: 'ngrok-error-code: ERR_NGROK_3200\r\n', body: '<!DOCTYPE html><html><body><p>The endpoint abc123.ngrok-free.app is offline.</p><p>ERR_NGROK_3200</p></body></html>' }
      : { status: '530 <none>', headers: 'server: cloudflare\r\ncf-ray: 8c0000000000abcd-AMS\r\n', body: '<!DOCTYPE html><html><head><title>Cloudflare Tunnel error | agent.example.com | Cloudflare</title></head><body><h1>Error 1033</h1><h2>Cloudflare Tunnel error</h2></body></html>' };
  const raw = `HTTP/1.1 ${page.status}\r\n${page.headers}content-type: text/html\r\ncontent-length: ${Buffer.byteLength(page.body)}\r\nconnection: close\r\n\r\n${page.body}`;
  const server = createServer((req, res) => {
    req.resume();
    res.socket?.end(raw);
  });
  server.on('upgrade', (_req, socket) => socket.end(raw));
  const host = await listen(server);
  return { answerUrl: `http://${host}/answer`, streamUrl: `ws://${host}/stream`, close: closer(server) };
}
