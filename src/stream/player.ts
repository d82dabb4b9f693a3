/**
 * The outbound Player of one call: converts audio to the stream's format, cuts it into
 * 20 ms `playAudio` frames, and sends them paced so that audio sent but not yet played at
 * Plivo stays under a target lead (default 300 ms) instead of dumping a whole utterance
 * into Plivo's playout queue (the guide's buffer_overflow; Plivo's documented 40 s buffer is
 * the slow-connection one, docs/plivo-protocol.md §6). Every item ends with a checkpoint, resolved by `playedStream`;
 * `clear()` reports how much of each item the caller heard (the heard-ledger's input).
 *
 * Playout model: each frame is expected to start playing at max(now, end of the previous
 * frame). `playoutEnd - now` is the lead. Acks measure how far Plivo lags that model.
 */
import { silenceByte } from '../audio/codec.js';
import { Framer } from '../audio/framer.js';
import type { Clock } from '../clock.js';
import { StreamError } from '../errors.js';
import type { StreamFormat } from '../protocol/format.js';
import { checkpoint as checkpointMessage, clearAudio, playAudio, serializeOutbound } from '../protocol/outbound.js';
import { type AudioInput, OutboundConverter } from './audio-input.js';
import type { Pacer, Pumpable } from './pacer.js';
import { type PlaybackOptions, PlaybackItem, type PlaybackResult } from './playback-item.js';
import type { StreamCounters } from './types.js';

/** Settings of a Player. */
export interface PlayerOptions {
  readonly format: StreamFormat;
  readonly streamId: string;
  /** Write one text frame to the socket. */
  readonly send: (text: string) => void;
  /** Bytes waiting in the socket's send buffer. */
  readonly bufferedAmount: () => number;
  readonly clock: Clock;
  readonly pacer: Pacer;
  readonly counters: StreamCounters;
  /** Target audio lead at Plivo, ms. Default 300. */
  readonly leadMs?: number;
  /** Stop sending while the socket buffer holds more than this. Default 256 KiB. */
  readonly maxBufferedBytes?: number;
  /** Most audio that may wait unsent, ms. Default 120 s. */
  readonly maxQueuedMs?: number;
  /** Called once per episode when the socket buffer passes its bound. */
  readonly onDegraded?: (reason: string, bufferedBytes: number) => void;
  /** Called when an item's first frame is sent. */
  readonly onItemStart?: (item: PlaybackItem) => void;
  /** Every frame sent, with the monotonic time it is expected to start playing (recordings use this). */
  readonly onFrame?: (wire: Uint8Array, playAt: number) => void;
  /** Called on every clear (recordings drop the bot audio that will now never play). */
  readonly onClear?: (at: number) => void;
  /**
   * How long past its expected playout (plus the measured playout lag) a checkpoint may wait
   * for `playedStream` before it is settled without one, ms. Default 5000. Plivo emits
   * playedStream "only if the preceding events were played successfully"
   * (https://plivo.com/docs/voice/xml/the-stream-element/checkpoint-event): an ack that never
   * comes must not leave an utterance pending for the rest of the call.
   */
  readonly ackMarginMs?: number;
  /** Called for each checkpoint settled without its ack: its name and how long it waited past its expected playout. */
  readonly onAckTimeout?: (name: string, lateMs: number) => void;
}

/** One item's fate in a {@link ClearReport}. */
export interface ClearedItem {
  readonly id: number;
  readonly text: string | undefined;
  readonly label: string | undefined;
  readonly uninterruptible: boolean;
  readonly status: 'played' | 'cleared';
  readonly durationMs: number;
  readonly playedMs: number;
}

/** What `clear()` did. */
export interface ClearReport {
  /** Monotonic ms of the clear. */
  readonly at: number;
  /** Every item that was queued, sending or awaiting its ack, in order. */
  readonly items: readonly ClearedItem[];
  /** Audio that was dropped unheard (ms). */
  readonly droppedMs: number;
}

type Entry = { kind: 'item'; item: PlaybackItem; writer: PlaybackWriter } | { kind: 'mark'; name: string; settle: (s: 'played' | 'cleared') => void };

interface PendingAck {
  readonly expectedEnd: number;
  readonly item?: PlaybackItem;
  readonly settle?: (s: 'played' | 'cleared') => void;
}

/** Streaming input into one playback item (e.g. one TTS sentence as it is synthesized). */
export class PlaybackWriter {
  readonly item: PlaybackItem;
  readonly #player: Player;
  readonly #framer: Framer;
  readonly #converter: OutboundConverter;
  #closed = false;

  /** @internal created by Player.open */
  constructor(player: Player, item: PlaybackItem, format: StreamFormat) {
    this.#player = player;
    this.item = item;
    this.#framer = new Framer(format.frameBytes);
    this.#converter = new OutboundConverter(format);
    this.#pad = silenceByte(format);
  }

  readonly #pad: number;

  /** Resolves when the item was played or cleared. */
  get done(): Promise<PlaybackResult> {
    return this.item.done;
  }

  /** True once ended or cleared: further writes are ignored. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Add audio. Returns false (and drops the audio) when the item was already ended or
   * cleared, e.g. because the caller barged in.
   * @throws StreamError STREAM_QUEUE_FULL when more than `maxQueuedMs` would wait unsent;
   * AudioError AUDIO_INVALID_FORMAT for input that is not an {@link AudioInput},
   * AUDIO_UNSUPPORTED_RATE or AUDIO_INVALID_WAV for audio it cannot convert
   */
  write(input: AudioInput): boolean {
    if (this.#closed || this.item.state === 'cleared') return false;
    const wire = this.#converter.convert(input);
    // Whole-frame views of the converted audio, not a copy per frame: a cached greeting shared
    // by every call is queued by reference. (Hence: do not modify audio after writing it.)
    const spans = this.#framer.pushSpans(wire);
    if (spans.length > 0) this.#player.enqueue(this.item, spans);
    return true;
  }

  /**
   * A checkpoint right after the audio written to this item so far (whole frames), or after
   * its first `afterFrames` frames. Resolves
   * 'played' when Plivo has played up to it, 'cleared' if a clear came first. The agent puts
   * one after a reply's first frame to learn when the caller started hearing it.
   * @throws ProtocolError PROTOCOL_MISSING_FIELD for an empty name
   */
  checkpoint(name: string, afterFrames?: number): Promise<'played' | 'cleared'> {
    // Refused here, not when the mark is sent: a mark that cannot be sent would stay at the
    // head of the queue.
    checkpointMessage(this.#player.streamId, name);
    // An explicit frame count may lie ahead of what was written (e.g. "after the first frame",
    // registered before the first write so the mark goes out right behind that frame).
    const after = afterFrames ?? this.item.writtenFrames;
    if (this.#closed || this.item.state === 'cleared' || after <= 0) return Promise.resolve('cleared');
    return new Promise((settle) => {
      this.item.marks.push({ afterFrames: after, name, settle });
      this.item.marks.sort((a, b) => a.afterFrames - b.afterFrames);
      this.#player.sendDueMarks(this.item);
    });
  }

  /** No more audio: the last partial frame is padded with silence and the item's checkpoint follows. */
  end(): void {
    if (this.#closed) return;
    this.#closed = true;
    const last = this.#framer.flush(this.#pad);
    this.#converter.destroy();
    this.item.ended = true;
    this.#player.enqueue(this.item, last === undefined ? [] : [last]);
  }

  /** @internal */
  close(): void {
    this.#closed = true;
    this.#framer.clear();
    this.#converter.destroy();
  }
}

export class Player implements Pumpable {
  readonly format: StreamFormat;
  readonly leadTargetMs: number;
  readonly #o: PlayerOptions;
  readonly #maxBuffered: number;
  readonly #maxQueuedMs: number;
  readonly #frameMs = 20;
  #queue: Entry[] = [];
  #qhead = 0;
  readonly #pending = new Map<string, PendingAck>();
  #playoutEnd = 0;
  #queuedMs = 0;
  #nextItem = 1;
  #nextCheckpoint = 1;
  #lagMs = 0;
  #degraded = false;
  #destroyed = false;
  #idleWaiters: (() => void)[] = [];
  #ackTimer: ReturnType<Clock['setTimer']> | undefined;

  constructor(options: PlayerOptions) {
    this.#o = options;
    this.format = options.format;
    this.leadTargetMs = options.leadMs ?? 300;
    this.#maxBuffered = options.maxBufferedBytes ?? 256 * 1024;
    this.#maxQueuedMs = options.maxQueuedMs ?? 120_000;
  }

  /** The stream id the Player's messages carry. */
  get streamId(): string {
    return this.#o.streamId;
  }

  /** Estimated audio sent but not yet played at Plivo (ms). */
  get leadMs(): number {
    return Math.max(0, this.#playoutEnd - this.#o.clock.now());
  }

  /** Audio queued but not yet sent (ms). */
  get queuedMs(): number {
    return this.#queuedMs;
  }

  /** How late Plivo's playout runs behind the local model, from checkpoint acks (ms). */
  get playoutLagMs(): number {
    return this.#lagMs;
  }

  /** True while audio is queued, in flight at Plivo, or awaiting its ack. */
  get busy(): boolean {
    return this.#qhead < this.#queue.length || this.#pending.size > 0 || this.leadMs > 0;
  }

  /**
   * Play a whole buffer as one item.
   * @throws as {@link PlaybackWriter.write}; the item is ended either way
   */
  play(input: AudioInput, options: PlaybackOptions = {}): PlaybackItem {
    const w = this.open(options);
    try {
      w.write(input);
    } finally {
      // Ended even when the input was refused: an open item at the head of the queue would
      // hold back everything played after it for the rest of the call.
      w.end();
    }
    return w.item;
  }

  /** Open an item to stream audio into as it is produced. */
  open(options: PlaybackOptions = {}): PlaybackWriter {
    if (this.#destroyed) throw new StreamError('STREAM_ENDED', 'the stream has ended; nothing can be played');
    const item = new PlaybackItem(this.#nextItem++, options);
    const writer = new PlaybackWriter(this, item, this.format);
    this.#queue.push({ kind: 'item', item, writer });
    return writer;
  }

  /**
   * Insert a named checkpoint after everything queued so far; resolves when Plivo played up to it, or it was cleared.
   * @throws ProtocolError PROTOCOL_MISSING_FIELD for an empty name
   */
  checkpoint(name: string): Promise<'played' | 'cleared'> {
    checkpointMessage(this.#o.streamId, name);
    if (this.#destroyed) return Promise.resolve('cleared');
    return new Promise((resolve) => {
      this.#queue.push({ kind: 'mark', name, settle: resolve });
      this.#kick();
    });
  }

  /** Resolves once nothing is queued, in flight or awaiting an ack. */
  whenIdle(): Promise<void> {
    if (!this.#hasWork()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** @internal called by PlaybackWriter */
  enqueue(item: PlaybackItem, spans: Uint8Array[]): void {
    if (item.state === 'cleared' || this.#destroyed) return;
    let bytes = 0;
    for (const s of spans) bytes += s.length;
    const frames = bytes / this.format.frameBytes;
    const ms = frames * this.#frameMs;
    if (this.#queuedMs + ms > this.#maxQueuedMs) {
      throw new StreamError('STREAM_QUEUE_FULL', `more than ${this.#maxQueuedMs} ms of audio would wait unsent; write slower or clear()`);
    }
    item.append(spans);
    item.writtenFrames += frames;
    item.durationMs += ms;
    this.#queuedMs += ms;
    this.#kick();
  }

  /**
   * Plivo acknowledged checkpoint `name` at monotonic time `at`. Returns false for names
   * this player is not waiting for (e.g. an ack that raced a clear).
   */
  ack(name: string, at: number): boolean {
    const p = this.#pending.get(name);
    if (p === undefined) return false;
    this.#pending.delete(name);
    // Plivo only acks a checkpoint once everything before it played, so earlier ones are done too.
    for (const [n, q] of this.#pending) {
      if (q.expectedEnd > p.expectedEnd) break;
      this.#pending.delete(n);
      this.#settleAck(q, 'played');
    }
    const lag = at - p.expectedEnd;
    this.#lagMs = this.#lagMs === 0 ? Math.max(0, lag) : Math.max(0, 0.7 * this.#lagMs + 0.3 * lag);
    this.#settleAck(p, 'played');
    this.#checkIdle();
    return true;
  }

  /**
   * Drop everything queued, send `clearAudio`, settle pending checkpoints locally (Plivo
   * does not ack cleared ones) and report how much of each item was heard.
   */
  clear(): ClearReport {
    const now = this.#o.clock.now();
    const heardBy = now - this.#lagMs;
    const items: ClearedItem[] = [];
    let droppedMs = 0;
    const report = (item: PlaybackItem): void => {
      if (item.state === 'played' || item.state === 'cleared') return;
      const played = Math.min(item.durationMs, item.playedBy(heardBy));
      const complete = item.ended && item.pendingFrames === 0 && played >= item.durationMs - 0.5;
      const status = complete ? 'played' : 'cleared';
      droppedMs += item.durationMs - played;
      for (const m of item.marks) m.settle('cleared');
      item.marks = [];
      item.settle(status, played);
      items.push({ id: item.id, text: item.text, label: item.label, uninterruptible: item.uninterruptible, status, durationMs: item.durationMs, playedMs: played });
    };
    for (const p of this.#pending.values()) {
      if (p.item !== undefined) report(p.item);
      else p.settle?.(p.expectedEnd <= heardBy ? 'played' : 'cleared');
    }
    for (let i = this.#qhead; i < this.#queue.length; i++) {
      const e = this.#queue[i] as Entry;
      if (e.kind === 'item') {
        report(e.item);
        e.writer.close();
      } else e.settle('cleared');
    }
    const counters = this.#o.counters;
    if (!this.#destroyed) counters.clears++;
    counters.checkpointsCleared += this.#pending.size;
    this.#pending.clear();
    this.#disarmAckTimer();
    this.#queue = [];
    this.#qhead = 0;
    this.#queuedMs = 0;
    this.#playoutEnd = now;
    this.#o.pacer.remove(this);
    this.#o.onClear?.(now);
    if (!this.#destroyed) this.#o.send(serializeOutbound(clearAudio(this.#o.streamId)));
    this.#checkIdle();
    return { at: now, items, droppedMs };
  }

  /** Settle everything as cleared (the stream ended). */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.clear();
    this.#disarmAckTimer();
  }

  /** @internal the pacer's tick; see {@link Pumpable}. */
  pump(now: number): boolean {
    if (this.#destroyed) return false;
    const o = this.#o;
    while (this.#qhead < this.#queue.length) {
      const entry = this.#queue[this.#qhead] as Entry;
      if (entry.kind === 'mark') {
        this.#sendCheckpoint(entry.name, { expectedEnd: Math.max(now, this.#playoutEnd), settle: entry.settle });
        this.#qhead++;
        continue;
      }
      const item = entry.item;
      if (item.pendingFrames === 0) {
        if (!item.ended) return false; // wait for more audio; write() kicks us again
        // Marks placed beyond the item's last frame go out with it.
        for (const m of item.marks) this.#sendCheckpoint(m.name, { expectedEnd: item.scheduledEnd ?? now, settle: m.settle });
        item.marks = [];
        if (item.durationMs === 0) item.settle('played', 0);
        else {
          const name = `cw-${this.#nextCheckpoint++}`;
          item.checkpointName = name;
          item.state = 'sent';
          this.#sendCheckpoint(name, { expectedEnd: item.scheduledEnd ?? now, item });
        }
        this.#qhead++;
        continue;
      }
      const lead = Math.max(0, this.#playoutEnd - now);
      if (lead + this.#frameMs > this.leadTargetMs) return true;
      const buffered = o.bufferedAmount();
      if (buffered > this.#maxBuffered) {
        if (!this.#degraded) {
          this.#degraded = true;
          o.counters.backpressureEvents++;
          o.onDegraded?.(`socket send buffer holds ${buffered} bytes (bound ${this.#maxBuffered})`, buffered);
        }
        return true;
      }
      if (this.#degraded && buffered < this.#maxBuffered / 2) this.#degraded = false;
      const frame = item.takeFrame(this.format.frameBytes);
      const start = Math.max(now, this.#playoutEnd);
      this.#playoutEnd = start + this.#frameMs;
      if (item.firstSentAt === undefined) {
        item.firstSentAt = now;
        item.state = 'sending';
        o.onItemStart?.(item);
      }
      item.scheduled(start, this.#frameMs);
      this.#queuedMs -= this.#frameMs;
      o.send(serializeOutbound(playAudio(this.format, frame)));
      o.onFrame?.(frame, start);
      o.counters.framesOut++;
      o.counters.bytesOut += frame.length;
      item.sentFrames++;
      if (item.marks.length > 0) this.sendDueMarks(item);
      const newLead = this.#playoutEnd - now;
      if (newLead > o.counters.maxLeadMs) o.counters.maxLeadMs = newLead;
    }
    if (this.#qhead > 0) {
      this.#queue = this.#queue.slice(this.#qhead);
      this.#qhead = 0;
    }
    this.#checkIdle();
    return false;
  }

  /** @internal send the item's marks whose frames have all been sent. */
  sendDueMarks(item: PlaybackItem): void {
    while (item.marks.length > 0 && (item.marks[0] as { afterFrames: number }).afterFrames <= item.sentFrames) {
      const m = item.marks.shift() as { name: string; settle: (s: 'played' | 'cleared') => void };
      this.#sendCheckpoint(m.name, { expectedEnd: this.#playoutEnd, settle: m.settle });
    }
  }

  #kick(): void {
    if (this.pump(this.#o.clock.now())) this.#o.pacer.add(this);
  }

  #sendCheckpoint(name: string, pending: PendingAck): void {
    this.#pending.set(name, pending);
    this.#o.counters.checkpointsSent++;
    this.#o.send(serializeOutbound(checkpointMessage(this.#o.streamId, name)));
    if (this.#ackTimer === undefined) this.#armAckTimer();
  }

  /** When the oldest pending checkpoint gives up on its ack. */
  #ackDeadline(p: PendingAck): number {
    return p.expectedEnd + this.#lagMs + (this.#o.ackMarginMs ?? 5000);
  }

  #armAckTimer(): void {
    let next = Number.POSITIVE_INFINITY;
    for (const p of this.#pending.values()) next = Math.min(next, this.#ackDeadline(p));
    if (next === Number.POSITIVE_INFINITY || this.#destroyed) return;
    this.#ackTimer = this.#o.clock.setTimer(this.#expireAcks, next - this.#o.clock.now());
  }

  #disarmAckTimer(): void {
    if (this.#ackTimer !== undefined) this.#o.clock.clearTimer(this.#ackTimer);
    this.#ackTimer = undefined;
  }

  // Checkpoints whose audio should long have played are settled as played (the audio was
  // sent; only the ack is missing), counted and reported, and the call goes on.
  readonly #expireAcks = (): void => {
    this.#ackTimer = undefined;
    const now = this.#o.clock.now();
    for (const [name, p] of this.#pending) {
      if (this.#ackDeadline(p) > now) continue;
      this.#pending.delete(name);
      this.#o.counters.checkpointsUnacked++;
      // Not counted in checkpointsPlayed: nobody confirmed it.
      if (p.item !== undefined) p.item.settle('played', p.item.durationMs);
      else p.settle?.('played');
      this.#o.onAckTimeout?.(name, now - p.expectedEnd);
    }
    this.#armAckTimer();
    this.#checkIdle();
  };

  #settleAck(p: PendingAck, status: 'played' | 'cleared'): void {
    if (p.item !== undefined) {
      p.item.settle(status, status === 'played' ? p.item.durationMs : 0);
      if (status === 'played') this.#o.counters.checkpointsPlayed++;
    } else p.settle?.(status);
  }

  #hasWork(): boolean {
    return this.#qhead < this.#queue.length || this.#pending.size > 0;
  }

  #checkIdle(): void {
    if (this.#hasWork() || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}
