/**
 * Latency and quality measured from the caller's side, on the call's clock (ms):
 *
 * - response latency: end of the caller's speech (the last speech frame sent for a say/play
 *   step) -> the first loud bot sample played out, counted when the bot starts a new turn
 *   after that point;
 * - barge-in latency: the first caller speech frame sent while a bot turn that began before
 *   the caller started talking is still playing (its audio in the buffer, even in a pause
 *   between sentences) -> bot playout stops (buffer drained or cleared). A bot that starts
 *   after the caller (an echo) is not barged in on;
 * - gaps: the playout buffer ran dry mid-turn and audio resumed in the same bot turn, after
 *   more than one frame. A turn ends when the caller speaks, on clearAudio, or after a dry
 *   spell longer than `turnGapMs`;
 * - pacing lead: at each playAudio, audio received minus audio time elapsed since the bot
 *   turn's first playAudio (positive = ahead of real time, negative = starved), not counting
 *   the emulator's own stalls (see below);
 * - pacing jitter: how far each playAudio after the first in a turn moves that lead, i.e.
 *   |its audio ms - audio time elapsed since the previous one|: about 0 for a sender that
 *   keeps a steady schedule, the whole chunk for one that sends in bursts.
 *
 * The emulator's stalls are not the server's fault: when its event loop stalls (a loaded
 * machine), the missed ticks run back to back before the socket's queued messages are read
 * (timers run before I/O), so a catch-up tick finds the buffer dry although the audio had
 * arrived, and the next playAudio is read late. A tick more than {@link STALL_FRAMES} frames
 * late therefore counts no dry buffer (no gap, no drain), and the stall's length is left out
 * of the lead's elapsed time. Before, a 0.5 s stall showed as gaps and a lead near -500 ms
 * while the server had sent continuously.
 *
 * Pure: driven by the call at each tick and message; emits timeline events through `emit`.
 */
import type { CallEvent } from './events.js';

/** Frames a tick may run late before it counts as a catch-up after a stall of the emulator. */
export const STALL_FRAMES = 5;

/** Options of {@link CallMetrics}. */
export interface MetricsOptions {
  /** Playback speed factor (audio ms per real ms). */
  readonly speed: number;
  /** Audio ms of quiet after which a speaking bot counts as stopped (default 300). */
  readonly quietMs?: number;
  /** Audio ms of dry buffer that ends a bot turn instead of counting as a gap (default 1500). */
  readonly turnGapMs?: number;
  /** Audio ms of caller silence that separates two caller utterances (default 200). */
  readonly callerPauseMs?: number;
}

/** The figures a call reports. */
export interface CallMetricsReport {
  readonly responseLatencyMs: readonly number[];
  readonly bargeInLatencyMs: readonly number[];
  /** Length of each gap in the bot's audio (ms). */
  readonly gapsMs: readonly number[];
  readonly checkpointRttMs: readonly number[];
  /** Pacing lead sampled at each playAudio (audio ms). */
  readonly leadMs: readonly number[];
  /** Pacing jitter at each playAudio after a turn's first (audio ms). */
  readonly jitterMs: readonly number[];
  /** Audio ms of caller speech sent and of bot audio played out. */
  readonly callerSpeechMs: number;
  readonly botAudioMs: number;
}

type Emit = (event: CallEvent) => void;

const MAX_SAMPLES = 30_000;

/** Keep `v` rounded to 0.1 ms (bounded list); returns the rounded value, which events carry too. */
function push(list: number[], v: number): number {
  const r = Math.round(v * 10) / 10;
  if (list.length < MAX_SAMPLES) list.push(r);
  return r;
}

/** Caller-side measurements for one call. */
export class CallMetrics {
  readonly #emit: Emit;
  readonly #speed: number;
  readonly #frameMs: number;
  readonly #quietMs: number;
  readonly #turnGapMs: number;
  readonly #pauseMs: number;
  readonly #response: number[] = [];
  readonly #bargeIn: number[] = [];
  readonly #gaps: number[] = [];
  readonly #rtt: number[] = [];
  readonly #lead: number[] = [];
  readonly #jitter: number[] = [];
  #callerSpeechFrames = 0;
  #botAudioFrames = 0;

  // Caller state
  #lastCallerSpeech = Number.NEGATIVE_INFINITY;
  #pendingSince: number | undefined;
  // Bot state
  #speaking = false;
  #speakingSince = Number.NEGATIVE_INFINITY;
  #lastLoudEnd = 0;
  #inTurn = false;
  #hadAudio = false;
  #dryStart: number | undefined;
  #bargeStart: number | undefined;
  #cleared = false;
  // Pacing
  #burstStart: number | undefined;
  #burstReceivedMs = 0;
  #lastLead = 0;
  // The emulator's own stalls (call clock ms), summed; and where the last one ended.
  #stalledMs = 0;
  #stalledAtBurst = 0;
  #lastStallEnd = Number.NEGATIVE_INFINITY;

  constructor(emit: Emit, options: MetricsOptions) {
    this.#emit = emit;
    this.#speed = options.speed;
    this.#frameMs = 20 / options.speed;
    this.#quietMs = (options.quietMs ?? 300) / options.speed;
    this.#turnGapMs = (options.turnGapMs ?? 1500) / options.speed;
    this.#pauseMs = (options.callerPauseMs ?? 200) / options.speed;
  }

  /** Whether bot speech is audible now. */
  get botSpeaking(): boolean {
    return this.#speaking;
  }

  /** When the bot last stopped being loud (call clock ms; 0 if it never spoke). */
  get botQuietSince(): number {
    return this.#lastLoudEnd;
  }

  /** When the current bot speech began (call clock ms). */
  get botSpeakingSince(): number {
    return this.#speakingSince;
  }

  /** A caller frame was sent at `t`. `speechEnd` marks the last speech frame of a say/play step. */
  callerFrame(t: number, speech: boolean, speechEnd: boolean): void {
    if (speech) {
      this.#callerSpeechFrames++;
      if (t - this.#lastCallerSpeech > this.#pauseMs + this.#frameMs / 2) this.#callerUtteranceStarts(t);
      this.#lastCallerSpeech = t;
    }
    if (speechEnd) this.#pendingSince = t;
  }

  #callerUtteranceStarts(t: number): void {
    // The caller speaks over a bot turn that is still playing: a barge-in, measured until the
    // playout stops. (An echo's turn starts after the caller's, so it never qualifies.)
    if (this.#inTurn && this.#hadAudio && this.#bargeStart === undefined) {
      this.#bargeStart = t;
      this.#cleared = false;
    }
    this.#pendingSince = undefined;
    this.#endTurn();
  }

  /**
   * A 20 ms frame was played out at `t`. `hadAudio`: the buffer held audio for it;
   * `loudAt`: offset (ms) of its first loud sample, or -1. `lateMs`: how long after `t` the
   * tick actually ran (call clock ms; 0 when on time).
   */
  heardFrame(t: number, hadAudio: boolean, loudAt: number, lateMs = 0): void {
    // A catch-up tick: late by a stall, or run in the same burst as one (the last missed ticks
    // of a stall are only a frame or two late).
    const ranAt = t + lateMs;
    const sameBurst = lateMs > 0 && ranAt <= this.#lastStallEnd + this.#frameMs / 2;
    const stalled = sameBurst || lateMs > STALL_FRAMES * this.#frameMs;
    if (stalled && !sameBurst) {
      // The first catch-up tick of a stall is the latest one: it measures the whole stall.
      this.#stalledMs += lateMs;
      this.#lastStallEnd = ranAt;
    }
    // A catch-up tick runs before the socket's queued audio is read: a dry buffer says nothing.
    if (stalled && !hadAudio) return;
    this.#hadAudio = hadAudio;
    if (hadAudio) this.#botAudioFrames++;
    if (loudAt >= 0) {
      const at = t + loudAt;
      if (!this.#speaking) {
        this.#speaking = true;
        this.#speakingSince = at;
        this.#cleared = false;
        this.#emit({ type: 'bot_audio', t: at, phase: 'start' });
        if (this.#pendingSince !== undefined && at >= this.#pendingSince) {
          const ms = push(this.#response, at - this.#pendingSince);
          this.#emit({ type: 'response_latency', t: at, ms });
          this.#pendingSince = undefined;
        }
      }
      this.#lastLoudEnd = t + this.#frameMs;
      this.#inTurn = true;
    }
    if (hadAudio) {
      if (this.#dryStart !== undefined && this.#inTurn) {
        if (t - this.#dryStart > this.#frameMs + 0.01) {
          const ms = push(this.#gaps, t - this.#dryStart);
          this.#emit({ type: 'gap', t: this.#dryStart, ms });
        }
      }
      this.#dryStart = undefined;
      if (this.#speaking && loudAt < 0 && t - this.#lastLoudEnd >= this.#quietMs) this.#stop(this.#lastLoudEnd, 'quiet');
      return;
    }
    // The buffer is dry at this tick.
    if (this.#speaking) this.#stop(t, this.#cleared ? 'cleared' : 'drained');
    if (this.#bargeStart !== undefined) {
      const ms = push(this.#bargeIn, t - this.#bargeStart);
      this.#emit({ type: 'barge_in', t, ms, cleared: this.#cleared });
      this.#bargeStart = undefined;
    }
    if (this.#inTurn) {
      this.#dryStart ??= t;
      if (t - this.#dryStart > this.#turnGapMs) this.#endTurn();
    }
  }

  #stop(t: number, reason: 'drained' | 'cleared' | 'quiet'): void {
    this.#speaking = false;
    this.#lastLoudEnd = Math.min(this.#lastLoudEnd, t);
    this.#emit({ type: 'bot_audio', t, phase: 'stop', reason });
  }

  #endTurn(): void {
    this.#inTurn = false;
    this.#dryStart = undefined;
    this.#burstStart = undefined;
  }

  /** `audioMs` of playAudio arrived at `t`. */
  playAudio(t: number, audioMs: number): void {
    const first = this.#burstStart === undefined;
    if (this.#burstStart === undefined) {
      this.#burstStart = t;
      this.#burstReceivedMs = 0;
      this.#stalledAtBurst = this.#stalledMs;
    }
    this.#burstReceivedMs += audioMs;
    const elapsed = Math.max(0, t - this.#burstStart - (this.#stalledMs - this.#stalledAtBurst));
    const lead = this.#burstReceivedMs - elapsed * this.#speed;
    push(this.#lead, lead);
    if (!first) push(this.#jitter, Math.abs(lead - this.#lastLead));
    this.#lastLead = lead;
  }

  /** clearAudio emptied the buffer at `t`. */
  cleared(): void {
    this.#cleared = true;
    this.#endTurn();
  }

  /** A checkpoint was answered `ms` after it arrived. */
  checkpointAnswered(ms: number): void {
    push(this.#rtt, ms);
  }

  /** The figures so far. */
  report(): CallMetricsReport {
    return {
      responseLatencyMs: [...this.#response],
      bargeInLatencyMs: [...this.#bargeIn],
      gapsMs: [...this.#gaps],
      checkpointRttMs: [...this.#rtt],
      leadMs: [...this.#lead],
      jitterMs: [...this.#jitter],
      callerSpeechMs: this.#callerSpeechFrames * 20,
      botAudioMs: this.#botAudioFrames * 20,
    };
  }
}
