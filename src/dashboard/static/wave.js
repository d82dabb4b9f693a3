// The recording: its waveform (peaks computed by the server; caller above, agent below)
// with a playhead, and an audio player that seeks by HTTP Range. Click the waveform to seek.
import { el, getJson } from './common.js';

const COLORS = ['#5b8def', '#a87ffb'];

function draw(canvas, wave, position) {
  const ctx = canvas.getContext('2d');
  const w = canvas.width;
  const h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  const lanes = wave.peaks.length;
  const laneH = h / lanes;
  wave.peaks.forEach((peaks, lane) => {
    const mid = laneH * lane + laneH / 2;
    ctx.fillStyle = COLORS[lane % COLORS.length];
    const n = peaks.length;
    for (let x = 0; x < w; x++) {
      const p = peaks[Math.floor((x / w) * n)] ?? 0;
      const half = Math.max(0.5, p * (laneH / 2 - 4));
      ctx.fillRect(x, mid - half, 1, half * 2);
    }
    ctx.fillStyle = '#94a3b8';
    ctx.font = `${Math.round(11 * (window.devicePixelRatio || 1))}px system-ui`;
    ctx.fillText(lane === 0 ? 'caller' : 'agent', 6, laneH * lane + 14 * (window.devicePixelRatio || 1));
  });
  if (position > 0) {
    ctx.fillStyle = '#f8fafc';
    ctx.fillRect(Math.round(position * w), 0, 2, h);
  }
}

/** The audio section of a stream with a recording. */
export async function recordingView(streamId) {
  const base = `/api/streams/${encodeURIComponent(streamId)}`;
  const canvas = el('canvas', { class: 'wave', 'aria-label': 'waveform: caller above, agent below' });
  const audio = el('audio', { controls: true, preload: 'metadata', src: `${base}/recording` });
  const box = el('div', {}, canvas, audio);
  const ratio = window.devicePixelRatio || 1;
  // Measure once laid out; 900 px is a fair guess before that.
  const width = Math.max(300, Math.round((canvas.clientWidth || 900) * ratio));
  canvas.width = width;
  canvas.height = Math.round(120 * ratio);
  const wave = await getJson(`${base}/waveform?points=${Math.min(4000, width)}`);
  box.dataset.durationMs = wave.durationMs;
  const seconds = wave.durationMs / 1000;
  const redraw = () => draw(canvas, wave, seconds > 0 ? audio.currentTime / seconds : 0);
  redraw();
  let frame = 0;
  const tick = () => {
    redraw();
    frame = audio.paused ? 0 : requestAnimationFrame(tick);
  };
  audio.addEventListener('play', () => {
    if (frame === 0) frame = requestAnimationFrame(tick);
  });
  audio.addEventListener('seeked', redraw);
  canvas.addEventListener('click', (e) => {
    const r = canvas.getBoundingClientRect();
    audio.currentTime = ((e.clientX - r.left) / r.width) * seconds;
    redraw();
  });
  return box;
}
