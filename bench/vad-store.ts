/**
 * Cost of the per-call VAD and of the stream store's write path, each against a baseline in
 * the same run: the VAD against a plain RMS level per frame; batched store writes against
 * one transaction per row (what a naive logger-to-SQLite does). Prints JSON.
 *
 *   npx tsx bench/vad-store.ts [--quick]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SpeechDetector } from '../src/agent/speech-detector.js';
import { dbfs } from '../src/audio/level.js';
import { webRtcVad } from '../src/providers/webrtc-vad/index.js';
import { CallRecorder } from '../src/store/recorder.js';
import { migrate } from '../src/store/schema.js';
import { SqliteStreamStore } from '../src/store/sqlite-store.js';
import { noise, voiced } from '../test/support/signals.js';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 20 : 120;

function best(runs: number, fn: () => number): number {
  let b = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) b = Math.min(b, fn());
  return b;
}

async function vadRows(): Promise<object[]> {
  const rows: object[] = [];
  for (const rate of [8000, 16000]) {
    const n = rate / 50;
    const audio = new Int16Array(SECONDS * rate);
    const speech = voiced(1000, rate, { syllableHz: 4 });
    const hiss = noise(1000, rate, -50, 3);
    for (let s = 0; s < SECONDS; s++) audio.set(s % 2 === 0 ? speech : hiss, s * rate);
    const frames = audio.length / n;
    const vad = await webRtcVad().create(rate);
    const vadUs = best(5, () => {
      const t0 = performance.now();
      for (let i = 0; i < audio.length; i += n) vad.process(audio.subarray(i, i + n));
      return ((performance.now() - t0) * 1000) / frames;
    });
    vad.destroy();
    const det = await SpeechDetector.create(webRtcVad(), rate);
    const detUs = best(5, () => {
      const t0 = performance.now();
      for (let i = 0; i < audio.length; i += n) det.push(audio.subarray(i, i + n));
      return ((performance.now() - t0) * 1000) / frames;
    });
    det.destroy();
    const rmsUs = best(5, () => {
      const t0 = performance.now();
      let sink = 0;
      for (let i = 0; i < audio.length; i += n) sink += dbfs(audio.subarray(i, i + n)) > -50 ? 1 : 0;
      if (sink < 0) throw new Error('unreachable');
      return ((performance.now() - t0) * 1000) / frames;
    });
    rows.push({ name: `WebRTC VAD, 20 ms frame @ ${rate}`, usPerFrame: +vadUs.toFixed(2), baselineRmsUs: +rmsUs.toFixed(2) });
    rows.push({ name: `SpeechDetector (VAD + level + hysteresis) @ ${rate}`, usPerFrame: +detUs.toFixed(2), shareOfCore: `${((detUs / 20_000) * 100).toFixed(4)} %` });
  }
  return rows;
}

async function storeRows(): Promise<object[]> {
  const dir = mkdtempSync(join(tmpdir(), 'callwire-bench-'));
  try {
    const rows = quick ? 20_000 : 100_000;
    const store = new SqliteStreamStore({ path: join(dir, 'batched.db'), retentionMs: null, maxPending: rows + 10 });
    const msg = 'frame late by 23 ms';
    const t0 = performance.now();
    for (let i = 0; i < rows; i++) store.log(`stream-${i % 100}`, { at: i, level: 'debug', msg, fields: { seq: i, lateMs: 23 } });
    const pushUs = ((performance.now() - t0) * 1000) / rows;
    const t1 = performance.now();
    await store.flush();
    const batchedRowsPerS = rows / ((performance.now() - t1) / 1000);
    await store.close();

    const naive = new Database(join(dir, 'naive.db'));
    naive.pragma('journal_mode = WAL');
    naive.pragma('synchronous = NORMAL');
    migrate(naive);
    const ins = naive.prepare('INSERT INTO logs (stream_id, at, level, msg, fields) VALUES (?, ?, ?, ?, ?)');
    const n = Math.floor(rows / 10);
    const t2 = performance.now();
    for (let i = 0; i < n; i++) naive.transaction(() => ins.run(`stream-${i % 100}`, i, 'debug', msg, JSON.stringify({ seq: i, lateMs: 23 })))();
    const naiveRowsPerS = n / ((performance.now() - t2) / 1000);
    naive.close();
    return [
      { name: 'store.log() on the media path (normalise + enqueue)', usPerCall: +pushUs.toFixed(2) },
      {
        name: 'rows written per second, WAL file',
        batched: Math.round(batchedRowsPerS),
        baselineOneTransactionPerRow: Math.round(naiveRowsPerS),
        ratio: +(batchedRowsPerS / naiveRowsPerS).toFixed(1),
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function recorderRow(): Promise<object> {
  const dir = mkdtempSync(join(tmpdir(), 'callwire-bench-rec-'));
  try {
    const rec = await CallRecorder.open({ streamId: 'bench', sampleRate: 8000, dir });
    const frame = voiced(20, 8000);
    const frames = SECONDS * 50;
    const t0 = performance.now();
    for (let i = 0; i < frames; i++) {
      rec.caller(frame);
      if (i % 2 === 0) rec.bot(frame);
    }
    await rec.close();
    const us = ((performance.now() - t0) * 1000) / frames;
    return { name: 'CallRecorder, per 20 ms frame (both sides, incl. disk)', usPerFrame: +us.toFixed(2) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const result = { seconds: SECONDS, vad: await vadRows(), store: await storeRows(), recorder: await recorderRow() };
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
