/**
 * Writes what happens on each stream into the store (record, counters, status callbacks,
 * timeline, agent turns with their latency ledger, barge-ins) and, when asked, records each
 * call as a stereo WAV (caller left, bot right, bot audio placed where the caller heard it).
 * Store writes are fire-and-forget; nothing here can disturb a call.
 */
import type { Agent } from '../agent/define-agent.js';
import { wireToPcm } from '../audio/codec.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log/logger.js';
import { CallRecorder, DEFAULT_RECORDINGS_DIR, recordingFileName } from '../store/recorder.js';
import { detach } from '../detached.js';
import { join, resolve } from 'node:path';
import { checkRecordingQuota, enforceRecordingQuota } from '../store/recording-quota.js';
import type { HangupBy, JsonValue, LogLevel, StreamStore } from '../store/types.js';
import type { CallStream } from '../stream/call-stream.js';
import type { EndedBy, StreamInfo } from '../stream/types.js';
import type { ServerEventSource } from './events.js';
import type { RecordingOptions } from './options.js';

/** Runs quota passes one at a time, with the live recordings kept. */
class RecordingQuota {
  readonly #dir: string;
  readonly #maxBytes: number;
  readonly #log: Logger;
  readonly live = new Set<string>();
  #chain: Promise<void> = Promise.resolve();

  constructor(dir: string, maxBytes: number, log: Logger) {
    this.#dir = dir;
    this.#maxBytes = maxBytes;
    this.#log = log;
  }

  /** Evict now (after any pass already running); never rejects. */
  enforce(): Promise<void> {
    this.#chain = this.#chain.then(async () => {
      const r = await enforceRecordingQuota(this.#dir, this.#maxBytes, this.live);
      if (r.removed > 0) this.#log.info({ removed: r.removed, freedBytes: r.freedBytes, totalBytes: r.totalBytes, maxBytes: this.#maxBytes }, 'recordings over their size cap: deleted the oldest');
    }).catch((e: unknown) => this.#log.warn({ err: (e as Error)?.message }, 'could not enforce the recordings size cap'));
    return this.#chain;
  }
}

const HANGUP: Record<EndedBy, HangupBy> = {
  caller: 'caller',
  agent: 'agent',
  socket_error: 'socket_error',
  keepalive: 'keepalive',
  drain: 'drain',
  server: 'server',
  protocol: 'server',
};

const LEVELS: Record<number, LogLevel> = { 10: 'debug', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'error' };

/** A logger `onLine` tap that stores each stream's log lines with its record. */
export function storeLogTap(store: StreamStore): (line: Record<string, unknown>) => void {
  return (line) => {
    const streamId = line.streamId;
    if (typeof streamId !== 'string') return;
    const { level, time, msg, pid: _p, hostname: _h, streamId: _s, ...fields } = line;
    store.log(streamId, { at: typeof time === 'number' ? time : Date.now(), level: LEVELS[Number(level)] ?? 'info', msg: String(msg ?? ''), fields: fields as Record<string, JsonValue> });
  };
}

/**
 * Connect a server (and its agent) to a store.
 * @returns what stops observing the agent (the server calls it when it closes)
 */
export function storeStreams(server: ServerEventSource, store: StreamStore, clock: Clock, log: Logger, agent: Agent | undefined, recording: RecordingOptions | undefined): () => void {
  // Each call's record id: its stream id, unless another stream had that id before.
  const records = new WeakMap<CallStream, string>();
  checkRecordingQuota(recording?.maxBytes, 'recording.maxBytes');
  const quota = recording?.maxBytes === undefined ? undefined : new RecordingQuota(recording.dir ?? DEFAULT_RECORDINGS_DIR, recording.maxBytes, log);
  server.on('status', (e) => store.statusCallback(e));
  server.on('stream', (call) => trackStream(call, store, clock, log, recording, quota, (id) => records.set(call, id)));
  const stop = agent?.observe((session) => {
    // An agent may serve several servers: store only the sessions of this one's calls.
    if (!server.streams.has(session.call)) return;
    const id = (): string | undefined => records.get(session.call);
    const turnStart = new Map<number, number>();
    session.on('user_turn', ({ turn }) => {
      const startedAt = Date.now() - turn.durationMs;
      turnStart.set(turn.index, startedAt);
      // The caller's side now, so the transcript (and the browser phone) shows it while the
      // agent is still answering; the reply replaces it (same index) once it has played.
      const streamId = id();
      if (streamId !== undefined) store.turn(streamId, { index: turn.index, startedAt, userText: turn.text, botText: '', heardText: '', interrupted: false, ledger: {} });
    });
    session.on('reply', ({ turn, userText, result }) => {
      const streamId = id();
      if (streamId === undefined) return;
      const ledger = session.lastLedger?.turn === turn ? session.lastLedger : undefined;
      const marks: Record<string, number> = {};
      // Stored relative to the caller's speech end, as the store's ledger format wants.
      const origin = ledger?.marks.speechEnd;
      if (ledger !== undefined && origin !== undefined) for (const [k, v] of Object.entries(ledger.marks)) if (typeof v === 'number') marks[k] = Math.round((v - origin) * 10) / 10;
      store.turn(streamId, { index: turn, startedAt: turnStart.get(turn) ?? Date.now(), userText, botText: result.text, heardText: result.heard, interrupted: result.status === 'interrupted', ledger: marks });
      turnStart.delete(turn);
    });
    session.on('barge_in', (b) => {
      const streamId = id();
      if (streamId !== undefined) store.event(streamId, { type: 'barge_in', at: Date.now(), turn: b.turn, said: b.said, heard: b.heard });
    });
    session.on('false_interruption', (f) => {
      const streamId = id();
      if (streamId !== undefined) store.event(streamId, { type: 'note', at: Date.now(), name: 'false_interruption', data: { turn: f.turn, resumed: f.resumed } });
    });
    session.on('state', ({ state }) => {
      const streamId = id();
      if (streamId !== undefined) store.event(streamId, { type: 'state', at: Date.now(), state });
    });
    session.on('tool_call', (t) => {
      const streamId = id();
      if (streamId !== undefined) store.event(streamId, { type: 'note', at: Date.now(), name: 'tool_call', data: { name: t.name, ok: t.ok, ms: Math.round(t.ms), result: t.result.slice(0, 500) } });
    });
    session.on('error', ({ error, stage }) => {
      const streamId = id();
      if (streamId !== undefined) store.event(streamId, { type: 'error', at: Date.now(), code: error.code, message: `${stage}: ${error.message}`, retryable: error.retryable });
    });
    session.on('failover', (f) => {
      const streamId = id();
      const message = `${f.stage}: ${f.from} failed (${f.error.code}); moved to ${f.to} in ${Math.round(f.ms)} ms`;
      if (streamId !== undefined) store.event(streamId, { type: 'error', at: Date.now(), code: 'PROVIDER_FAILOVER', message, retryable: false });
    });
  });
  return () => stop?.();
}

function trackStream(
  call: CallStream,
  store: StreamStore,
  clock: Clock,
  log: Logger,
  recording: RecordingOptions | undefined,
  quota: RecordingQuota | undefined,
  onRecord: (recordId: string) => void,
): void {
  let streamId: string | undefined;
  let recorder: CallRecorder | undefined;
  let lastIn: { at: number; audioEnd: number } | undefined;
  let counterTimer: ReturnType<Clock['setTimer']> | undefined;
  const pushCounters = (): void => {
    if (streamId === undefined || call.state !== 'started') return;
    store.counters(streamId, call.counters);
    counterTimer = clock.setTimer(pushCounters, 2000);
  };
  // Written once, by whichever comes first: the `start` event, or the end of a call whose
  // `start` was still held back (an async handler not yet resumed when the caller hung up).
  const writeStart = (info: StreamInfo): void => {
    if (streamId !== undefined) return;
    const p = info.callParams;
    const direction = p.Direction === 'outbound' ? 'outbound' : p.Direction === 'inbound' ? 'inbound' : undefined;
    streamId = store.streamStarted({ streamId: info.streamId, callId: info.callId, accountId: info.accountId, from: p.From, to: p.To, direction, format: info.format.name, startedAt: info.startedAt, extraHeaders: info.extraHeaders });
    onRecord(streamId);
  };
  call.on('start', (info) => {
    const first = streamId === undefined;
    writeStart(info);
    // Delivered after the end (held back, then resumed): the end already wrote the record.
    if (!first || call.state === 'ended') return;
    counterTimer = clock.setTimer(pushCounters, 2000);
    if (recording !== undefined) {
      // Live before the file exists: a quota pass run meanwhile (another call's end) must not
      // delete the recording this call is about to write.
      const path = resolve(join(recording.dir ?? DEFAULT_RECORDINGS_DIR, recordingFileName(streamId as string)));
      quota?.live.add(path);
      // The outbound track's frame for a moment arrives just after the caller's: keep 1 s in memory.
      const holdBackMs = info.tracks.includes('outbound') ? 1000 : 0;
      CallRecorder.open({ streamId: streamId as string, sampleRate: info.format.sampleRate, dir: recording.dir, store, holdBackMs })
        .then((r) => {
          if (r.path !== path) {
            quota?.live.delete(path);
            quota?.live.add(r.path);
          }
          if (call.state === 'ended') {
            quota?.live.delete(r.path);
            detach(() => r.close().then(() => quota?.enforce()), (e) => log.warn({ streamId, code: e.code }, `could not close the recording: ${e.message}`), 'STORE_WRITE_FAILED');
          } else {
            recorder = r;
            void quota?.enforce();
          }
        })
        .catch((e: unknown) => {
          quota?.live.delete(path);
          log.warn({ streamId, err: (e as Error).message }, 'could not start the call recording');
        });
    }
  });
  call.on('audio', (f) => {
    lastIn = { at: f.receivedAt, audioEnd: f.audioMs + f.durationMs };
    const info = call.info;
    if (recorder !== undefined && info !== undefined) recorder.caller(f.sampleRate === info.format.sampleRate ? f.pcm : wireToPcm(info.format, f.wire));
  });
  // audioTrack="both": Plivo streams what the call played to the caller (another stream's
  // agent, <Play>/<Speak>, a person) as its own track. That is what was heard, so it is the
  // right channel, placed at its own track position (both tracks start with the stream);
  // the bot's scheduled frames are then not recorded, or the same audio would land twice.
  const outboundTrack = (): boolean => call.info?.tracks.includes('outbound') === true;
  call.on('outboundAudio', (f) => {
    const info = call.info;
    if (recorder !== undefined && info !== undefined) recorder.bot(f.sampleRate === info.format.sampleRate ? f.pcm : wireToPcm(info.format, f.wire), f.audioMs);
  });
  // Bot audio goes on the caller's timeline where it will play: the caller's audio position
  // now, plus how far ahead of now the frame is scheduled.
  call.outboundTap = {
    frame: (wire, playAt) => {
      const info = call.info;
      if (recorder === undefined || info === undefined || lastIn === undefined || outboundTrack()) return;
      recorder.bot(wireToPcm(info.format, wire), lastIn.audioEnd + (playAt - lastIn.at));
    },
    clear: () => {
      if (!outboundTrack()) recorder?.clearBot();
    },
  };
  call.on('dtmf', (d) => {
    if (streamId !== undefined) store.event(streamId, { type: 'dtmf', at: Date.now(), digit: d.digit });
  });
  call.on('warning', (w) => {
    if (streamId !== undefined) store.event(streamId, { type: 'error', at: Date.now(), code: w.error.code, message: w.error.message, retryable: w.error.retryable });
  });
  // Detached: a user's StreamStore (the interface is public) may throw; that must end only this
  // record's writes, logged, never reach the process.
  const endWrites = async (end: Awaited<typeof call.ended>): Promise<void> => {
    if (counterTimer !== undefined) clock.clearTimer(counterTimer);
    if (call.info !== undefined) writeStart(call.info);
    if (streamId === undefined) return;
    store.streamEnded(streamId, { endedAt: Date.now(), hangup: { by: HANGUP[end.by], reason: end.reason, code: end.error?.code }, counters: call.counters });
    if (recorder !== undefined) {
      const r = await recorder.close();
      quota?.live.delete(recorder.path);
      if (r.error !== undefined) log.warn({ streamId, code: r.error.code }, `recording ended early: ${r.error.message}`);
      await quota?.enforce();
    }
  };
  detach(
    () => call.ended.then(endWrites),
    (e) => log.warn({ streamId, code: e.code }, `store writes at the stream's end failed: ${e.message}`),
    'STORE_WRITE_FAILED',
  );
}
