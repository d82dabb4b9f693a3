/**
 * Sarvam streaming STT wire messages. Client -> server, per the AsyncAPI at
 * https://docs.sarvam.ai/api-reference-docs/speech-to-text/transcribe/ws and the sarvamai SDK's
 * `transcribe()`/`flush()`: `{"audio": {"data": <base64>, "sample_rate": <n>, "encoding": "audio/wav"}}`
 * and `{"type": "flush"}`. Server -> client: `{"type": "data", "data": {"transcript",
 * "language_code", "request_id", "metrics"}}` (one final transcript per utterance: the legacy
 * endpoint sends no interims), `{"type": "events", "data": {"signal_type": "START_SPEECH" |
 * "END_SPEECH", "occured_at"}}` (the docs' spelling), and `{"type": "error", "data": {...}}`.
 * Not documented: word timings (none are sent) and the exact fields of `error` data, read here
 * as `error`/`message` and `code`.
 */

/** One server message. */
export type SarvamSttMessage =
  | { readonly type: 'data'; readonly transcript: string; readonly languageCode: string | undefined }
  | { readonly type: 'speech_start' }
  | { readonly type: 'speech_end' }
  | { readonly type: 'error'; readonly message: string; readonly code: string | undefined }
  | { readonly type: 'unknown'; readonly name: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Parse one text frame; undefined when it is not a JSON object. */
export function parseSarvamSttMessage(text: string): SarvamSttMessage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const m = json as Record<string, unknown>;
  const data = (typeof m.data === 'object' && m.data !== null ? m.data : {}) as Record<string, unknown>;
  switch (m.type) {
    case 'data':
      return { type: 'data', transcript: str(data.transcript) ?? '', languageCode: str(data.language_code) };
    case 'events':
      if (data.signal_type === 'START_SPEECH') return { type: 'speech_start' };
      if (data.signal_type === 'END_SPEECH') return { type: 'speech_end' };
      return { type: 'unknown', name: `events:${str(data.signal_type) ?? '(none)'}` };
    case 'error':
      return { type: 'error', message: (str(data.error) ?? str(data.message) ?? 'unknown error').slice(0, 200), code: str(data.code) };
    default:
      return { type: 'unknown', name: str(m.type) ?? '(none)' };
  }
}

/** One audio message for `bytes` of L16 at `sampleRate`. */
export function sarvamAudioMessage(bytes: Uint8Array, sampleRate: number): string {
  return JSON.stringify({ audio: { data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'), sample_rate: sampleRate, encoding: 'audio/wav' } });
}

/**
 * Sarvam's JSON error body `{"error": {"message", "code", "request_id"}}` (its REST error shape,
 * https://docs.sarvam.ai/api-reference-docs/error-codes; what a refused WebSocket handshake
 * carries is not documented, so a non-JSON body is passed on as the message).
 */
export function describeSarvamError(_status: number, body: string): { vendorCode?: string; vendorMessage?: string; requestId?: string } {
  try {
    const j = JSON.parse(body) as { error?: Record<string, unknown> };
    const e = j.error ?? {};
    return { vendorCode: str(e.code), vendorMessage: str(e.message), requestId: str(e.request_id) };
  } catch {
    return { vendorMessage: body === '' ? undefined : body.slice(0, 200) };
  }
}
