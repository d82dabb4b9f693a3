/**
 * Deepgram Aura streaming TTS over WebSocket `/v1/speak`, as the mux session's wire
 * (https://developers.deepgram.com/docs/streaming-text-to-speech, .../docs/tts-ws-flush,
 * .../docs/tts-ws-clear): text goes out as `{"type":"Speak","text"}`, `{"type":"Flush"}` asks
 * for the audio of what was sent and is confirmed by `{"type":"Flushed","sequence_id"}`,
 * `{"type":"Clear"}` drops it (barge-in), confirmed by `Cleared`, and `{"type":"Close"}` ends
 * the socket. Audio comes back as binary frames in the requested encoding, with no context id:
 * one segment runs at a time (maxContexts 1), so audio belongs to the open segment, and audio
 * still arriving between a Clear and its Cleared belongs to the cleared one and is dropped.
 */
import { ProviderError } from '../../errors.js';
import type { TtsWire, TtsWireEvent } from '../tts-mux/wire.js';

const AURA = 'deepgram-aura';

/** The wire of one session (state: the segment on the socket, Clears not yet confirmed). */
export function auraWire(): TtsWire {
  let current: string | undefined;
  let clearing = 0;
  const speak = (text: string): string => JSON.stringify({ type: 'Speak', text });
  return {
    open(id, text, firstOnSocket) {
      if (firstOnSocket) clearing = 0;
      current = id;
      return [speak(text)];
    },
    append: (_id, text) => [speak(text)],
    end: () => [JSON.stringify({ type: 'Flush' })],
    cancel(id) {
      if (id !== current) return [];
      current = undefined;
      clearing++;
      return [JSON.stringify({ type: 'Clear' })];
    },
    keepAlive: () => [],
    closeSocket: () => [JSON.stringify({ type: 'Close' })],
    parse(data): TtsWireEvent[] {
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(data) as Record<string, unknown>;
      } catch {
        return [{ type: 'ignore' }];
      }
      switch (m.type) {
        case 'Flushed': {
          const id = current;
          current = undefined;
          return id === undefined ? [{ type: 'ignore' }] : [{ type: 'done', context: id }];
        }
        case 'Cleared':
          clearing = Math.max(0, clearing - 1);
          return [{ type: 'ignore' }];
        case 'Error':
          return [{ type: 'error', context: current, error: new ProviderError('PROVIDER_BAD_REQUEST', AURA, `Deepgram Aura error: ${String(m.description ?? m.err_msg ?? 'unknown').slice(0, 200)}`) }];
        default:
          // Metadata, Warning (e.g. the flush rate limit) and unknown types.
          return [{ type: 'ignore' }];
      }
    },
    parseBinary(bytes): TtsWireEvent[] {
      if (clearing > 0 || current === undefined) return [{ type: 'ignore' }];
      return [{ type: 'audio', context: current, bytes }];
    },
    closeError(code, reason) {
      // 1008: the server rejected a message (policy); anything else is a drop worth a reconnect.
      if (code === 1008) return new ProviderError('PROVIDER_BAD_REQUEST', AURA, `Deepgram Aura closed the socket (1008 ${reason.slice(0, 120)}).`);
      return new ProviderError('PROVIDER_DISCONNECTED', AURA, `Deepgram Aura socket closed (${code}${reason ? ` ${reason.slice(0, 120)}` : ''}).`);
    },
  };
}
