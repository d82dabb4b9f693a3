/**
 * A call report as text for people (`callwire call`) and as JSON for machines. Pure.
 * URLs are shortened: long query values (signed context tokens) are cut, never printed whole.
 */
import type { CallEvent } from './events.js';
import type { CallReport } from './report.js';
import { type Summary, summarize } from './summary.js';

/** Shorten long query values of a URL (tokens) for display. */
export function displayUrl(url: string): string {
  return url.replace(/=([^&#]{17,})/g, (_m, v: string) => `=${v.slice(0, 8)}…`);
}

function short(id: string): string {
  return id.slice(0, 8);
}

function ms(n: number): string {
  return `${Math.round(n)} ms`;
}

/**
 * One line of text per event (without the time). `speed`: the call's audio clock factor; the
 * latency, gap and checkpoint figures (measured on the call's clock) are shown in audio ms,
 * like the summary; network times (answer, connect) stay real ms and say so when speed is not 1.
 */
export function describeEvent(e: CallEvent, speed = 1): [string, string] {
  const audio = (n: number): string => ms(n * speed);
  const real = (n: number): string => `${ms(n)}${speed === 1 ? '' : ' real'}`;
  switch (e.type) {
    case 'answer_request':
      return ['answer', `${e.method} ${displayUrl(e.url)}`];
    case 'answer':
      return ['answer', `HTTP ${e.status} in ${real(e.ms)}: <${e.verbs.join('>, <')}> ${displayUrl(e.streamUrl)} (${e.contentType})`];
    case 'connecting':
      return ['connect', `stream ${short(e.streamId)} -> ${displayUrl(e.url)}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`];
    case 'connected':
      return ['connect', `stream ${short(e.streamId)} open in ${real(e.ms)}`];
    case 'connect_failed':
      return ['connect', `attempt ${e.attempt} failed${e.status === undefined ? '' : ` (HTTP ${e.status})`}: ${e.reason}`];
    case 'start_sent':
      return ['start', `stream ${short(e.streamId)} ${e.format}, tracks ${e.tracks.join('+')}`];
    case 'caller_speech':
      return ['caller', `${e.phase === 'start' ? 'starts' : 'stops'} speaking (${e.label})`];
    case 'dtmf_sent':
      return ['caller', `presses ${e.digit}`];
    case 'bot_audio':
      return ['bot', e.phase === 'start' ? 'starts speaking' : `stops (${e.reason})`];
    case 'checkpoint':
      return ['app', `checkpoint "${e.name}" (${ms(e.pendingMs)} queued before it)`];
    case 'played_stream':
      return ['plivo', `playedStream "${e.name}" after ${audio(e.rttMs)}`];
    case 'clear_audio':
      return ['app', `clearAudio: dropped ${ms(e.droppedMs)}${e.droppedCheckpoints.length > 0 ? ` and checkpoints ${e.droppedCheckpoints.join(', ')}` : ''}`];
    case 'send_dtmf':
      return ['app', `sendDTMF ${e.digits}`];
    case 'buffer_level':
      return ['plivo', `playout buffer ${e.percent} % full (the app sends ahead of real time)`];
    case 'slow_connection':
      return ['plivo', `slow connection: ${e.percent} % of the 40 s buffer held (${ms(e.heldMs)} of caller audio not taken)`];
    case 'status_callback':
      return ['status', `${e.event} -> ${e.status === undefined ? `failed: ${e.error ?? ''}` : `HTTP ${e.status}`}`];
    case 'protocol_error':
      return ['ERROR', `${e.code}${e.plivoError === undefined ? '' : ` (${e.plivoError})`}: ${e.message}`];
    case 'response_latency':
      return ['latency', `response ${audio(e.ms)}`];
    case 'barge_in':
      return ['latency', `barge-in ${audio(e.ms)} (${e.cleared ? 'app cleared' : 'played out'})`];
    case 'gap':
      return ['gap', `bot audio ran dry for ${audio(e.ms)}`];
    case 'rest':
      return ['rest', `${e.method} ${e.path} -> ${e.status}`];
    case 'transfer':
      return ['plivo', `transfer to ${displayUrl(e.url)}`];
    case 'stream_reconnect':
      return ['plivo', `stream ${short(e.previousStreamId)} dropped: reconnecting the call as stream ${short(e.streamId)}`];
    case 'stream_end':
      return ['stream', `${short(e.streamId)} ended: ${e.reason}${e.code === undefined ? '' : ` (close ${e.code})`}`];
    case 'warning':
      return ['warning', e.message];
    case 'hangup':
      return ['hangup', `by ${e.by}: ${e.reason}`];
  }
}

/**
 * The timeline, one line per event: time since dialling, kind, description. One time base:
 * audio ms (the call's clock times `speed`), as in the summary; at speed 1 that is real time.
 * A first line says so when speed is not 1.
 */
export function formatTimeline(report: CallReport): string[] {
  const speed = report.speed;
  const lines = report.timeline.map((e) => {
    const [kind, text] = describeEvent(e, speed);
    return `${(e.t * speed).toFixed(1).padStart(9)}  ${kind.padEnd(8)} ${text}`;
  });
  if (speed !== 1) lines.unshift(`times in audio ms (--speed ${speed}: ${speed} audio ms per real ms)`);
  return lines;
}

function dist(values: readonly number[], unit = 'ms', scale = 1): string {
  if (values.length === 0) return '-';
  const s: Summary = summarize(values.map((v) => v * scale));
  return `p50 ${Math.round(s.p50)} ${unit}, p95 ${Math.round(s.p95)} ${unit}, max ${Math.round(s.max)} ${unit} (n=${s.count})`;
}

/** The latency and error summary under the timeline. */
export function formatSummary(report: CallReport): string[] {
  const m = report.metrics;
  // Latencies are measured on the call's clock; shown in audio ms like the lead and the timeline.
  const sp = report.speed;
  const sent = report.streams.reduce((a, s) => a + s.framesSent, 0);
  const lost = report.streams.reduce((a, s) => a + s.framesLost, 0);
  const lines = [
    `call ${report.callId} (${report.format ?? 'no stream'}) ended by ${report.hangup.by} after ${(report.durationMs / 1000).toFixed(1)} s: ${report.hangup.reason}`,
    `  streams           ${report.streams.length}; ${sent} frames sent, ${lost} lost; caller spoke ${ms(m.callerSpeechMs)}, heard ${ms(m.botAudioMs)} of bot audio`,
    `  response latency  ${m.responseLatencyMs.length > 0 ? dist(m.responseLatencyMs, 'ms', sp) : '- (no bot turn began after the caller finished speaking)'}`,
    `  barge-in latency  ${dist(m.bargeInLatencyMs, 'ms', sp)}`,
    `  gaps              ${m.gapsMs.length === 0 ? 'none' : `${m.gapsMs.length}, ${dist(m.gapsMs, 'ms', sp)}`}`,
    `  checkpoint rtt    ${dist(m.checkpointRttMs, 'ms', sp)}`,
    `  pacing lead       ${dist(m.leadMs)}`,
    `  pacing jitter     ${dist(m.jitterMs)}`,
    `  protocol errors   ${report.protocolErrors.length === 0 ? 'none' : report.protocolErrors.map((e) => e.code).join(', ')}`,
  ];
  if (report.warnings.length > 0) lines.push(`  warnings          ${report.warnings.length}`);
  if (sp !== 1) lines.push(`  (figures in audio ms; the call took ${(report.durationMs / 1000).toFixed(1)} s of real time at --speed ${sp})`);
  return lines;
}

/**
 * The report as plain JSON: recordings are summarised (the audio goes to a WAV file instead)
 * and URLs shortened like the text form.
 */
export function reportToJson(report: CallReport): Record<string, unknown> {
  const { recording, ...rest } = report;
  const plain = {
    ...rest,
    recording: recording === undefined ? undefined : { sampleRate: recording.sampleRate, samples: recording.caller.length, seconds: recording.caller.length / recording.sampleRate },
  };
  return JSON.parse(JSON.stringify(plain, (key, value: unknown) => (typeof value === 'string' && /url$/i.test(key) ? displayUrl(value) : value))) as Record<string, unknown>;
}
