/**
 * Deepgram live-transcription server messages as the fake sends them, in the documented shapes
 * (https://developers.deepgram.com/reference/speech-to-text/listen-streaming):
 * `Results` with `channel.alternatives[0].{transcript, confidence, words}`, `is_final`,
 * `speech_final`, `start`/`duration` in seconds of audio; `SpeechStarted` with `timestamp`;
 * `UtteranceEnd` with `last_word_end`; `Metadata` after CloseStream.
 */
import { randomUUID } from 'node:crypto';

/** A recognised word with times in connection audio ms. */
export interface FakeWord {
  readonly word: string;
  readonly punctuated: string;
  readonly startMs: number;
  readonly endMs: number;
}

const sec = (ms: number): number => Math.round(ms) / 1000;

/** One `Results` message. */
export function resultsMessage(o: {
  readonly requestId: string;
  readonly startMs: number;
  readonly durationMs: number;
  readonly isFinal: boolean;
  readonly speechFinal: boolean;
  readonly fromFinalize: boolean;
  readonly words: readonly FakeWord[];
  readonly punctuate: boolean;
}): Record<string, unknown> {
  const transcript = o.words.map((w) => (o.punctuate ? w.punctuated : w.word)).join(' ');
  return {
    type: 'Results',
    channel_index: [0, 1],
    duration: sec(o.durationMs),
    start: sec(o.startMs),
    is_final: o.isFinal,
    speech_final: o.speechFinal,
    channel: {
      alternatives: [
        {
          transcript,
          confidence: o.words.length === 0 ? 0 : 0.98,
          words: o.words.map((w) => ({ word: w.word, start: sec(w.startMs), end: sec(w.endMs), confidence: 0.98, punctuated_word: w.punctuated })),
        },
      ],
    },
    metadata: { request_id: o.requestId, model_info: { name: 'general-nova-3', version: '2025-01-01.0', arch: 'nova-3' }, model_uuid: randomUUID() },
    from_finalize: o.fromFinalize,
  };
}

/** A `SpeechStarted` message (with `vad_events=true`). */
export function speechStartedMessage(atMs: number): Record<string, unknown> {
  return { type: 'SpeechStarted', channel: [0], timestamp: sec(atMs) };
}

/** An `UtteranceEnd` message (with `utterance_end_ms`). */
export function utteranceEndMessage(lastWordEndMs: number): Record<string, unknown> {
  return { type: 'UtteranceEnd', channel: [0, 1], last_word_end: sec(lastWordEndMs) };
}

/** The summary `Metadata` sent after `CloseStream`, before the server closes. */
export function metadataMessage(requestId: string, sha256: string, audioMs: number): Record<string, unknown> {
  return {
    type: 'Metadata',
    transaction_key: 'deprecated',
    request_id: requestId,
    sha256,
    created: new Date().toISOString(),
    duration: sec(audioMs),
    channels: 1,
  };
}

/** Deepgram's REST-style error body, also sent on a rejected WebSocket handshake. */
export function deepgramErrorBody(status: number, requestId: string): { err_code: string; err_msg: string; request_id: string } {
  const [code, msg] =
    status === 401
      ? ['INVALID_AUTH', 'Invalid credentials.']
      : status === 402
        ? ['ASR_PAYMENT_REQUIRED', 'Project does not have enough credits for an ASR request.']
        : status === 429
          ? ['TOO_MANY_REQUESTS', 'Too many requests. Please try again later.']
          : status >= 500
            ? ['INTERNAL_SERVER_ERROR', 'The service is temporarily unavailable.']
            : ['Bad Request', 'Bad request.'];
  return { err_code: code, err_msg: msg, request_id: requestId };
}

/** Split a scripted transcript into words (lower-case, no punctuation) and punctuated forms. */
export function scriptWords(transcript: string): { word: string; punctuated: string }[] {
  return transcript
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((punctuated) => ({ word: punctuated.toLowerCase().replace(/[^\p{L}\p{N}'-]/gu, ''), punctuated }))
    .filter((w) => w.word !== '');
}
