/**
 * `callwire serve` configuration from flags, environment variables and an optional JSON
 * config file (in that order of precedence), validated at start: an error names the
 * setting, where the bad value came from, and what is expected.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { LOG_LEVELS, isLogLevel } from '../log/logger.js';
import { streamFormat } from '../protocol/format.js';
import { isLoopbackHost } from '../server/loopback.js';

/** Whether a URL's host only reaches this machine (a malformed URL is not). */
export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).host);
  } catch {
    return false;
  }
}

/** Resolved `serve` settings. */
export interface ServeConfig {
  port: number;
  host: string;
  publicUrl?: string;
  format: string;
  authToken?: string;
  mainAuthToken?: string;
  authId?: string;
  plivoApiUrl?: string;
  trustProxy: boolean;
  /** Proxies in front of the server when trustProxy is on (the client is the X-Forwarded-For entry this many from the right). */
  trustProxyHops: number;
  insecure: boolean;
  tlsCert?: string;
  tlsKey?: string;
  drainTimeoutMs: number;
  leadMs: number;
  maxStreams: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  logLevel: string;
  /** Log phone numbers in full instead of their last 4 digits. */
  logFullNumbers: boolean;
  dbPath: string;
  noStore: boolean;
  record: boolean;
  recordingsDir: string;
  /** Cap of the recordings directory, GB (10^9 bytes); the oldest recordings are deleted past it. */
  recordingsMaxGb?: number;
  retentionDays: number;
  alertWebhook?: string;
  agent: string;
  /** Required for the dashboard and browser phone when the server binds a non-loopback address. */
  dashboardToken?: string;
}

type Kind = 'int' | 'number' | 'string' | 'bool' | 'url' | 'format' | 'seconds' | 'level' | 'agent';

interface Setting {
  key: keyof ServeConfig;
  flag: string;
  env: string;
  kind: Kind;
  /** Allowed range for numbers. */
  min?: number;
  max?: number;
  def?: unknown;
}

/** Every setting: its flag, env var and config-file key (the same as `key`). */
export const SETTINGS: readonly Setting[] = [
  { key: 'port', flag: 'port', env: 'PORT', kind: 'int', min: 0, max: 65535, def: 8080 },
  { key: 'host', flag: 'host', env: 'HOST', kind: 'string', def: '0.0.0.0' },
  { key: 'publicUrl', flag: 'publicUrl', env: 'PUBLIC_URL', kind: 'url' },
  { key: 'format', flag: 'format', env: 'STREAM_FORMAT', kind: 'format', def: 'mulaw/8000' },
  { key: 'authToken', flag: 'authToken', env: 'PLIVO_AUTH_TOKEN', kind: 'string' },
  { key: 'mainAuthToken', flag: 'mainAuthToken', env: 'PLIVO_MAIN_AUTH_TOKEN', kind: 'string' },
  { key: 'authId', flag: 'authId', env: 'PLIVO_AUTH_ID', kind: 'string' },
  { key: 'plivoApiUrl', flag: 'plivoApiUrl', env: 'PLIVO_API_URL', kind: 'url' },
  { key: 'trustProxy', flag: 'trustProxy', env: 'TRUST_PROXY', kind: 'bool', def: false },
  { key: 'trustProxyHops', flag: 'trustProxyHops', env: 'TRUST_PROXY_HOPS', kind: 'int', min: 1, max: 32, def: 1 },
  { key: 'insecure', flag: 'insecure', env: 'CALLWIRE_INSECURE', kind: 'bool', def: false },
  { key: 'tlsCert', flag: 'tlsCert', env: 'TLS_CERT', kind: 'string' },
  { key: 'tlsKey', flag: 'tlsKey', env: 'TLS_KEY', kind: 'string' },
  { key: 'drainTimeoutMs', flag: 'drainTimeout', env: 'DRAIN_TIMEOUT', kind: 'seconds', min: 0, max: 3600, def: 30 },
  { key: 'leadMs', flag: 'leadMs', env: 'LEAD_MS', kind: 'int', min: 40, max: 10_000, def: 300 },
  { key: 'maxStreams', flag: 'maxStreams', env: 'MAX_STREAMS', kind: 'int', min: 1, max: 100_000, def: 500 },
  { key: 'pingIntervalMs', flag: 'pingInterval', env: 'PING_INTERVAL', kind: 'seconds', min: 1, max: 600, def: 10 },
  // 40 s: Plivo buffers up to 40 s on a slow connection before dropping (src/stream/keepalive.ts).
  { key: 'pongTimeoutMs', flag: 'pongTimeout', env: 'PONG_TIMEOUT', kind: 'seconds', min: 1, max: 600, def: 40 },
  { key: 'logLevel', flag: 'logLevel', env: 'LOG_LEVEL', kind: 'level', def: 'info' },
  { key: 'logFullNumbers', flag: 'logFullNumbers', env: 'LOG_FULL_NUMBERS', kind: 'bool', def: false },
  { key: 'dbPath', flag: 'db', env: 'CALLWIRE_DB', kind: 'string', def: 'data/callwire.db' },
  { key: 'noStore', flag: 'noStore', env: 'CALLWIRE_NO_STORE', kind: 'bool', def: false },
  { key: 'record', flag: 'record', env: 'RECORD_CALLS', kind: 'bool', def: false },
  { key: 'recordingsDir', flag: 'recordingsDir', env: 'RECORDINGS_DIR', kind: 'string', def: 'data/recordings' },
  { key: 'recordingsMaxGb', flag: 'recordingsMaxGb', env: 'RECORDINGS_MAX_GB', kind: 'number', min: 0.001, max: 1_000_000 },
  { key: 'retentionDays', flag: 'retentionDays', env: 'RETENTION_DAYS', kind: 'int', min: 0, max: 3650, def: 30 },
  { key: 'alertWebhook', flag: 'alertWebhook', env: 'ALERT_WEBHOOK_URL', kind: 'url' },
  { key: 'agent', flag: 'agent', env: 'CALLWIRE_AGENT', kind: 'agent', def: 'auto' },
  { key: 'dashboardToken', flag: 'dashboardToken', env: 'DASHBOARD_TOKEN', kind: 'string' },
];

/** Shortest dashboard token accepted: a short one invites guessing. */
export const MIN_DASHBOARD_TOKEN = 16;

function bad(s: Setting, source: string, value: unknown, expected: string): ConfigError {
  return new ConfigError('CONFIG_INVALID', `${s.key}: expected ${expected}, got ${JSON.stringify(String(value).slice(0, 60))} (from ${source})`, {
    details: { setting: s.key, source },
  });
}

function convert(s: Setting, value: unknown, source: string): unknown {
  switch (s.kind) {
    case 'string':
      if (typeof value !== 'string' || value === '') throw bad(s, source, value, 'a non-empty string');
      return value;
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(1|true|yes|on)$/i.test(value)) return true;
      if (typeof value === 'string' && /^(0|false|no|off|)$/i.test(value)) return false;
      throw bad(s, source, value, 'true or false');
    case 'int':
    case 'number':
    case 'seconds': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
      const integer = s.kind === 'int';
      if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < (s.min ?? -Infinity) || n > (s.max ?? Infinity)) {
        throw bad(s, source, value, `${integer ? 'an integer' : s.kind === 'seconds' ? 'a number of seconds' : 'a number'} from ${s.min} to ${s.max}`);
      }
      return s.kind === 'seconds' ? Math.round(n * 1000) : n;
    }
    case 'url':
      try {
        const u = new URL(String(value));
        if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
      } catch {
        throw bad(s, source, value, 'an absolute http(s) URL, e.g. https://agent.example.com');
      }
      return String(value).replace(/\/+$/, '');
    case 'format':
      try {
        return streamFormat(String(value)).name;
      } catch {
        throw bad(s, source, value, 'one of mulaw/8000 (mulaw8k), l16/8000 (l16-8k), l16/16000 (l16-16k)');
      }
    case 'level':
      if (!isLogLevel(value)) throw bad(s, source, value, `one of ${LOG_LEVELS.join(', ')}`);
      return value;
    case 'agent':
      if (typeof value !== 'string' || !['auto', 'ai', 'builtin', 'echo'].includes(value)) throw bad(s, source, value, 'one of auto, ai, builtin, echo');
      return value;
  }
}

/** Read a JSON config file. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError('CONFIG_FILE_UNREADABLE', `cannot read config file ${path}: ${(cause as Error).message}`, { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError('CONFIG_INVALID', `config file ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError('CONFIG_INVALID', `config file ${path} must hold a JSON object`);
  const known = new Set(SETTINGS.map((s) => s.key as string));
  for (const k of Object.keys(value)) {
    if (!known.has(k)) throw new ConfigError('CONFIG_INVALID', `config file ${path}: unknown setting "${k}" (known: ${[...known].join(', ')})`);
  }
  return value as Record<string, unknown>;
}

/**
 * Resolve settings: flags (commander's camelCase option values) beat environment variables,
 * which beat the config file, which beats defaults.
 */
export function resolveServeConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv, file: Record<string, unknown> = {}): ServeConfig {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const sources: [unknown, string][] = [
      [flags[s.flag], `--${s.flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`],
      [env[s.env], `env ${s.env}`],
      [file[s.key], 'config file'],
    ];
    const found = sources.find(([v]) => v !== undefined && v !== '');
    if (found !== undefined) out[s.key] = convert(s, found[0], found[1]);
    else if (s.def !== undefined) out[s.key] = convert(s, s.def, 'default');
  }
  const cfg = out as unknown as ServeConfig;
  if ((cfg.tlsCert === undefined) !== (cfg.tlsKey === undefined)) {
    throw new ConfigError('CONFIG_MISSING', 'TLS needs both --tls-cert and --tls-key (or TLS_CERT and TLS_KEY)');
  }
  if (cfg.dashboardToken !== undefined && cfg.dashboardToken.length < MIN_DASHBOARD_TOKEN) {
    // The value itself is never echoed: it is a secret.
    throw new ConfigError('CONFIG_INVALID', `dashboardToken: expected at least ${MIN_DASHBOARD_TOKEN} characters, got ${cfg.dashboardToken.length} (use a long random secret, e.g. openssl rand -hex 24)`, {
      details: { setting: 'dashboardToken' },
    });
  }
  if (cfg.publicUrl?.startsWith('http://') && !cfg.insecure && !isLoopbackUrl(cfg.publicUrl)) {
    throw new ConfigError('CONFIG_INVALID', 'publicUrl: http:// on a non-loopback host gives Plivo an unencrypted ws:// stream URL; use https://, or pass --insecure to allow it (a loopback URL such as http://127.0.0.1:8080 needs nothing)');
  }
  return cfg;
}
