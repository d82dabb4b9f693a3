// Shared helpers of the dashboard pages: safe element building (text only, never HTML from
// data), JSON fetches that send the user to sign-in when needed, formatting, the live feed.

/** Build an element: `el('td', { class: 'x', title: 't' }, 'text', child)`. Strings become text nodes. */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'style') e.style.cssText = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** Replace an element's children. */
export function fill(parent, ...children) {
  parent.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
}

/** GET JSON; on 401 go to sign-in and come back here. */
export async function getJson(url) {
  const res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (res.status === 401) {
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new Error('sign in first');
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

/** The server's dashboard settings; shows the sign-out button when a token is in use. */
export async function loadConfig() {
  const config = await getJson('/api/config');
  const logout = document.getElementById('logout');
  if (logout !== null) logout.hidden = config.access !== 'token';
  return config;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** Local date and time, e.g. 2024-05-01 14:03:07. */
export function fmtDateTime(ms) {
  if (ms === undefined || ms === null) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A duration: 0:07, 12:34, 1:02:03. */
export function fmtDuration(ms) {
  if (ms === undefined || ms === null) return '';
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** An offset from the stream's start: +1.234 s. */
export function fmtOffset(ms) {
  return `${ms < 0 ? '-' : '+'}${(Math.abs(ms) / 1000).toFixed(3)} s`;
}

/** A short id for tables. */
export function shortId(id) {
  return id.length > 13 ? `${id.slice(0, 8)}…` : id;
}

/** Who ended a stream, for people. */
export function hangupText(h) {
  if (h === undefined || h === null) return '';
  return `${h.by}${h.code ? ` (${h.code})` : ''}: ${h.reason}`;
}

/**
 * Open the live feed (Server-Sent Events). `handlers` maps event names to functions of the
 * parsed data. The element `#feed` shows whether updates are flowing.
 */
export function liveFeed(query, handlers) {
  const badge = document.getElementById('feed');
  const source = new EventSource(`/api/events${query}`);
  const show = (text, cls) => {
    if (badge === null) return;
    badge.textContent = text;
    badge.className = `feed ${cls}`;
  };
  source.onopen = () => show('live', 'on');
  source.onerror = () => show(source.readyState === EventSource.CLOSED ? 'offline' : 'reconnecting…', 'off');
  for (const [name, fn] of Object.entries(handlers)) source.addEventListener(name, (e) => fn(JSON.parse(e.data)));
  return source;
}
