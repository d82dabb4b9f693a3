/**
 * The doctor report as a plain-text table for a terminal: check, result, what was seen and,
 * under it, the fix. Pure: the CLI prints it; other front ends render the same report their
 * own way.
 */
import { shownUrl } from './signature-checks.js';
import type { CheckResult, CheckStatus, DoctorReport } from './types.js';

/** Options of {@link renderDoctorText}. */
export interface RenderTextOptions {
  /** Line width to wrap at (default 100; at least 60). */
  width?: number;
}

const LABEL: Record<CheckStatus, string> = { ok: 'ok', warn: 'warn', fail: 'FAIL', skip: 'skip' };
const RESULT_WIDTH = 7;

function name(c: CheckResult): string {
  return c.target === undefined ? c.id : `${c.id} (${c.target})`;
}

/** Break `text` into lines of at most `width` characters (longer words stand alone). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '') lines.push(line);
  return lines.length === 0 ? [''] : lines;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Render a report as text (ends with a newline). */
export function renderDoctorText(report: DoctorReport, options: RenderTextOptions = {}): string {
  const width = Math.max(60, options.width ?? 100);
  const nameWidth = Math.min(34, Math.max(...report.checks.map((c) => name(c).length), 5)) + 2;
  const textWidth = width - nameWidth - RESULT_WIDTH;
  const pad = ' '.repeat(nameWidth + RESULT_WIDTH);
  const out: string[] = [];
  if (report.answerUrl !== undefined) out.push(`answer URL  ${report.answerUrl}`);
  if (report.streamUrl !== undefined) out.push(`stream URL  ${shownUrl(report.streamUrl)}`);
  for (const [i, l] of wrap(`${report.mode}: ${report.modeReason}`, width - 12).entries()) out.push(`${i === 0 ? 'mode'.padEnd(12) : ' '.repeat(12)}${l}`);
  out.push(`signatures  ${report.signed ? 'checked with the given auth token' : 'not checked (no --auth-token)'}`);
  out.push('');
  out.push(`${'check'.padEnd(nameWidth)}${'result'.padEnd(RESULT_WIDTH)}seen`);
  let group = '';
  for (const c of report.checks) {
    if (c.group !== group && group !== '') out.push('');
    group = c.group;
    const seen = wrap(c.seen, textWidth);
    out.push(`${name(c).padEnd(nameWidth)}${LABEL[c.status].padEnd(RESULT_WIDTH)}${seen[0]}`);
    for (const l of seen.slice(1)) out.push(pad + l);
    if (c.fix !== undefined) for (const [i, l] of wrap(`fix: ${c.fix}`, textWidth - 5).entries()) out.push(pad + (i === 0 ? l : `     ${l}`));
  }
  const n = report.counts;
  out.push('');
  out.push(`${report.checks.length} checks: ${n.ok} ok, ${n.warn} warn, ${n.fail} fail, ${n.skip} skip (${seconds(report.durationMs)})${report.ok ? '' : ': fix the FAIL rows first'}`);
  return `${out.join('\n')}\n`;
}
