/**
 * ElevenLabs multi-context WebSocket messages (AsyncAPI in
 * https://elevenlabs.io/docs/api-reference/text-to-speech/v-1-text-to-speech-voice-id-multi-stream-input).
 * Client: a context starts with `{text:" ", context_id, voice_settings?, generation_config?}`,
 * text follows as `{text, context_id}`, `{context_id, flush:true}` generates what is buffered,
 * `{context_id, close_context:true}` ends it, `{close_socket:true}` ends all. Server:
 * `{audio (base64), alignment?, contextId}` and `{isFinal:true, contextId}` (note camelCase).
 * Errors close the socket with 1008 and a reason.
 */
import { ProviderError } from '../../errors.js';
import { parseJsonBody } from '../net/json-body.js';
import type { TtsWire, TtsWireEvent } from '../tts-mux/wire.js';
import { ELEVENLABS, type ElevenLabsConfig } from './options.js';

/** The wire adapter for one session. */
export function elevenLabsWire(c: ElevenLabsConfig): TtsWire {
  const init = (id: string, first: boolean): string => {
    const msg: Record<string, unknown> = { text: ' ', context_id: id };
    // voice_settings only in the socket's first message: ElevenLabs rejects later changes with
    // 1008 (pipecat-ai/pipecat#4541).
    if (first && c.voiceSettings !== undefined) msg.voice_settings = c.voiceSettings;
    if (c.chunkLengthSchedule !== undefined) msg.generation_config = { chunk_length_schedule: c.chunkLengthSchedule };
    return JSON.stringify(msg);
  };
  const text = (id: string, t: string): string => JSON.stringify({ text: t, context_id: id });
  return {
    open: (id, t, first) => [init(id, first), text(id, t)],
    append: (id, t) => [text(id, t)],
    end: (id) => [JSON.stringify({ context_id: id, flush: true }), JSON.stringify({ context_id: id, close_context: true })],
    cancel: (id) => [JSON.stringify({ context_id: id, close_context: true })],
    keepAlive: (waiting) => (waiting.length === 0 ? [JSON.stringify({ text: '' })] : waiting.map((id) => JSON.stringify({ text: '', context_id: id }))),
    closeSocket: () => [JSON.stringify({ close_socket: true })],
    parse: parseElevenLabs,
    closeError: elevenLabsCloseError,
  };
}

function parseElevenLabs(data: string): TtsWireEvent[] {
  const m = parseJsonBody(data);
  const context = typeof m.contextId === 'string' ? m.contextId : typeof m.context_id === 'string' ? m.context_id : 'default';
  const out: TtsWireEvent[] = [];
  if (typeof m.audio === 'string' && m.audio !== '') {
    // Prefer the alignment of the text as sent (not the normalised one) for mapping back to it.
    const align = (m.alignment ?? m.normalizedAlignment) as { chars?: unknown; charStartTimesMs?: unknown; charDurationsMs?: unknown } | null | undefined;
    const list = Array.isArray(align?.chars) ? align.chars.filter((x): x is string => typeof x === 'string') : undefined;
    const starts = align?.charStartTimesMs;
    const durations = align?.charDurationsMs;
    const charEndsMs =
      list !== undefined && Array.isArray(starts) && Array.isArray(durations) && starts.length === list.length && durations.length === list.length
        ? starts.map((st, i) => Number(st) + Number(durations[i]))
        : undefined;
    out.push({ type: 'audio', context, bytes: Buffer.from(m.audio, 'base64'), chars: list?.join(''), charEndsMs: charEndsMs?.every(Number.isFinite) ? charEndsMs : undefined });
  }
  if (typeof m.error === 'string' || typeof m.message === 'string') {
    const msg = typeof m.message === 'string' ? m.message : String(m.error);
    out.push({ type: 'error', context: typeof m.contextId === 'string' ? m.contextId : undefined, error: new ProviderError('PROVIDER_BAD_REQUEST', ELEVENLABS.id, `ElevenLabs error: ${msg.slice(0, 200)}`) });
  }
  // The schema says isFinal; some clients document is_final. Accept both.
  if (m.isFinal === true || m.is_final === true) out.push({ type: 'done', context });
  return out.length > 0 ? out : [{ type: 'ignore' }];
}

/** ElevenLabs reports errors as a 1008 close with a reason; map the reason to a code. */
export function elevenLabsCloseError(code: number, reason: string): ProviderError {
  const r = reason.slice(0, 200);
  if (code === 1008 && /api[ _-]?key|unauthori[sz]ed|authenticat/i.test(r)) {
    return new ProviderError('PROVIDER_AUTH_FAILED', ELEVENLABS.id, `ELEVENLABS_API_KEY was rejected by ElevenLabs (${r}): check the key is valid and allowed to use text-to-speech.`, {
      details: { closeCode: code, envVar: 'ELEVENLABS_API_KEY' },
    });
  }
  if (code === 1008 && /quota|credit|exceeds your/i.test(r)) {
    return new ProviderError('PROVIDER_QUOTA_EXCEEDED', ELEVENLABS.id, `ElevenLabs refused for quota (${r}): add credits or raise the plan's limit.`, { details: { closeCode: code } });
  }
  if ((code === 1008 && /voice_settings|not found|invalid|not supported/i.test(r)) || code === 1009) {
    return new ProviderError('PROVIDER_BAD_REQUEST', ELEVENLABS.id, `ElevenLabs rejected the request (${code} ${r}): check the voice, model and settings.`, {
      details: { closeCode: code },
    });
  }
  return new ProviderError('PROVIDER_DISCONNECTED', ELEVENLABS.id, `ElevenLabs closed the socket (${code}${r === '' ? '' : ` ${r}`}); reconnecting.`, { details: { closeCode: code } });
}

/** ElevenLabs' HTTP error body: `{"detail": {"status": "invalid_api_key", "message": "..."}}`. */
export function describeElevenLabsError(_status: number, body: string): { vendorCode?: string; vendorMessage?: string } {
  const detail = parseJsonBody(body).detail;
  if (typeof detail === 'string') return { vendorMessage: detail };
  if (typeof detail === 'object' && detail !== null) {
    const d = detail as Record<string, unknown>;
    return { vendorCode: typeof d.status === 'string' ? d.status : undefined, vendorMessage: typeof d.message === 'string' ? d.message : undefined };
  }
  return { vendorMessage: body.slice(0, 200) };
}
