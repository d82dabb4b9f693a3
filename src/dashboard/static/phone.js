// The browser phone page: buttons, keypad, meters, call timer, the agent's state and the
// conversation (from the live feed), and a read-only `window.callwirePhone` snapshot.
import { el, fill, fmtDuration, liveFeed, loadConfig } from './common.js';
import { PhoneCall } from './phone-call.js';

const $ = (id) => document.getElementById(id);
const callButton = $('call');
const hangupButton = $('hangup');
const keys = [];
let call;
let status = 'idle';
let agentState = '–';
let feed;
let timer;
let lastError;
const turns = new Map();

function setStatus(s) {
  status = s;
  $('state').textContent = s;
  callButton.disabled = s === 'connecting' || s === 'in call';
  hangupButton.disabled = s !== 'in call';
  for (const k of keys) k.disabled = s !== 'in call';
}

function showError(text) {
  lastError = text;
  $('error').textContent = text;
  $('error').hidden = false;
}

function renderStats() {
  if (call === undefined) return;
  const s = call.snapshot();
  const rows = [
    ['Stream', s.streamId],
    ['Frames sent', String(s.framesSent)],
    ['playAudio received', String(s.playAudioReceived)],
    ['Agent audio played', `${(s.playedMs / 1000).toFixed(1)} s`],
    ['Checkpoints answered', `${s.checkpointsAnswered} of ${s.checkpointsReceived}${s.checkpointsDropped > 0 ? ` (${s.checkpointsDropped} cleared)` : ''}`],
    ['clearAudio (barge-in)', String(s.clears)],
    ['Playout stalls', String(s.underruns)],
    ['Keys sent', String(s.dtmfSent)],
  ];
  if (s.agentDtmf !== '') rows.push(['DTMF from the agent', s.agentDtmf]);
  for (const e of s.errors) rows.push(['Protocol error', e]);
  fill($('stats'), rows.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, v))));
}

function renderTurns() {
  const list = [...turns.values()].sort((a, b) => a.index - b.index);
  if (list.length === 0) return;
  fill(
    $('transcript'),
    list.flatMap((t) => [
      el('div', { class: 'bubble caller' }, el('span', { class: 'who' }, `you · turn ${t.index}`), t.userText || el('span', { class: 'muted' }, '(you spoke)')),
      // A turn arrives as soon as the caller finished speaking; the agent's part once it played.
      t.botText === ''
        ? el('div', { class: 'bubble agent' }, el('span', { class: 'who' }, 'agent'), el('span', { class: 'muted' }, '…'))
        : el('div', { class: 'bubble agent' }, el('span', { class: 'who' }, `agent${t.interrupted ? ' (interrupted)' : ''}`), t.interrupted && t.heardText !== undefined ? t.heardText : t.botText),
    ]),
  );
}

function level(id, peak) {
  // Peak in dBFS mapped to the bar: -60 dB empty, 0 dB full.
  const db = peak > 0 ? 20 * Math.log10(peak) : -60;
  $(id).style.width = `${Math.max(0, Math.min(100, ((db + 60) / 60) * 100)).toFixed(0)}%`;
}

async function start() {
  $('error').hidden = true;
  lastError = undefined;
  turns.clear();
  fill($('transcript'), el('p', { class: 'muted' }, 'Connecting…'));
  setStatus('connecting');
  let session;
  try {
    const res = await fetch('/api/phone', { method: 'POST', credentials: 'same-origin' });
    session = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(session.error ?? `${res.status}`);
  } catch (e) {
    setStatus('idle');
    showError(`Could not start a phone session: ${e.message}`);
    return;
  }
  call = new PhoneCall(session, {
    echoCancellation: $('aec').checked,
    onChange: renderStats,
    onLevel: (mic, agent) => {
      level('mic', mic);
      level('spk', agent);
    },
    onEnd: (reason) => {
      setStatus('ended');
      clearInterval(timer);
      $('agent').textContent = '–';
      level('mic', 0);
      level('spk', 0);
      feed?.close();
      renderStats();
      $('transcript').append(el('p', { class: 'muted' }, `Call ended: ${reason}.`));
    },
  });
  const link = $('detail');
  link.href = `/streams/${encodeURIComponent(session.streamId)}`;
  $('link').hidden = false;
  feed = liveFeed(`?stream=${encodeURIComponent(session.streamId)}`, {
    event(m) {
      if (m.event.type === 'state') {
        agentState = m.event.state;
        $('agent').textContent = agentState;
      }
    },
    turn(m) {
      turns.set(m.turn.index, m.turn);
      renderTurns();
    },
  });
  try {
    await call.start();
  } catch (e) {
    call.hangup();
    setStatus('idle');
    showError(e.name === 'NotAllowedError' ? 'The microphone is blocked: allow it for this page (the icon in the address bar) and call again.' : e.message);
    return;
  }
  setStatus('in call');
  fill($('transcript'), el('p', { class: 'muted' }, 'Connected. Speak after the greeting.'));
  timer = setInterval(() => {
    $('timer').textContent = fmtDuration(call.now());
    renderStats();
  }, 250);
}

callButton.addEventListener('click', () => void start());
hangupButton.addEventListener('click', () => call?.hangup());
for (const d of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#']) {
  const b = el('button', { type: 'button', 'data-digit': d, disabled: true, onclick: () => call?.dtmf(d) }, d);
  keys.push(b);
}
fill($('keypad'), keys);

// Read-only state for people debugging in the console and for the browser tests.
Object.defineProperty(window, 'callwirePhone', {
  get: () => Object.freeze({ status, agentState, error: lastError, turns: turns.size, ...(call?.snapshot() ?? {}) }),
});

try {
  const config = await loadConfig();
  $('fmt').textContent = `${config.format.name}, the format this server's answer XML declares`;
} catch (e) {
  showError(`Could not load the server settings: ${e.message}`);
}
