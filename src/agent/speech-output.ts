/**
 * The agent's mouth: an Utterance is a reply made of segments (sentences or clauses, or
 * ready audio). Each segment becomes one Player item tagged with its text, so the heard-
 * ledger knows which words played. Segments are synthesized concurrently (bounded) as soon
 * as their text is known and play in order; fixed phrases come from the TTS cache. The
 * first segment's leading silence is trimmed, and a checkpoint after its first frame tells
 * the latency ledger when the caller started hearing the reply.
 */
import { SPEECH_PEAK_THRESHOLD, firstAbove, firstAboveMulaw } from '../audio/level.js';
import { decodeMulaw } from '../audio/mulaw.js';
import { concatBytes, l16ToPcm } from '../audio/pcm.js';
import type { Clock } from '../clock.js';
import { detach } from '../detached.js';
import { type CallwireError, ProviderError, isCallwireError } from '../errors.js';
import type { AudioSpec, TimedWord, TtsSession } from '../providers/types.js';
import type { AudioInput } from '../stream/audio-input.js';
import type { PlaybackResult } from '../stream/playback-item.js';
import type { PlaybackWriter, Player } from '../stream/player.js';
import { splitHeard } from './heard.js';
import type { LatencyLedger } from './latency-ledger.js';
import { TtsCache } from './tts-cache.js';

/** How an utterance ended. */
export interface UtteranceResult {
  readonly status: 'played' | 'interrupted';
  /** Everything the utterance was going to say. */
  readonly text: string;
  /** What the caller heard (whole words). */
  readonly heard: string;
  /** What they did not. */
  readonly unheard: string;
}

/** Options of one utterance. */
export interface UtteranceOptions {
  readonly label?: string;
  /** Barge-in must not cut it (greeting, legal notice). */
  readonly uninterruptible?: boolean;
  /** Use the TTS cache for its segments (fixed phrases). */
  readonly cache?: boolean;
  /** Latency ledger to mark (TTS request/first byte, first audio sent/heard). */
  readonly ledger?: LatencyLedger;
  /** Trim leading silence of the first segment (default true). */
  readonly trimLeadingSilence?: boolean;
}

interface Segment {
  readonly text: string;
  readonly writer: PlaybackWriter;
  readonly index: number;
  carry: number | undefined;
  /** Vendor word timings, shifted by the leading silence trimmed off the segment. */
  readonly words: TimedWord[];
  /** Audio ms trimmed from the start of the segment (word timings count from the untrimmed start). */
  trimmedMs: number;
}

/** What speech output needs from the session. */
export interface SpeechOutputDeps {
  readonly player: () => Player;
  readonly clock: Clock;
  readonly tts: TtsSession | undefined;
  readonly ttsName: string;
  /** The provider instance's cache identity (see `ttsIdentity`). */
  readonly ttsKey: string;
  readonly voice?: string;
  readonly cache: TtsCache;
  /** Segments synthesized at once per utterance (default 3). */
  readonly maxConcurrent?: number;
  /**
   * A segment failed: its TTS (a provider error), or the Player refused its audio (a stream
   * error such as STREAM_QUEUE_FULL, after which the utterance is ended: see {@link Utterance}).
   */
  readonly onError: (error: CallwireError, text: string) => void;
}

let utteranceIds = 0;

/** Segments opened so far, process-wide: their order is the Player's play order. */
let segmentsOpened = 0;

export class Utterance {
  readonly id = ++utteranceIds;
  readonly label: string | undefined;
  readonly uninterruptible: boolean;
  readonly done: Promise<UtteranceResult>;
  readonly #deps: SpeechOutputDeps;
  readonly #o: UtteranceOptions;
  readonly #abort = new AbortController();
  readonly #segments: Segment[] = [];
  readonly #results: Promise<PlaybackResult>[] = [];
  readonly #queue: (() => Promise<void>)[] = [];
  #running = 0;
  #ended = false;
  #failed = false;
  #trimming: boolean;
  #firstMarked = false;
  #firstSegment: number | undefined;
  #resolveEnd!: () => void;
  readonly #endSignal: Promise<void>;

  constructor(deps: SpeechOutputDeps, options: UtteranceOptions) {
    this.#deps = deps;
    this.#o = options;
    this.label = options.label;
    this.uninterruptible = options.uninterruptible === true;
    this.#trimming = options.trimLeadingSilence !== false;
    this.#endSignal = new Promise((r) => {
      this.#resolveEnd = r;
    });
    this.done = this.#finish();
  }

  /** Aborted on interruption or call end. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** All the text queued so far. */
  get text(): string {
    return this.#segments.map((s) => s.text).join(' ');
  }

  /** True once any of its audio has been sent. */
  get started(): boolean {
    return this.#segments.some((s) => s.writer.item.firstSentAt !== undefined);
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Queue a text segment: synthesized now, played after the segments before it. */
  addText(text: string): void {
    const t = text.trim();
    if (this.#ended || t === '') return;
    const seg = this.#open(t);
    if (seg === undefined) return;
    this.#schedule(() => this.#synthesize(seg));
  }

  /** Queue ready audio (e.g. the caller's own words, a tone) with the text it stands for. */
  addAudio(input: AudioInput, text = ''): void {
    if (this.#ended) return;
    const seg = this.#open(text);
    if (seg === undefined) return;
    this.#schedule(async () => {
      try {
        this.#write(seg, input);
      } catch (e) {
        this.#failWrite(e, seg);
      }
      this.#endWriter(seg);
    });
  }

  /** No more segments; `done` resolves once they have played or were cut. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#resolveEnd();
  }

  /** Stop synthesis (interruption or call end). The Player's clear settles the audio. */
  abort(): void {
    this.#abort.abort();
    for (const s of this.#segments) this.#endWriter(s);
    this.end();
  }

  /**
   * The Player refused audio (its queue is full: STREAM_QUEUE_FULL) or a task failed: this
   * utterance ends (synthesis stops; what was queued still plays) and the error is reported
   * once. Never throws.
   */
  #fail(error: CallwireError, text: string): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#abort.abort();
    for (const s of this.#segments) this.#endWriter(s);
    this.end();
    try {
      this.#deps.onError(error, text);
    } catch {
      // the session's error path must not turn a full queue into an escape either
    }
  }

  /** End a segment's writer; its last partial frame may be refused by a full queue. */
  #endWriter(seg: Segment): void {
    try {
      seg.writer.end();
    } catch (e) {
      this.#fail(isCallwireError(e) ? e : new ProviderError('PROVIDER_PROTOCOL', this.#deps.ttsName, (e as Error)?.message ?? String(e), { cause: e }), seg.text);
    }
  }

  /**
   * Where the caller hears this utterance among others: the Player plays segments in the order
   * they were opened, so an utterance created early whose text came late (a tool round's answer)
   * plays after a filler opened meanwhile. Infinity while it has no segment.
   */
  get playOrder(): number {
    return this.#firstSegment ?? Number.POSITIVE_INFINITY;
  }

  /** A new segment; undefined (and the utterance ended) when the stream cannot play (not started, ended). */
  #open(text: string): Segment | undefined {
    this.#firstSegment ??= ++segmentsOpened;
    let writer: PlaybackWriter;
    try {
      writer = this.#deps.player().open({ text, label: this.label, uninterruptible: this.uninterruptible });
    } catch (e) {
      this.#fail(isCallwireError(e) ? e : new ProviderError('PROVIDER_PROTOCOL', this.#deps.ttsName, (e as Error)?.message ?? String(e), { cause: e }), text);
      return undefined;
    }
    const seg: Segment = { text, writer, index: this.#segments.length, carry: undefined, words: [], trimmedMs: 0 };
    this.#segments.push(seg);
    this.#results.push(writer.done);
    return seg;
  }

  #schedule(task: () => Promise<void>): void {
    this.#queue.push(task);
    this.#pump();
  }

  #pump(): void {
    const max = this.#deps.maxConcurrent ?? 3;
    while (this.#running < max && this.#queue.length > 0) {
      const task = this.#queue.shift() as () => Promise<void>;
      this.#running++;
      // Detached, so nothing a segment throws may reach the process (an unhandled rejection
      // ends every call on it): a failure ends this utterance with a coded error instead.
      detach(
        () =>
          task().finally(() => {
            this.#running--;
            this.#pump();
          }),
        (error) => this.#fail(error, ''),
      );
    }
  }

  async #synthesize(seg: Segment): Promise<void> {
    const d = this.#deps;
    const ledger = seg.index === 0 ? this.#o.ledger : undefined;
    try {
      if (d.tts === undefined) throw new ProviderError('PROVIDER_UNAVAILABLE', 'tts', 'no TTS provider is configured, so text cannot be spoken');
      if (this.#abort.signal.aborted) return;
      ledger?.mark('ttsRequest', d.clock.now());
      const spec = d.tts.audio;
      if (this.#o.cache === true) {
        const key = TtsCache.key(d.ttsKey, `${spec.encoding}/${spec.sampleRate}`, d.voice, seg.text);
        const tts = d.tts;
        const signal = this.#abort.signal;
        const audio = await d.cache.getOrCreate(key, () => collect(tts.synthesize(seg.text, { signal }), signal, d.ttsName));
        ledger?.mark('ttsFirstByte', d.clock.now());
        if (!this.#abort.signal.aborted) this.#write(seg, toInput(seg, audio, spec));
      } else {
        const onWords = (words: readonly TimedWord[]): void => {
          for (const w of words) seg.words.push({ word: w.word, endMs: w.endMs - seg.trimmedMs });
        };
        for await (const chunk of d.tts.synthesize(seg.text, { signal: this.#abort.signal, onWords })) {
          if (this.#abort.signal.aborted) break;
          ledger?.mark('ttsFirstByte', d.clock.now());
          const input = toInput(seg, chunk, spec);
          if (input !== undefined) this.#write(seg, input);
        }
      }
    } catch (e) {
      if (e instanceof WriteFailed) this.#failWrite(e, seg);
      else if (!this.#abort.signal.aborted) {
        d.onError(isCallwireError(e) ? e : new ProviderError('PROVIDER_PROTOCOL', d.ttsName, `TTS failed: ${(e as Error).message}`, { cause: e }), seg.text);
      }
    } finally {
      this.#endWriter(seg);
    }
  }

  /** The Player refused audio (a full queue): not the TTS's fault. */
  #failWrite(thrown: unknown, seg: Segment): void {
    const e = thrown instanceof WriteFailed ? thrown.cause : thrown;
    this.#fail(isCallwireError(e) ? e : new ProviderError('PROVIDER_PROTOCOL', this.#deps.ttsName, (e as Error)?.message ?? String(e), { cause: e }), seg.text);
  }

  #write(seg: Segment, input: AudioInput | undefined): void {
    if (input === undefined) return;
    let audio = input;
    if (this.#trimming && seg.index === 0) {
      // Find the first loud sample (mu-law is scanned in place: no per-call decode of a cached phrase).
      const rate = 'pcm' in audio ? audio.sampleRate : 8000;
      const i = 'pcm' in audio ? firstAbove(audio.pcm, SPEECH_PEAK_THRESHOLD) : 'mulaw' in audio ? firstAboveMulaw(audio.mulaw, SPEECH_PEAK_THRESHOLD) : 0;
      const samples = 'pcm' in audio ? audio.pcm.length : 'mulaw' in audio ? audio.mulaw.length : 0;
      if (i === -1) {
        seg.trimmedMs += (samples / rate) * 1000;
        return; // still leading silence: drop it
      }
      seg.trimmedMs += (i / rate) * 1000;
      if (i > 0) audio = 'pcm' in audio ? { pcm: audio.pcm.subarray(i), sampleRate: audio.sampleRate } : { mulaw: (audio as { mulaw: Uint8Array }).mulaw.subarray(i) };
      this.#trimming = false;
    }
    if (!this.#firstMarked && seg.index === 0 && this.#o.ledger !== undefined) {
      this.#firstMarked = true;
      const ledger = this.#o.ledger;
      const item = seg.writer.item;
      // Registered before the first write, so it goes out right behind the first frame.
      detach(
        () =>
          seg.writer.checkpoint(`fa-${this.id}`, 1).then((r) => {
            if (r !== 'played') return;
            // The ack comes once the first frame has played: the caller began hearing it 20 ms earlier.
            ledger.mark('firstAudioHeard', this.#deps.clock.now() - 20);
            if (item.firstSentAt !== undefined) ledger.mark('firstAudioSent', item.firstSentAt);
          }),
        (error) => this.#fail(error, seg.text),
      );
    }
    try {
      seg.writer.write(audio);
    } catch (e) {
      throw new WriteFailed(e);
    }
  }

  async #finish(): Promise<UtteranceResult> {
    await this.#endSignal;
    const results = await Promise.all(this.#results);
    const { heard, unheard } = splitHeard(
      results.map((r, i) => {
        const seg = this.#segments[i] as Segment;
        return { text: seg.text, durationMs: r.durationMs, playedMs: r.playedMs, words: seg.words };
      }),
    );
    const cut = results.some((r) => r.status === 'cleared' && r.playedMs < r.durationMs - 1);
    return { status: cut || this.#abort.signal.aborted ? 'interrupted' : 'played', text: this.text, heard, unheard };
  }
}

/** A Player write that threw, told apart from a TTS failure in the same try. */
class WriteFailed extends Error {
  constructor(cause: unknown) {
    super('the player refused audio', { cause });
  }
}

/** Convert a TTS chunk in `spec` to Player input, carrying an odd PCM byte across chunks. */
function toInput(seg: Segment, bytes: Uint8Array, spec: AudioSpec): AudioInput | undefined {
  if (spec.encoding === 'mulaw') {
    return spec.sampleRate === 8000 ? { mulaw: bytes } : { pcm: decodeMulaw(bytes), sampleRate: spec.sampleRate };
  }
  let b = bytes;
  if (seg.carry !== undefined) {
    const joined = new Uint8Array(b.length + 1);
    joined[0] = seg.carry;
    joined.set(b, 1);
    b = joined;
    seg.carry = undefined;
  }
  if (b.length % 2 === 1) {
    seg.carry = b[b.length - 1];
    b = b.subarray(0, b.length - 1);
  }
  if (b.length === 0) return undefined;
  return { pcm: l16ToPcm(b), sampleRate: spec.sampleRate };
}

/**
 * A whole synthesis, for the cache. One cut short by `signal` throws PROVIDER_CANCELLED:
 * providers end a cancelled synthesis quietly, and its partial audio must never be cached
 * (or shared with concurrent waiters) as the phrase.
 */
async function collect(chunks: AsyncIterable<Uint8Array>, signal: AbortSignal, provider: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  if (signal.aborted) throw new ProviderError('PROVIDER_CANCELLED', provider, 'synthesis was cancelled before the phrase was complete');
  return concatBytes(parts);
}
