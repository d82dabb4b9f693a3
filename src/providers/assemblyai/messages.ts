/**
 * AssemblyAI v3 server messages, parsed into a union. Shapes per
 * https://www.assemblyai.com/docs/streaming/message-sequence: `Begin` (`id`, `expires_at`),
 * `Turn` (`turn_order`, `turn_is_formatted`, `end_of_turn`, `transcript` (finalised words
 * only), `end_of_turn_confidence`, `words[{start, end (ms of this connection's audio), text,
 * confidence, word_is_final}]`), `Termination`; and per
 * https://www.assemblyai.com/docs/streaming/common-session-errors-and-closures an `Error`
 * frame (`error_code`, `error`) sent just before an error close. `SpeechStarted` is listed in
 * the message sequence but its fields were not found in the docs: it is ignored, and speech
 * start is taken from the first word of a new turn instead.
 */

/** A word with times in ms of this connection's audio. */
export interface AaiWord {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly confidence: number;
  readonly final: boolean;
}

/** One server message. */
export type AaiMessage =
  | { readonly type: 'Begin'; readonly id: string }
  | {
      readonly type: 'Turn';
      readonly turnOrder: number;
      readonly endOfTurn: boolean;
      readonly formatted: boolean;
      readonly transcript: string;
      readonly words: readonly AaiWord[];
    }
  | { readonly type: 'Termination' }
  | { readonly type: 'Error'; readonly code: number | undefined; readonly error: string }
  | { readonly type: 'unknown'; readonly name: string };

const num = (v: unknown, d = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);

/** Parse one text frame; undefined when it is not a JSON object. */
export function parseAaiMessage(text: string): AaiMessage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const m = json as Record<string, unknown>;
  switch (m.type) {
    case 'Begin':
      return { type: 'Begin', id: typeof m.id === 'string' ? m.id : '' };
    case 'Turn': {
      const words = Array.isArray(m.words)
        ? m.words.flatMap((w): AaiWord[] => {
            if (typeof w !== 'object' || w === null) return [];
            const r = w as Record<string, unknown>;
            return typeof r.text === 'string' && r.text !== ''
              ? [{ text: r.text, start: num(r.start), end: num(r.end), confidence: num(r.confidence, 1), final: r.word_is_final === true }]
              : [];
          })
        : [];
      return {
        type: 'Turn',
        turnOrder: num(m.turn_order),
        endOfTurn: m.end_of_turn === true,
        formatted: m.turn_is_formatted === true,
        transcript: typeof m.transcript === 'string' ? m.transcript : '',
        words,
      };
    }
    case 'Termination':
      return { type: 'Termination' };
    case 'Error':
      return { type: 'Error', code: typeof m.error_code === 'number' ? m.error_code : undefined, error: typeof m.error === 'string' ? m.error.slice(0, 200) : '' };
    default:
      return { type: 'unknown', name: typeof m.type === 'string' ? m.type : '(none)' };
  }
}
