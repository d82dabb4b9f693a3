/**
 * Sarvam streaming TTS over WebSocket `/text-to-speech/ws?model&send_completion_event=true`,
 * as the mux session's wire. Sources: https://docs.sarvam.ai/api-reference-docs/text-to-speech/stream
 * and Pipecat's Sarvam client (pipecat-ai/pipecat src/pipecat/services/sarvam/tts.py), which
 * follow the same protocol: a `{"type":"config","data":{target_language_code, speaker,
 * speech_sample_rate, output_audio_codec, model, ...}}` message first on each socket, then
 * `{"type":"text","data":{"text"}}`, `{"type":"flush"}` to synthesise what was sent, and
 * `{"type":"ping"}` to keep the socket; the server answers `{"type":"audio","data":{"audio":
 * <base64>, "request_id"}}` chunks, `{"type":"event","data":{"event_type":"final"}}` when the
 * flushed text is spoken (with send_completion_event=true), and `{"type":"error","data":
 * {"message"}}`. Sarvam documents no message that cancels synthesis in progress: barge-in
 * stops listening to the segment, and its remaining audio (up to its `final`) is dropped. One
 * segment runs at a time (maxContexts 1); audio carries no context id.
 */
import { ProviderError } from '../../errors.js';
import type { TtsWire, TtsWireEvent } from '../tts-mux/wire.js';

const SARVAM = 'sarvam';

/** The config message's settings. */
export interface SarvamTtsWireConfig {
  readonly model: string;
  readonly language: string;
  readonly speaker: string;
  readonly sampleRate: number;
  readonly pace?: number;
}

/** The wire of one session (state: the segment on the socket, cancelled ones still finishing). */
export function sarvamTtsWire(c: SarvamTtsWireConfig): TtsWire {
  let current: string | undefined;
  // Segments flushed and then cancelled whose `final` has not arrived: their audio comes first.
  let draining = 0;
  let flushed = false;
  const config = JSON.stringify({
    type: 'config',
    data: {
      target_language_code: c.language,
      speaker: c.speaker,
      speech_sample_rate: String(c.sampleRate),
      output_audio_codec: 'linear16',
      model: c.model,
      ...(c.pace === undefined ? {} : { pace: c.pace }),
    },
  });
  const text = (t: string): string => JSON.stringify({ type: 'text', data: { text: t } });
  return {
    open(id, t, firstOnSocket) {
      if (firstOnSocket) draining = 0;
      current = id;
      flushed = false;
      return firstOnSocket ? [config, text(t)] : [text(t)];
    },
    append: (_id, t) => [text(t)],
    end: () => {
      flushed = true;
      return [JSON.stringify({ type: 'flush' })];
    },
    cancel(id) {
      if (id !== current) return [];
      current = undefined;
      // Text sent but never flushed is flushed now, so its `final` arrives and ends the drain.
      if (!flushed) {
        draining++;
        return [JSON.stringify({ type: 'flush' })];
      }
      draining++;
      return [];
    },
    keepAlive: () => [JSON.stringify({ type: 'ping' })],
    closeSocket: () => [],
    parse(data): TtsWireEvent[] {
      let m: { type?: unknown; data?: Record<string, unknown> };
      try {
        m = JSON.parse(data) as typeof m;
      } catch {
        return [{ type: 'ignore' }];
      }
      const d = m.data ?? {};
      switch (m.type) {
        case 'audio': {
          if (draining > 0 || current === undefined || typeof d.audio !== 'string') return [{ type: 'ignore' }];
          return [{ type: 'audio', context: current, bytes: new Uint8Array(Buffer.from(d.audio, 'base64')) }];
        }
        case 'event': {
          if (d.event_type !== 'final') return [{ type: 'ignore' }];
          if (draining > 0) {
            draining--;
            return [{ type: 'ignore' }];
          }
          const id = current;
          current = undefined;
          return id === undefined ? [{ type: 'ignore' }] : [{ type: 'done', context: id }];
        }
        case 'error':
          return [{ type: 'error', context: current, error: new ProviderError('PROVIDER_BAD_REQUEST', SARVAM, `Sarvam TTS error: ${String(d.message ?? 'unknown').slice(0, 200)}`) }];
        default:
          return [{ type: 'ignore' }];
      }
    },
    closeError(code, reason) {
      // 1008: the server rejected a message (policy); anything else is a drop worth a reconnect.
      if (code === 1008) return new ProviderError('PROVIDER_BAD_REQUEST', SARVAM, `Sarvam TTS closed the socket (1008 ${reason.slice(0, 120)}).`);
      return new ProviderError('PROVIDER_DISCONNECTED', SARVAM, `Sarvam TTS socket closed (${code}${reason ? ` ${reason.slice(0, 120)}` : ''}).`);
    },
  };
}
