// One stream: facts, latency waterfall per turn, transcript with barge-in marks, the
// timeline with Plivo's status callbacks, the recording and the debug log. A live call
// updates from the live feed; when it ends, the page reloads the stored record.
import { el, fill, fmtDateTime, fmtDuration, fmtOffset, getJson, hangupText, liveFeed, loadConfig } from './common.js';
import { legend, turnWaterfall } from './waterfall.js';
import { recordingView } from './wave.js';

// How long into the caller's speech a barge-in is typically recognised (for ordering only).
const BARGE_IN_LAG_MS = 1000;
const ref = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const error = document.getElementById('error');
const view = { stream: undefined, events: [], statusCallbacks: [], turns: new Map(), extraHeaders: {} };
let budget = { stt: 200, llm: 500, tts: 200, network: 100 };
let feed;
let logAfter;
let logTimer;

function showError(text) {
  error.textContent = text;
  error.hidden = false;
}

function renderFacts() {
  const s = view.stream;
  document.getElementById('sid').textContent = s.streamId;
  document.title = `callwire · ${s.streamId}`;
  const badge = document.getElementById('status');
  badge.textContent = s.status;
  badge.className = `badge ${s.status === 'live' ? 'live' : s.errorCount > 0 ? 'bad' : ''}`;
  const c = s.counters;
  const facts = [
    ['Call', s.callId],
    ['From → To', `${s.from ?? '?'} → ${s.to ?? '?'}`],
    ['Direction', s.direction ?? '–'],
    ['Format', s.format ?? '–'],
    ['Started', fmtDateTime(s.startedAt)],
    ['Duration', s.status === 'live' ? `${fmtDuration(Date.now() - s.startedAt)} (live)` : fmtDuration(s.durationMs)],
    ['Ended by', hangupText(s.hangup) || '–'],
    ['Frames in / out', `${c.framesIn} / ${c.framesOut}`],
    ['Gaps / late / bad', `${c.gaps} / ${c.lateFrames} / ${c.badFrames}`],
    ['Turns', String(view.turns.size)],
    ['Errors', String(s.errorCount)],
  ];
  for (const [k, v] of Object.entries(view.extraHeaders ?? {})) facts.push([`Header ${k}`, v]);
  fill(document.getElementById('facts'), facts.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, v))));
}

function renderWaterfall() {
  const turns = [...view.turns.values()].sort((a, b) => a.index - b.index);
  const box = document.getElementById('waterfall');
  if (turns.length === 0) fill(box, el('p', { class: 'muted' }, view.stream.status === 'live' ? 'Waiting for the first turn…' : 'No turns on this stream.'));
  else fill(box, turns.map(turnWaterfall), legend(budget));
}

/** The bot's reply: what the caller heard, then what was cut, marked. */
function botBubble(said, heard, interrupted, label) {
  const body = [];
  if (interrupted && typeof heard === 'string' && said.startsWith(heard)) {
    body.push(heard, el('span', { class: 'cut', title: 'the caller spoke over the bot here' }, '✂ barge-in'), el('span', { class: 'unheard', title: 'said but not heard' }, said.slice(heard.length)));
  } else if (interrupted) {
    body.push(el('div', {}, `said: ${said}`), el('div', {}, el('span', { class: 'cut' }, '✂ barge-in'), ` heard: ${heard || '(nothing)'}`));
  } else body.push(said);
  return el('div', { class: 'bubble agent', 'data-interrupted': interrupted ? 'true' : undefined }, el('span', { class: 'who' }, label), ...body);
}

// "yet" only while the call is live; an ended call says why there is nothing (a server that
// stopped mid-call never stored the turn in progress).
function emptyTranscript(s) {
  if (s.status === 'live') return 'Nothing said yet.';
  if (/server stopped/.test(s.hangup?.reason ?? '')) return 'No turns were stored: the server stopped before this call ended.';
  return 'No turns were stored for this call.';
}

function renderTranscript() {
  const items = [];
  const cutTurns = new Set();
  for (const t of view.turns.values()) {
    if (t.interrupted) cutTurns.add(t.index);
    items.push({
      at: t.startedAt,
      nodes: [
        el('div', { class: 'bubble caller' }, el('span', { class: 'who' }, `caller · turn ${t.index}`), t.userText || el('span', { class: 'muted' }, '(spoke; this agent does not transcribe)')),
        // Empty until the reply has played (the caller's part is stored as soon as it ends).
        t.botText === '' ? el('div', { class: 'bubble agent' }, el('span', { class: 'who' }, 'agent'), el('span', { class: 'muted' }, '…')) : botBubble(t.botText, t.heardText, t.interrupted, 'agent'),
      ],
    });
  }
  // Barge-ins on speech that is not a turn's reply (a greeting, a prompt). A barge-in is
  // recognised a moment into the caller's speech, but the cut words came before it.
  for (const e of view.events) {
    if (e.type === 'barge_in' && !cutTurns.has(e.turn)) items.push({ at: e.at - BARGE_IN_LAG_MS, nodes: [botBubble(e.said, e.heard, true, 'agent (interrupted)')] });
  }
  items.sort((a, b) => a.at - b.at);
  const box = document.getElementById('transcript');
  if (items.length === 0) fill(box, el('p', { class: 'muted' }, emptyTranscript(view.stream)));
  else fill(box, items.flatMap((i) => i.nodes));
}

function toolCallText(d) {
  const result = typeof d.result === 'string' && d.result !== '' ? `: ${d.result.length > 120 ? `${d.result.slice(0, 120)}…` : d.result}` : '';
  return `tool ${d.name} ${d.ok === false ? 'failed' : 'ran'} in ${fieldValue(d.ms)} ms${result}`;
}

function describe(e) {
  switch (e.type) {
    case 'state':
      return ['state', `agent ${e.state}`];
    case 'dtmf':
      return ['dtmf', `caller pressed ${e.digit}`];
    case 'barge_in':
      return ['barge_in', `caller spoke over the bot; heard "${e.heard}" of "${e.said}"`];
    case 'checkpoint':
      return ['checkpoint', `checkpoint ${e.name} ${e.state}`];
    case 'error':
      return ['error', `${e.code}: ${e.message}`];
    case 'note':
      // A tool call reads as a sentence: its name, outcome, time and (shortened) result.
      if (e.name === 'tool_call' && e.data) return ['tool', toolCallText(e.data)];
      return ['note', `${e.name}${e.data ? ` ${fieldsText(e.data)}` : ''}`];
    default:
      return [e.type, JSON.stringify(e)];
  }
}

function renderTimeline() {
  const s = view.stream;
  const rows = [{ at: s.startedAt, kind: 'stream', text: `stream started (${s.format ?? '?'})` }];
  for (const e of view.events) {
    const [kind, text] = describe(e);
    rows.push({ at: e.at, kind, text });
  }
  for (const c of view.statusCallbacks) {
    const extra = c.fields?.Reason ?? c.fields?.reason ?? c.fields?.BufferPercent;
    rows.push({ at: c.receivedAt, kind: 'status', text: `Plivo ${c.event}${extra ? ` (${extra})` : ''}` });
  }
  for (const t of view.turns.values()) rows.push({ at: t.startedAt, kind: 'turn', text: `turn ${t.index}: caller spoke${t.userText ? ` "${t.userText}"` : ''}` });
  if (s.endedAt !== undefined) rows.push({ at: s.endedAt, kind: 'stream', text: `stream ended: ${hangupText(s.hangup)}` });
  rows.sort((a, b) => a.at - b.at);
  fill(
    document.querySelector('#timeline tbody'),
    rows.map((r) => el('tr', { 'data-kind': r.kind }, el('td', { title: fmtDateTime(r.at) }, fmtOffset(r.at - s.startedAt)), el('td', { class: `kind kind-${r.kind}` }, r.kind), el('td', {}, r.text))),
  );
}

async function renderAudio() {
  const box = document.getElementById('audio');
  const s = view.stream;
  if (s.status === 'live') fill(box, el('p', { class: 'muted' }, 'The recording can be played when the call ends.'));
  else if (!s.hasRecording) fill(box, el('p', { class: 'muted' }, 'No recording. Start the server with --record (RECORD_CALLS=1), or in code createServer({ store, recording: { dir } }), to keep one per call.'));
  else {
    try {
      fill(box, await recordingView(s.streamId));
    } catch (e) {
      fill(box, el('p', { class: 'error' }, `Cannot show the recording: ${e.message}`));
    }
  }
}

function renderAll() {
  renderFacts();
  renderWaterfall();
  renderTranscript();
  renderTimeline();
}

// Numbers rounded to 0.1 (a measured 23.456789 ms reads 23.5), key=value like `callwire logs`.
function fieldValue(v) {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 10) / 10);
  if (typeof v === 'string') return v;
  return JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isInteger(x) ? Math.round(x * 10) / 10 : x));
}

function fieldsText(fields) {
  return Object.entries(fields).map(([k, v]) => `${k}=${fieldValue(v)}`).join(' ');
}

async function loadLogs() {
  const qs = new URLSearchParams({ limit: '500' });
  if (logAfter !== undefined) qs.set('afterId', String(logAfter));
  const page = await getJson(`/api/streams/${encodeURIComponent(view.stream.streamId)}/logs?${qs}`);
  const tbody = document.querySelector('#logs tbody');
  const s = view.stream;
  for (const l of page.lines) {
    const fields = l.fields ? fieldsText(l.fields) : '';
    tbody.append(el('tr', {}, el('td', {}, fmtOffset(l.at - s.startedAt)), el('td', { class: `lvl-${l.level}` }, l.level), el('td', {}, l.msg), el('td', { class: 'fields' }, fields)));
    logAfter = l.id;
  }
  document.getElementById('more-logs').hidden = page.nextAfterId === undefined;
  document.getElementById('logcount').textContent = `(${tbody.children.length} lines)`;
}

async function loadStored() {
  const d = await getJson(`/api/streams/${encodeURIComponent(ref)}`);
  view.stream = d;
  view.events = d.events;
  view.statusCallbacks = d.statusCallbacks;
  view.turns = new Map(d.turns.map((t) => [t.index, t]));
  view.extraHeaders = d.extraHeaders;
  renderAll();
  void renderAudio();
}

function followLive() {
  feed = liveFeed(`?stream=${encodeURIComponent(view.stream.streamId)}`, {
    snapshot(snap) {
      if (!snap.live) {
        // It ended between the first load and the feed opening.
        if (view.stream.status === 'live') void ended();
        return;
      }
      // While the call is live the feed is the source: the store may lag its write queue.
      view.stream = snap.stream;
      view.events = snap.events;
      view.statusCallbacks = snap.statusCallbacks;
      view.turns = new Map(snap.turns.map((t) => [t.index, t]));
      renderAll();
    },
    stream(s) {
      const wasLive = view.stream.status === 'live';
      view.stream = s;
      renderFacts();
      if (wasLive && s.status === 'ended') void ended();
    },
    event(m) {
      view.events.push(m.event);
      renderTimeline();
      if (m.event.type === 'barge_in') renderTranscript();
      if (m.event.type === 'error') renderFacts();
    },
    turn(m) {
      view.turns.set(m.turn.index, m.turn);
      renderWaterfall();
      renderTranscript();
      renderTimeline();
      renderFacts();
    },
    status(m) {
      view.statusCallbacks.push(m.callback);
      renderTimeline();
    },
  });
  logTimer = setInterval(() => void loadLogs().catch(() => undefined), 2000);
}

async function ended() {
  feed?.close();
  clearInterval(logTimer);
  const badge = document.getElementById('feed');
  badge.textContent = 'ended';
  badge.className = 'feed';
  await loadStored();
  await loadLogs();
}

document.getElementById('more-logs').addEventListener('click', () => void loadLogs());
try {
  const config = await loadConfig();
  budget = config.budget;
  await loadStored();
  await loadLogs();
  if (view.stream.status === 'live') followLive();
  else {
    const badge = document.getElementById('feed');
    badge.textContent = 'ended';
    badge.className = 'feed';
  }
} catch (e) {
  showError(`Could not load stream ${ref}: ${e.message}`);
}
