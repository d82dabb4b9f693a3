/**
 * Cartesia TTS WebSocket messages (https://docs.cartesia.ai/api-reference/tts/websocket).
 * Client: a generation request `{model_id, transcript, voice:{mode:"id", id}, language,
 * output_format:{container:"raw", encoding, sample_rate}, context_id, continue,
 * add_timestamps}`; further inputs on the context keep every field but `transcript` and
 * `continue`; an empty transcript with `continue:false` ends it; `{context_id, cancel:true}`
 * cancels. Server: `{type:"chunk", data (base64), context_id}`, `{type:"timestamps",
 * word_timestamps:{words, start, end}}`, `{type:"done"}`, `{type:"error", status_code,
 * error_code?, title?, message? | error}`.
 */
import { failureError } from '../net/failure.js';
import { parseJsonBody } from '../net/json-body.js';
import type { TtsWire, TtsWireEvent } from '../tts-mux/wire.js';
import type { AudioSpec } from '../types.js';
import { ProviderError } from '../../errors.js';
import { CARTESIA, type CartesiaConfig } from './options.js';

/** Cartesia's raw output format for an audio spec (no transcoding either way). */
export function cartesiaFormat(spec: AudioSpec): { container: 'raw'; encoding: 'pcm_mulaw' | 'pcm_s16le'; sample_rate: number } {
  return { container: 'raw', encoding: spec.encoding === 'mulaw' ? 'pcm_mulaw' : 'pcm_s16le', sample_rate: spec.sampleRate };
}

/** The wire adapter for one session. */
export function cartesiaWire(c: CartesiaConfig, voiceId: string, spec: AudioSpec): TtsWire {
  const request = (id: string, transcript: string, more: boolean): string =>
    JSON.stringify({
      model_id: c.modelId,
      transcript,
      voice: { mode: 'id', id: voiceId },
      language: c.language,
      output_format: cartesiaFormat(spec),
      context_id: id,
      continue: more,
      add_timestamps: c.timestamps,
      ...(c.maxBufferDelayMs === undefined ? {} : { max_buffer_delay_ms: c.maxBufferDelayMs }),
    });
  return {
    open: (id, text) => [request(id, text, true)],
    append: (id, text) => [request(id, text, true)],
    end: (id) => [request(id, '', false)],
    cancel: (id) => [JSON.stringify({ context_id: id, cancel: true })],
    keepAlive: () => [],
    closeSocket: () => [],
    parse: (data) => parseCartesia(data, c.apiKey),
    closeError: cartesiaCloseError,
  };
}

function parseCartesia(data: string, secret: string): TtsWireEvent[] {
  const m = parseJsonBody(data);
  const context = typeof m.context_id === 'string' ? m.context_id : undefined;
  switch (m.type) {
    case 'chunk':
      if (context === undefined || typeof m.data !== 'string') return [{ type: 'ignore' }];
      return [{ type: 'audio', context, bytes: Buffer.from(m.data, 'base64') }];
    case 'timestamps': {
      const wt = m.word_timestamps as { words?: unknown; end?: unknown } | undefined;
      if (context === undefined || !Array.isArray(wt?.words) || !Array.isArray(wt?.end)) return [{ type: 'ignore' }];
      const ends = wt.end as unknown[];
      const words = wt.words.flatMap((w, i) => (typeof w === 'string' && typeof ends[i] === 'number' ? [{ word: w, endMs: (ends[i] as number) * 1000 }] : []));
      return [{ type: 'words', context, words }];
    }
    case 'done':
      return context === undefined ? [{ type: 'ignore' }] : [{ type: 'done', context }];
    case 'error': {
      const status = typeof m.status_code === 'number' ? m.status_code : 500;
      const message = typeof m.message === 'string' ? m.message : typeof m.error === 'string' ? m.error : typeof m.title === 'string' ? m.title : 'error';
      const error = failureError(
        CARTESIA,
        { status, vendorCode: typeof m.error_code === 'string' ? m.error_code : undefined, vendorMessage: message },
        { what: 'a generation', secret },
      );
      return [{ type: 'error', context, error }];
    }
    default:
      return [{ type: 'ignore' }];
  }
}

function cartesiaCloseError(code: number, reason: string): ProviderError {
  const r = reason.slice(0, 200);
  if (code === 1008 && /api[ _-]?key|unauthori[sz]ed|authenticat/i.test(r)) {
    return new ProviderError('PROVIDER_AUTH_FAILED', CARTESIA.id, `CARTESIA_API_KEY was rejected by Cartesia (${r}): check the key.`, {
      details: { closeCode: code, envVar: CARTESIA.envVar },
    });
  }
  return new ProviderError('PROVIDER_DISCONNECTED', CARTESIA.id, `Cartesia closed the socket (${code}${r === '' ? '' : ` ${r}`}); reconnecting.`, { details: { closeCode: code } });
}

/** Cartesia's HTTP error body: `{error_code, title, message, request_id}` (2026 API) or plain text. */
export function describeCartesiaError(_status: number, body: string): { vendorCode?: string; vendorMessage?: string; requestId?: string } {
  const j = parseJsonBody(body);
  if (typeof j.message === 'string' || typeof j.title === 'string') {
    return {
      vendorCode: typeof j.error_code === 'string' ? j.error_code : undefined,
      vendorMessage: typeof j.message === 'string' ? j.message : (j.title as string),
      requestId: typeof j.request_id === 'string' ? j.request_id : undefined,
    };
  }
  if (typeof j.error === 'string') return { vendorMessage: j.error };
  return { vendorMessage: body.slice(0, 200) };
}
