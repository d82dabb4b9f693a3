/**
 * The audio group, judged from a short emulated call (Plivo's side of it): the first audio
 * arrives, the server answers the caller, every playAudio matches the XML's format
 * (invalid_content_type), carries raw audio (no WAV header), really is at the declared rate
 * (the signal, not the header: see pitch.ts), and is paced (buffer_overflow).
 */
import type { ErrorCode } from '../errors.js';
import type { CallEvent } from '../emulator/events.js';
import type { CallReport } from '../emulator/report.js';
import type { StreamFormat } from '../protocol/format.js';
import type { CallProbeResult } from './call-probe.js';
import type { LateGreeting } from './late-greeting.js';
import { judgeRate } from './pitch.js';
import { selfInterruptions } from './self-interruption.js';
import { type CheckResult, result } from './types.js';

/** Inputs besides the call. */
export interface AudioCheckContext {
  readonly maxLeadMs: number;
  readonly answerTimeoutMs: number;
  /** Why there is no call, when there is none. */
  readonly noCall: string;
  /** A greeting that came after the doctor's wait (see late-greeting.ts). */
  readonly late?: LateGreeting;
}

// Codes other checks own; audio.protocol reports the rest.
const OWNED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'EMULATOR_INVALID_CONTENT_TYPE',
  'EMULATOR_WAV_HEADER',
  'EMULATOR_BUFFER_OVERFLOW',
  'EMULATOR_CONNECTION_FAILED',
  'EMULATOR_AUTHENTICATION_FAILED',
  'EMULATOR_NOT_BIDIRECTIONAL',
]);

const READ =
  'read the WebSocket as fast as Plivo sends (50 media frames a second): keep the event loop free (no CPU-bound or blocking work on the socket\'s thread, hand audio to STT without awaiting it), and check the network between Plivo and the server';
const PACE =
  'pace playAudio to real time with a small lead (a few hundred ms): send 20 ms frames as they fall due instead of whole replies at once (callwire\'s Player keeps a bounded lead)';

function events<T extends CallEvent['type']>(report: CallReport, type: T): Extract<CallEvent, { type: T }>[] {
  return report.timeline.filter((e): e is Extract<CallEvent, { type: T }> => e.type === type);
}

function errors(report: CallReport, code: ErrorCode): string[] {
  return report.protocolErrors.filter((e) => e.code === code).map((e) => e.message);
}

function s(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function playAudioCount(report: CallReport): number {
  return report.streams.reduce((n, l) => n + l.playAudioMessages, 0);
}

function contentTypeCheck(report: CallReport, format: StreamFormat): CheckResult {
  const refused = errors(report, 'EMULATOR_INVALID_CONTENT_TYPE');
  // Plivo (the emulator) checks the format before the WAV header, so a payload refused for its
  // header had the right contentType and sampleRate.
  const accepted = playAudioCount(report) + errors(report, 'EMULATOR_WAV_HEADER').length;
  const data = { playAudio: accepted + refused.length, refused: refused.length };
  if (refused.length > 0) {
    return result('audio.content-type', 'fail', `invalid_content_type: ${refused[0]} (${refused.length} of ${data.playAudio} playAudio messages)`, data, {
      fix: `send every playAudio with contentType "${format.encoding}" and sampleRate ${format.sampleRate}, the format the Stream XML declares (${format.contentType}), or declare the format you send; never mix them (callwire: one StreamFormat drives both)`,
    });
  }
  if (accepted === 0) return result('audio.content-type', 'skip', 'the server sent no playAudio (see audio.first)', data);
  return result('audio.content-type', 'ok', `${accepted} playAudio messages, all ${format.encoding} at ${format.sampleRate} Hz, the stream's format (from the Stream XML, or --format with --stream-url)`, data);
}

function wavCheck(report: CallReport): CheckResult {
  const refused = errors(report, 'EMULATOR_WAV_HEADER');
  if (refused.length > 0) {
    return result('audio.wav-header', 'fail', `${refused.length} playAudio payload${refused.length === 1 ? '' : 's'} started with a RIFF/WAVE header; Plivo expects raw audio and drops them`, { refused: refused.length }, {
      fix: 'send raw audio only: strip the 44-byte WAV header from TTS output before base64-encoding it (callwire: stripWavHeader(), or hand WAV to the Player, which strips it)',
    });
  }
  if (playAudioCount(report) + errors(report, 'EMULATOR_INVALID_CONTENT_TYPE').length === 0) return result('audio.wav-header', 'skip', 'the server sent no playAudio (see audio.first)', { refused: 0 });
  return result('audio.wav-header', 'ok', 'no payload carried a WAV header', { refused: 0 });
}

function rateCheck(report: CallReport, format: StreamFormat): CheckResult {
  const heard = report.recording?.heard;
  if (heard === undefined || report.metrics.botAudioMs === 0) return result('audio.rate', 'skip', 'no audio was played to the caller (see audio.first)', { voicedMs: 0 });
  const v = judgeRate(heard, report.recording?.sampleRate ?? format.sampleRate);
  const lowBand = v.kind === 'plausible' || v.kind === 'too-high' ? v.lowBand : undefined;
  const data = {
    voicedMs: v.pitch.voicedFrames * 20,
    ...(v.pitch.medianHz === undefined ? {} : { medianPitchHz: v.pitch.medianHz }),
    ...(lowBand === undefined ? {} : { lowBand: Math.round(lowBand * 100) / 100 }),
  };
  const pitch = `median voice pitch ${v.pitch.medianHz} Hz`;
  switch (v.kind) {
    case 'plausible':
      return result('audio.rate', 'ok', `${pitch} over ${s(data.voicedMs)} of voiced speech: a natural voice, so the audio plays at its real rate (${format.sampleRate} Hz)`, data);
    case 'too-low': {
      const real = format.sampleRate * 2;
      return result('audio.rate', 'fail', `${pitch}: no real voice is that low; this is audio made at about ${real} Hz played as ${format.sampleRate} Hz, so callers hear it slow and an octave low ("distorted audio")`, data, {
        fix: `resample the TTS output to ${format.sampleRate} Hz before encoding it (or ask the TTS for ${format.sampleRate} Hz)${format.sampleRate === 8000 ? ', or declare audio/x-l16;rate=16000 in both the Stream XML and playAudio' : ''} (callwire: the Player resamples whatever rate you give it)`,
      });
    }
    case 'too-high': {
      const real = format.sampleRate / 2;
      const why =
        v.by === 'pitch'
          ? `${pitch}: far above any adult voice`
          : `${pitch} with only ${Math.round((v.lowBand ?? 0) * 100)}% of its energy below 1 kHz: a real voice keeps most of it there (its first formant), so this is a lower voice with every frequency doubled`;
      return result('audio.rate', 'fail', `${why}; this is audio made at about ${real} Hz played as ${format.sampleRate} Hz, so callers hear it fast and an octave high`, data, {
        fix: `resample the audio to ${format.sampleRate} Hz before encoding it, or declare a ${real} Hz contentType in both the Stream XML and playAudio`,
      });
    }
    case 'not-judged':
      return result('audio.rate', 'skip', v.reason === 'steady-tone' ? 'the audio is a steady tone, not speech: its rate cannot be judged from the signal' : `too little voiced speech to judge (${s(data.voicedMs)}; needs 0.5 s)`, data);
  }
}

// Two different faults fill two different buffers at Plivo (docs/plivo-protocol.md §6):
// - the app sends playAudio far ahead of real time: its queue at Plivo overflows (the guide's
//   buffer_overflow, "Sending audio too fast"; the name is from the guide only);
// - the connection reads too slowly: Plivo holds up to 40 s of caller audio the socket has not
//   taken, posts DegradedStream at 30/60/90 % and drops the stream when full (best practices).
function pacingCheck(report: CallReport, maxLeadMs: number): CheckResult {
  const overflow = errors(report, 'EMULATOR_BUFFER_OVERFLOW');
  const levels = events(report, 'buffer_level').map((e) => e.percent);
  const slow = events(report, 'slow_connection');
  const lead = report.metrics.leadMs;
  const maxLead = lead.length === 0 ? undefined : Math.max(...lead);
  const slowPercent = slow.length === 0 ? undefined : Math.max(...slow.map((e) => e.percent));
  const data = {
    ...(maxLead === undefined ? {} : { maxLeadMs: maxLead }),
    ...(levels.length === 0 ? {} : { bufferPercent: Math.max(...levels) }),
    ...(slowPercent === undefined ? {} : { slowConnectionPercent: slowPercent }),
  };
  if (overflow.length > 0) {
    return result('audio.pacing', 'fail', `buffer_overflow: ${overflow[0]}: the server sends audio far ahead of real time (the guide's "Sending audio too fast")`, data, { fix: PACE });
  }
  if (levels.length > 0) {
    return result('audio.pacing', 'fail', `the server's audio queue at Plivo reached ${Math.max(...levels)}% of 40 s: it sends far ahead of playout, one step from buffer_overflow`, data, { fix: PACE });
  }
  if (slowPercent !== undefined) {
    const dropped = slowPercent >= 100 || errors(report, 'EMULATOR_STREAM_DROPPED').some((m) => m.includes('slow connection'));
    return result('audio.pacing', 'fail', `the connection reads too slowly: Plivo held ${Math.max(...slow.map((e) => e.heldMs)) / 1000} s of caller audio the server had not taken (DegradedStream at ${slow.map((e) => `${e.percent}%`).join(', ')})${dropped ? ', then dropped the stream (DroppedStream)' : ''}`, data, { fix: READ });
  }
  if (maxLead === undefined) return result('audio.pacing', 'skip', 'the server sent no audio to pace (see audio.first)', data);
  if (maxLead > maxLeadMs) {
    return result('audio.pacing', 'warn', `audio ran up to ${s(maxLead)} ahead of playout: it all has to be cleared on barge-in, and the caller hears it late if the network slows`, data, { fix: PACE });
  }
  return result('audio.pacing', 'ok', `paced: at most ${Math.round(Math.max(0, maxLead))} ms ahead of playout`, data);
}

function protocolCheck(report: CallReport): CheckResult {
  const others = report.protocolErrors.filter((e) => !OWNED.has(e.code));
  const codes = [...new Set(others.map((e) => e.code))];
  const received = report.streams.reduce((n, l) => n + l.messagesReceived, 0);
  if (others.length === 0) return result('audio.protocol', 'ok', `all ${received} messages from the server were ones Plivo accepts, and the stream ended cleanly`, { codes });
  const first = others[0] as (typeof others)[number];
  const dropped = others.some((e) => e.code === 'EMULATOR_STREAM_DROPPED');
  return result('audio.protocol', 'fail', `${others.length} problem${others.length === 1 ? '' : 's'} (${codes.join(', ')}); first: ${first.message.slice(0, 160)}`, { codes }, {
    fix: dropped
      ? 'end streams with close code 1000 and catch errors in the stream handler instead of crashing (the guide: "Server crash: implement graceful error handling")'
      : 'send only playAudio, checkpoint, clearAudio and sendDTMF, as JSON text frames with the documented fields (checkpoint and clearAudio carry the streamId from start)',
  });
}

function firstAudioCheck(call: CallProbeResult, late: LateGreeting | undefined): CheckResult {
  const report = call.report;
  const start = events(report, 'start_sent')[0];
  const first = events(report, 'bot_audio').find((e) => e.phase === 'start');
  const audioMs = report.metrics.botAudioMs;
  const notes = call.notes.length === 0 ? '' : ` (${call.notes.join('; ')})`;
  if (first !== undefined) {
    const afterMs = start === undefined ? first.t : first.t - start.t;
    const what = call.greeted ? 'a greeting' : late !== undefined ? `a late greeting${late.overCallerMs === undefined ? '' : ', over the caller'}: see latency.first-audio` : 'after the caller spoke';
    return result('audio.first', 'ok', `first bot audio ${Math.round(afterMs)} ms after start (${what}); ${s(audioMs)} heard in all${notes}`, { afterMs, audioMs });
  }
  const data = { audioMs };
  if (errors(report, 'EMULATOR_NOT_BIDIRECTIONAL').length > 0) {
    return result('audio.first', 'fail', 'the server sent playAudio, but the stream is not bidirectional, so Plivo ignored it ("No Audio Playback")', data, { fix: 'add bidirectional="true" to <Stream> (see xml.bidirectional)' });
  }
  const dropped = ['EMULATOR_INVALID_CONTENT_TYPE', 'EMULATOR_WAV_HEADER'].filter((c) => errors(report, c as ErrorCode).length > 0);
  if (dropped.length > 0) {
    return result('audio.first', 'fail', 'the server sent playAudio, but Plivo dropped all of it', data, { fix: `see ${dropped.map((c) => (c === 'EMULATOR_WAV_HEADER' ? 'audio.wav-header' : 'audio.content-type')).join(' and ')}` });
  }
  if (audioMs > 0) {
    return result('audio.first', 'fail', `the server sent ${s(audioMs)} of audio, but all of it was near silence`, data, {
      fix: 'check the audio itself: L16 must be little-endian signed 16-bit, mu-law must be G.711 mu-law, and the level must be audible',
    });
  }
  const h = report.hangup;
  if (h.by !== 'caller' && h.by !== 'timeout') {
    return result('audio.first', 'fail', `no audio reached the caller: the call ended after ${s(h.t)} (${h.by}: ${h.reason})`, data, {
      fix: /keepCallAlive/.test(h.reason) ? 'add keepCallAlive="true" to <Stream> (see xml.keep-call-alive)' : 'keep the stream open for the whole call and send playAudio after start',
    });
  }
  return result('audio.first', 'fail', `the server sent no audio in ${s(h.t)}: no greeting and no answer to the caller${notes}`, data, {
    fix: 'after start, send playAudio {"event":"playAudio","media":{"contentType","sampleRate","payload"}} with raw audio; if the bot answers rather than greets, see audio.response',
  });
}

function responseCheck(call: CallProbeResult, firstOk: boolean, ctx: AudioCheckContext): CheckResult {
  const self = selfInterruptions(call.report);
  if (self.at.length > 0 || self.answeredItself.length > 0) {
    const n = self.at.length;
    const m = self.answeredItself.length;
    const track = self.hearsOutbound ? ': the stream carries the outbound track (what the caller hears), so its own voice comes back to it' : ' (its own voice, or an echo of it, reaches its speech detector)';
    const what = [
      ...(n === 0 ? [] : [`cleared its own audio ${n} time${n === 1 ? '' : 's'} while the caller was silent (first ${s(self.at[0] as number)} into the call)`]),
      ...(m === 0 ? [] : [`spoke again ${m} time${m === 1 ? '' : 's'} right after its own turn, before the caller had said anything (first ${s(self.answeredItself[0] as number)} into the call)`]),
    ].join(', and ');
    return result('audio.response', 'fail', `the server ${what}: it hears itself${n > 0 ? ' and interrupts itself' : ' and answers itself'}${track}`, {}, {
      fix: 'feed only the caller\'s audio to speech detection: set audioTrack="inbound" (see xml.audio-track), or with audioTrack="both" drop media whose track is "outbound" before VAD and STT; a bot must never barge in on itself',
    });
  }
  if (!call.callerSpoke) return result('audio.response', 'skip', 'the caller did not get to speak (the call ended first)', {});
  if (!firstOk) return result('audio.response', 'skip', 'no bot audio at all (see audio.first)', {});
  const latency = events(call.report, 'response_latency')[0];
  if (latency !== undefined) return result('audio.response', 'ok', `the server answered the caller ${Math.round(latency.ms)} ms after they stopped speaking`, { ms: latency.ms });
  // An echo (or a bot that talks over the caller) starts while the caller is still speaking.
  const spoke = events(call.report, 'caller_speech').find((e) => e.phase === 'start');
  const during = spoke === undefined ? undefined : events(call.report, 'bot_audio').find((e) => e.phase === 'start' && e.t >= spoke.t);
  if (spoke !== undefined && during !== undefined) {
    return result('audio.response', 'ok', `the server's audio started ${Math.round(during.t - spoke.t)} ms after the caller began speaking, before they finished (an echo, or a bot talking over the caller)`, {});
  }
  return result('audio.response', 'warn', `no answer within ${s(ctx.answerTimeoutMs)} of the caller's phrase`, {}, {
    fix: 'check that the server hears the caller: audioTrack inbound in the XML, the media handler attached before start (the guide: "No Audio Received"), and that STT, LLM and TTS answer',
  });
}

/** The audio.* checks from the emulated call (undefined when no call could be placed). */
export function audioChecks(call: CallProbeResult | undefined, format: StreamFormat | undefined, ctx: AudioCheckContext): CheckResult[] {
  const skipAll = (why: string): CheckResult[] => [
    result('audio.first', 'skip', why, { audioMs: 0 }),
    result('audio.response', 'skip', why, {}),
    result('audio.content-type', 'skip', why, { playAudio: 0, refused: 0 }),
    result('audio.wav-header', 'skip', why, { refused: 0 }),
    result('audio.rate', 'skip', why, { voicedMs: 0 }),
    result('audio.pacing', 'skip', why, {}),
    result('audio.protocol', 'skip', why, { codes: [] }),
  ];
  if (call === undefined || format === undefined) return skipAll(ctx.noCall);
  if (!call.connected) return skipAll(`the emulated call could not connect, as Plivo would not: ${(call.error ?? 'unknown error').slice(0, 200)}`);
  const report = call.report;
  const first = firstAudioCheck(call, ctx.late);
  return [
    first,
    responseCheck(call, first.status === 'ok', ctx),
    contentTypeCheck(report, format),
    wavCheck(report),
    rateCheck(report, format),
    pacingCheck(report, ctx.maxLeadMs),
    protocolCheck(report),
  ];
}
