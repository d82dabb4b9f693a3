// A scripted app for latency tests: it collects the caller's utterance and, after
// `replyAfterSilenceMs` of caller silence, plays it back (all at once, or paced at real
// time with an optional hole in the middle), then sends a checkpoint. With `clearOnSpeech`
// it answers caller speech during its reply with clearAudio (barge-in support).
import { peak, wireToPcm } from '../../src/audio/index.js';
import { checkpoint, clearAudio, playAudio, serializeOutbound, type StreamFormat, streamFormat } from '../../src/protocol/index.js';
import type { AppStream } from './fake-app.js';

export interface ParrotOptions {
  format?: string;
  replyAfterSilenceMs?: number;
  clearOnSpeech?: boolean;
  /** Send 20 ms frames at real time instead of one message. */
  paced?: boolean;
  /** With `paced`: stop sending for this long halfway through. */
  holeMs?: number;
}

export interface Parrot {
  /** Replies sent so far. */
  readonly replies: number;
  /** clearAudio messages sent. */
  readonly clears: number;
}

export function parrot(s: AppStream, options: ParrotOptions = {}): Parrot {
  const format: StreamFormat = streamFormat(options.format ?? 'mulaw/8000');
  const quietFrames = Math.ceil((options.replyAfterSilenceMs ?? 300) / 20);
  let utterance: Uint8Array[] = [];
  let quiet = 0;
  let speaking = false;
  let replyingUntil = 0;
  let pacer: NodeJS.Timeout | undefined;
  const state = { replies: 0, clears: 0 };

  const reply = (frames: Uint8Array[]): void => {
    state.replies++;
    const name = `reply-${state.replies}`;
    replyingUntil = Date.now() + frames.length * 20 + 200;
    if (!options.paced) {
      s.send(serializeOutbound(playAudio(format, Buffer.concat(frames))));
      s.send(serializeOutbound(checkpoint(s.streamId, name)));
      return;
    }
    // Paced like a real server: a drift-corrected schedule 100 ms ahead of real time, so
    // only the deliberate hole can starve the caller's playout.
    let i = 0;
    let base = Date.now() - 100;
    let hole = options.holeMs ?? 0;
    const half = Math.floor(frames.length / 2);
    const tick = (): void => {
      while (i < frames.length && base + i * 20 <= Date.now()) {
        if (i === half && hole > 0) {
          base += hole;
          hole = 0;
          break;
        }
        s.send(serializeOutbound(playAudio(format, frames[i++] as Uint8Array)));
      }
      if (i === frames.length) {
        s.send(serializeOutbound(checkpoint(s.streamId, name)));
        return;
      }
      pacer = setTimeout(tick, Math.max(1, base + i * 20 - Date.now()));
    };
    tick();
  };

  s.ws.on('close', () => clearTimeout(pacer));
  s.ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { event: string; media?: { payload: string } };
    if (m.event !== 'media' || m.media === undefined) return;
    const wire = Buffer.from(m.media.payload, 'base64');
    const loud = peak(wireToPcm(format, wire)) > 1000;
    if (loud && options.clearOnSpeech && Date.now() < replyingUntil) {
      clearTimeout(pacer);
      replyingUntil = 0;
      state.clears++;
      s.send(serializeOutbound(clearAudio(s.streamId)));
    }
    if (loud) {
      speaking = true;
      quiet = 0;
    } else if (speaking) quiet++;
    if (speaking) utterance.push(wire);
    if (speaking && quiet >= quietFrames) {
      const frames = utterance.slice(0, utterance.length - quiet);
      utterance = [];
      speaking = false;
      quiet = 0;
      reply(frames);
    }
  });
  return state;
}
