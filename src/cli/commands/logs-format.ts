/**
 * Text rendering for `callwire logs`: one stream's record, timeline, turns and debug log,
 * and the recent-streams listing. Pure: data in, lines out (tests compare them exactly).
 */
import { type LedgerMarks, LatencyLedger, describeLedger } from '../../agent/latency-ledger.js';
import { LATENCY_STAGES, type StoredLedger as LedgerRecord, type StoredEvent, type StoredLogLine, type StreamDetail, type StreamSummary } from '../../store/types.js';

// The store lists the agent's mark names without importing the agent (it sits below it);
// these two lines fail to compile if the lists drift apart.
const MARKS: readonly (keyof LedgerMarks)[] = LATENCY_STAGES;
const _everyMarkListed: Record<Exclude<keyof LedgerMarks, (typeof LATENCY_STAGES)[number]>, never> = {};

/** An epoch-ms time as UTC ISO-8601. */
export function isoTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '-';
}

/** Offset from the stream start, e.g. `+4.100s` or `-0.005s`. */
export function offset(ms: number, from: number): string {
  const d = (ms - from) / 1000;
  return `${d < 0 ? '-' : '+'}${Math.abs(d).toFixed(3)}s`;
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`;
}

function kb(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} kB`;
}

function quote(s: string): string {
  return JSON.stringify(s);
}

/** One timeline event as text (an exhaustive switch over the event union). */
export function describeEvent(e: StoredEvent): string {
  switch (e.type) {
    case 'error':
      return `${e.code}: ${e.message}${e.retryable ? ' (retryable)' : ''}`;
    case 'dtmf':
      return `digit ${e.digit}`;
    case 'barge_in':
      return `said ${quote(e.said)}, heard ${quote(e.heard)}${e.heardMs === undefined ? '' : ` (${e.heardMs} ms)`}${e.turn === undefined ? '' : ` in turn ${e.turn}`}`;
    case 'checkpoint':
      return `${e.name} ${e.state}`;
    case 'state':
      return e.state;
    case 'note':
      if (e.name === 'tool_call' && e.data !== undefined) {
        const d = e.data as { name?: unknown; ok?: unknown; ms?: unknown; result?: unknown };
        return `tool ${String(d.name)} ${d.ok === false ? 'failed' : 'ran'} in ${String(d.ms)} ms${typeof d.result === 'string' && d.result !== '' ? `: ${d.result.slice(0, 120)}` : ''}`;
      }
      return e.data === undefined || Object.keys(e.data).length === 0 ? e.name : `${e.name} ${JSON.stringify(e.data)}`;
  }
}

function fieldsText(fields: Readonly<Record<string, unknown>> | undefined): string {
  if (fields === undefined) return '';
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

/** Marks in pipeline order (unknown names after, by time), as offsets from the earliest. */
export function ledgerMarks(ledger: LedgerRecord): string {
  const known = LATENCY_STAGES.filter((k) => ledger[k] !== undefined);
  const rest = Object.keys(ledger)
    .filter((k) => !(LATENCY_STAGES as readonly string[]).includes(k))
    .sort((a, b) => (ledger[a] as number) - (ledger[b] as number));
  const order = [...known, ...rest];
  if (order.length === 0) return '';
  const t0 = Math.min(...order.map((k) => ledger[k] as number));
  return order.map((k) => `${k} +${Math.round((ledger[k] as number) - t0)}`).join(' | ');
}

/** Stage durations and budget overruns, computed exactly as the agent computes them. */
export function ledgerStages(index: number, ledger: LedgerRecord): string {
  const l = new LatencyLedger(index);
  for (const k of MARKS) {
    const v = ledger[k];
    if (v !== undefined) l.mark(k, v);
  }
  return describeLedger(l.report());
}

/** A log line as text. */
export function formatLogLine(l: StoredLogLine, from: number): string {
  const f = fieldsText(l.fields);
  return `  ${offset(l.at, from)}  ${l.level.toUpperCase().padEnd(5)}  ${l.msg}${f === '' ? '' : `  ${f}`}`;
}

/** The whole report for one stream. */
export function formatStream(s: StreamDetail, logs: readonly StoredLogLine[]): string[] {
  const t0 = s.startedAt;
  const out: string[] = [];
  out.push(`Stream ${s.streamId}  [${s.status}]`);
  out.push(`  call        ${s.callId || '-'}${s.accountId === undefined ? '' : `   account ${s.accountId}`}`);
  out.push(`  from -> to  ${s.from ?? '-'} -> ${s.to ?? '-'}${s.direction === undefined ? '' : `  (${s.direction})`}`);
  out.push(`  format      ${s.format ?? '-'}`);
  out.push(`  started     ${isoTime(s.startedAt)}`);
  out.push(`  ended       ${s.endedAt === undefined ? '- (live)' : isoTime(s.endedAt)}   duration ${seconds(s.durationMs)}`);
  out.push(`  hangup      ${s.hangup === undefined ? '-' : `${s.hangup.by}: ${s.hangup.reason}${s.hangup.code === undefined ? '' : ` [${s.hangup.code}]`}`}`);
  const c = s.counters;
  out.push(`  frames      in ${c.framesIn} (${kb(c.bytesIn)})  out ${c.framesOut} (${kb(c.bytesOut)})  gaps ${c.gaps}  late ${c.lateFrames}  bad ${c.badFrames}`);
  if (s.recordingPath !== undefined) out.push(`  recording   ${s.recordingPath}`);
  const headers = fieldsText(s.extraHeaders);
  if (headers !== '') out.push(`  headers     ${headers}`);

  out.push('', `Status callbacks (${s.statusCallbacks.length})`);
  for (const cb of s.statusCallbacks) {
    const extra = Object.entries(cb.fields)
      .filter(([k]) => !/^(event|streamid|calluuid|timestamp)$/i.test(k))
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    out.push(`  ${offset(cb.receivedAt, t0)}  ${cb.event}${extra === '' ? '' : `  ${extra}`}`);
  }

  out.push('', `Timeline (${s.events.length})`);
  for (const e of s.events) out.push(`  ${offset(e.at, t0)}  ${e.type.padEnd(10)}  ${describeEvent(e)}`);

  out.push('', `Turns (${s.turns.length})`);
  for (const t of s.turns) {
    out.push(`  #${t.index}  ${offset(t.startedAt, t0)}${t.interrupted ? '  interrupted' : ''}`);
    if (t.userText !== '') out.push(`     caller  ${t.userText}`);
    if (t.botText !== '') out.push(`     bot     ${t.botText}`);
    if (t.heardText !== undefined && t.heardText !== t.botText) out.push(`     heard   ${t.heardText}`);
    const marks = ledgerMarks(t.ledger);
    if (marks !== '') out.push(`     marks   ${marks} (ms)`);
    const stages = ledgerStages(t.index, t.ledger);
    if (stages !== '') out.push(`     stages  ${stages}`);
  }

  out.push('', `Barge-ins (${s.bargeIns.length})`);
  for (const b of s.bargeIns) out.push(`  ${offset(b.at, t0)}  ${describeEvent(b)}`);

  const shown = logs.length < s.logCount ? `${logs.length} of ${s.logCount} lines` : `${s.logCount} lines`;
  out.push('', `Log (${shown})`);
  for (const l of logs) out.push(formatLogLine(l, t0));
  return out;
}

/** The recent-streams table. */
export function formatStreamList(streams: readonly StreamSummary[]): string[] {
  if (streams.length === 0) return ['no streams recorded yet'];
  const rows = streams.map((s) => [
    s.streamId,
    s.callId || '-',
    `${s.from ?? '-'} -> ${s.to ?? '-'}`,
    isoTime(s.startedAt),
    seconds(s.durationMs),
    s.status,
    s.hangup?.by ?? '-',
  ]);
  const head = ['STREAM', 'CALL', 'FROM -> TO', 'STARTED (UTC)', 'DURATION', 'STATUS', 'HANGUP'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cols: string[]): string => cols.map((v, i) => v.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}
