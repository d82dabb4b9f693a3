// The stream list: filter by status, search by stream id, call id or number, and live
// updates (new calls appear, live rows update, ended rows settle) without a reload.
import { el, fill, fmtDateTime, fmtDuration, getJson, hangupText, liveFeed, loadConfig, shortId } from './common.js';

const tbody = document.querySelector('#streams tbody');
const status = document.getElementById('status');
const search = document.getElementById('q');
const more = document.getElementById('more');
const empty = document.getElementById('empty');
const error = document.getElementById('error');

const rows = new Map(); // streamId -> <tr>
let cursor;
let generation = 0;

function filters() {
  return { status: status.value, q: search.value.trim() };
}

/** The same match the store applies, for rows that arrive live. */
function matches(s) {
  const f = filters();
  if (f.status !== 'all' && s.status !== f.status) return false;
  if (f.q === '') return true;
  const q = f.q.toLowerCase();
  return [s.streamId, s.callId, s.from, s.to].some((v) => typeof v === 'string' && v.toLowerCase().includes(q));
}

function row(s) {
  const bad = s.errorCount > 0 || s.hangup?.by === 'socket_error' || s.hangup?.by === 'timeout' || s.hangup?.by === 'keepalive';
  const duration = s.status === 'live' ? Date.now() - s.startedAt : s.durationMs;
  return el(
    'tr',
    { class: 'row', 'data-stream': s.streamId, 'data-status': s.status, onclick: () => location.assign(`/streams/${encodeURIComponent(s.streamId)}`) },
    el('td', {}, el('span', { class: `badge ${s.status === 'live' ? 'live' : bad ? 'bad' : ''}` }, s.status)),
    el('td', {}, fmtDateTime(s.startedAt)),
    el('td', { class: 'num', 'data-live-since': s.status === 'live' ? s.startedAt : undefined }, fmtDuration(duration)),
    el('td', {}, `${s.from ?? '?'} → ${s.to ?? '?'}`),
    el('td', { title: `stream ${s.streamId}\ncall ${s.callId}` }, el('a', { class: 'mono', href: `/streams/${encodeURIComponent(s.streamId)}` }, shortId(s.streamId))),
    el('td', { class: 'num' }, s.turnCount),
    el('td', { class: 'num' }, `${s.counters.framesIn} / ${s.counters.framesOut}`),
    el('td', {}, hangupText(s.hangup)),
    el('td', { class: `num ${s.errorCount > 0 ? 'error' : ''}` }, s.errorCount),
  );
}

function put(s, { prepend = false, fresh = false } = {}) {
  const tr = row(s);
  if (fresh) tr.classList.add('fresh');
  const old = rows.get(s.streamId);
  if (old !== undefined) old.replaceWith(tr);
  else if (prepend) tbody.prepend(tr);
  else tbody.append(tr);
  rows.set(s.streamId, tr);
  empty.hidden = rows.size > 0;
}

async function load(append = false) {
  const gen = ++generation;
  const f = filters();
  const qs = new URLSearchParams({ limit: '50' });
  if (f.status !== 'all') qs.set('status', f.status);
  if (f.q !== '') qs.set('q', f.q);
  if (append && cursor !== undefined) qs.set('cursor', cursor);
  try {
    const page = await getJson(`/api/streams?${qs}`);
    if (gen !== generation) return;
    error.hidden = true;
    if (!append) {
      rows.clear();
      fill(tbody);
    }
    for (const s of page.streams) put(s);
    cursor = page.nextCursor;
    more.hidden = cursor === undefined;
    empty.hidden = rows.size > 0;
  } catch (e) {
    error.textContent = `Could not load the streams: ${e.message}`;
    error.hidden = false;
  }
}

function onFilterChange() {
  const f = filters();
  const qs = new URLSearchParams();
  if (f.status !== 'all') qs.set('status', f.status);
  if (f.q !== '') qs.set('q', f.q);
  history.replaceState(null, '', qs.size > 0 ? `/?${qs}` : '/');
  void load();
}

const initial = new URLSearchParams(location.search);
status.value = ['live', 'ended'].includes(initial.get('status')) ? initial.get('status') : 'all';
search.value = initial.get('q') ?? '';
status.addEventListener('change', onFilterChange);
let debounce;
search.addEventListener('input', () => {
  clearTimeout(debounce);
  debounce = setTimeout(onFilterChange, 250);
});
more.addEventListener('click', () => void load(true));

// Live durations tick once a second.
setInterval(() => {
  for (const td of tbody.querySelectorAll('td[data-live-since]')) td.textContent = fmtDuration(Date.now() - Number(td.dataset.liveSince));
}, 1000);

await loadConfig().catch(() => undefined);
await load();
let connected = false;
liveFeed('', {
  // Sent on every (re)connect: after a gap in the feed, reload what may have been missed.
  live() {
    if (connected) void load();
    connected = true;
  },
  stream(s) {
    if (rows.has(s.streamId)) {
      // A row that no longer matches (a live filter and the call ended) leaves the list.
      if (matches(s)) put(s);
      else {
        rows.get(s.streamId).remove();
        rows.delete(s.streamId);
        empty.hidden = rows.size > 0;
      }
    } else if (matches(s)) put(s, { prepend: true, fresh: true });
  },
});
