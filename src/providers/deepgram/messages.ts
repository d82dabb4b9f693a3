/**
 * Deepgram live server messages, parsed into a union. Shapes per
 * https://developers.deepgram.com/reference/speech-to-text/listen-streaming: `Results`
 * (`channel.alternatives[0].transcript/confidence/words[{word,start,end,confidence,
 * punctuated_word}]`, `is_final`, `speech_final`, `start`, `duration` in seconds, `from_finalize`),
 * `SpeechStarted` (`timestamp`), `UtteranceEnd` (`last_word_end`), `Metadata` (`request_id`).
 */

/** A word with times in seconds of this connection's audio. */
export interface DeepgramWord {
  readonly word: string;
  readonly start: number;
  readonly end: number;
  readonly confidence: number;
}

/** One server message. */
export type DeepgramMessage =
  | {
      readonly type: 'Results';
      readonly start: number;
      readonly duration: number;
      readonly isFinal: boolean;
      readonly speechFinal: boolean;
      readonly fromFinalize: boolean;
      readonly transcript: string;
      readonly confidence: number;
      readonly words: readonly DeepgramWord[];
    }
  | { readonly type: 'SpeechStarted'; readonly timestamp: number }
  | { readonly type: 'UtteranceEnd'; readonly lastWordEnd: number | undefined }
  | { readonly type: 'Metadata'; readonly requestId: string | undefined }
  | { readonly type: 'unknown'; readonly name: string };

const num = (v: unknown, d = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);

/** Parse one text frame; undefined when it is not a JSON object. */
export function parseDeepgramMessage(text: string): DeepgramMessage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const m = json as Record<string, unknown>;
  switch (m.type) {
    case 'Results': {
      const alt = ((m.channel as { alternatives?: unknown[] } | undefined)?.alternatives?.[0] ?? {}) as Record<string, unknown>;
      const words = Array.isArray(alt.words)
        ? alt.words.flatMap((w): DeepgramWord[] => {
            if (typeof w !== 'object' || w === null) return [];
            const r = w as Record<string, unknown>;
            const text = typeof r.punctuated_word === 'string' ? r.punctuated_word : typeof r.word === 'string' ? r.word : '';
            return text === '' ? [] : [{ word: text, start: num(r.start), end: num(r.end), confidence: num(r.confidence, 1) }];
          })
        : [];
      return {
        type: 'Results',
        start: num(m.start),
        duration: num(m.duration),
        isFinal: m.is_final === true,
        speechFinal: m.speech_final === true,
        fromFinalize: m.from_finalize === true,
        transcript: typeof alt.transcript === 'string' ? alt.transcript : '',
        confidence: num(alt.confidence),
        words,
      };
    }
    case 'SpeechStarted':
      return { type: 'SpeechStarted', timestamp: num(m.timestamp) };
    case 'UtteranceEnd':
      return { type: 'UtteranceEnd', lastWordEnd: typeof m.last_word_end === 'number' ? m.last_word_end : undefined };
    case 'Metadata':
      return { type: 'Metadata', requestId: typeof m.request_id === 'string' ? m.request_id : undefined };
    default:
      return { type: 'unknown', name: typeof m.type === 'string' ? m.type : '(none)' };
  }
}

/** Deepgram's JSON error body `{err_code, err_msg, request_id}` (handshake failures). */
export function describeDeepgramError(
  _status: number,
  body: string,
  header: (name: string) => string | undefined,
): { vendorCode?: string; vendorMessage?: string; requestId?: string } {
  let code: string | undefined;
  let msg: string | undefined;
  try {
    const j = JSON.parse(body) as Record<string, unknown>;
    code = typeof j.err_code === 'string' ? j.err_code : undefined;
    msg = typeof j.err_msg === 'string' ? j.err_msg : undefined;
  } catch {
    // not JSON: the dg-error header carries the message
  }
  // https://developers.deepgram.com/docs/stt-troubleshooting-websocket-data-and-net-errors:
  // failed upgrades carry `dg-error` (the message) and `dg-request-id`.
  return { vendorCode: code, vendorMessage: msg ?? header('dg-error'), requestId: header('dg-request-id') };
}
