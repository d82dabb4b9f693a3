/** `callwire serve`: run the server until SIGTERM/SIGINT, then drain and exit 0. */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { Command, Option } from 'commander';
import { LOG_LEVELS, type Logger, createLogger } from '../../log/logger.js';
import { type ServeConfig, isLoopbackUrl, readConfigFile, resolveServeConfig } from '../serve-config.js';
import type { ServerOptions } from '../../server/options.js';
import { type AgentChoice, selectAgent, verifyProviders } from '../agent-from-env.js';
import { createServer } from '../../server/server.js';
import { mountDashboard } from '../../dashboard/mount.js';
import { storeLogTap } from '../../server/store-glue.js';
import { repairRecordings } from '../../server/recording-repair.js';
import { SqliteStreamStore } from '../../store/sqlite-store.js';
import { CallwireError, ConfigError, isCallwireError } from '../../errors.js';

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code ?? String(cause);
    throw new ConfigError('CONFIG_FILE_UNREADABLE', `${flag} ${file}: cannot read it (${why}); give the path of a PEM file`, { cause });
  }
}

/** Read the PEM pair and check that it makes a TLS context, so a bad file is one coded line, not a stack. */
function readTls(certFile: string, keyFile: string): { cert: Buffer; key: Buffer } {
  const tls = { cert: readPem(certFile, '--tls-cert (TLS_CERT)'), key: readPem(keyFile, '--tls-key (TLS_KEY)') };
  try {
    createSecureContext(tls);
  } catch (cause) {
    throw new ConfigError('CONFIG_INVALID', `--tls-cert ${certFile} / --tls-key ${keyFile}: not a usable PEM certificate and matching key (${(cause as Error).message})`, { cause });
  }
  return tls;
}

/** Build server options from resolved settings (shared with tests). */
export function serverOptionsFrom(cfg: ServeConfig, logger: Logger): ServerOptions {
  return {
    publicUrl: cfg.publicUrl,
    trustProxy: cfg.trustProxy ? cfg.trustProxyHops : false,
    format: cfg.format as ServerOptions['format'],
    authToken: cfg.authToken,
    mainAuthToken: cfg.mainAuthToken,
    authId: cfg.authId,
    plivoApiUrl: cfg.plivoApiUrl,
    insecure: cfg.insecure,
    tls: cfg.tlsCert && cfg.tlsKey ? readTls(cfg.tlsCert, cfg.tlsKey) : undefined,
    drainTimeoutMs: cfg.drainTimeoutMs,
    leadMs: cfg.leadMs,
    limits: { maxStreams: cfg.maxStreams },
    keepalive: { intervalMs: cfg.pingIntervalMs, timeoutMs: cfg.pongTimeoutMs },
    alerts: { webhookUrl: cfg.alertWebhook },
    logger,
  };
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the answer URL, the stream WebSocket and status callbacks')
    .option('-p, --port <port>', 'port to listen on (env PORT, default 8080)')
    .option('--host <host>', 'address to bind (env HOST, default 0.0.0.0)')
    .option('--public-url <url>', 'public base URL Plivo uses, e.g. https://agent.example.com (env PUBLIC_URL)')
    .option('--format <format>', 'stream format: mulaw8k, l16-8k or l16-16k (env STREAM_FORMAT, default mulaw8k)')
    .option('--auth-token <token>', 'Plivo auth token: turns signature checks on (prefer env PLIVO_AUTH_TOKEN)')
    .option('--auth-id <id>', 'Plivo auth ID for REST calls such as hang up (env PLIVO_AUTH_ID)')
    .option('--plivo-api-url <url>', 'Plivo REST base URL (env PLIVO_API_URL, default https://api.plivo.com)')
    .option('--trust-proxy', 'honour X-Forwarded-Proto/Host/For (behind a TLS proxy or tunnel)')
    .option('--trust-proxy-hops <n>', 'proxies in front of the server: the client address is the X-Forwarded-For entry this many from the right (env TRUST_PROXY_HOPS, default 1)')
    .option('--insecure', 'allow a ws:// stream URL (local development only)')
    .option('--tls-cert <file>', 'PEM certificate: serve https/wss directly (env TLS_CERT)')
    .option('--tls-key <file>', 'PEM private key (env TLS_KEY)')
    .option('--drain-timeout <seconds>', 'on SIGTERM, how long live calls may continue (env DRAIN_TIMEOUT, default 30)')
    .option('--lead-ms <ms>', 'target outbound audio lead at Plivo (env LEAD_MS, default 300)')
    .option('--max-streams <n>', 'concurrent stream limit (env MAX_STREAMS, default 500)')
    .option('--ping-interval <seconds>', 'WebSocket ping period (env PING_INTERVAL, default 10)')
    .option('--pong-timeout <seconds>', 'close a stream whose pong is this late (env PONG_TIMEOUT, default 40: Plivo\'s slow-connection buffer)')
    .addOption(new Option('--log-level <level>', 'log level (env LOG_LEVEL)').choices(LOG_LEVELS))
    .option('--log-full-numbers', 'log phone numbers in full; by default only their last 4 digits (env LOG_FULL_NUMBERS)')
    .option('--db <path>', 'SQLite file for stream records (env CALLWIRE_DB, default data/callwire.db)')
    .option('--no-store', 'keep no stream records (env CALLWIRE_NO_STORE)')
    .option('--record', 'record every call as a stereo WAV (env RECORD_CALLS)')
    .option('--recordings-dir <dir>', 'where recordings go (env RECORDINGS_DIR, default data/recordings)')
    .option('--recordings-max-gb <gb>', 'cap of the recordings directory in GB; the oldest recordings are deleted past it (env RECORDINGS_MAX_GB, default no cap)')
    .option('--retention-days <days>', 'delete records older than this; 0 keeps them (env RETENTION_DAYS, default 30)')
    .option('--alert-webhook <url>', 'POST alerts here as JSON (env ALERT_WEBHOOK_URL)')
    .option('--agent <kind>', 'auto (AI agent when provider keys are set, else built-in), ai, builtin or echo (env CALLWIRE_AGENT)')
    .option('--dashboard-token <token>', 'token for the dashboard and browser phone; required on a non-loopback bind (prefer env DASHBOARD_TOKEN)')
    .option('-c, --config <file>', 'JSON config file (env CALLWIRE_CONFIG)')
    .action(async (flags: Record<string, unknown>) => {
      const file = flags.config ?? process.env.CALLWIRE_CONFIG;
      // commander's --no-store sets `store: false`; the setting is `noStore`.
      const cfg = resolveServeConfig({ ...flags, noStore: flags.store === false ? true : undefined }, process.env, file ? readConfigFile(String(file)) : {});
      // Bad TLS files fail here, before anything is opened or logged.
      const tls = cfg.tlsCert && cfg.tlsKey ? readTls(cfg.tlsCert, cfg.tlsKey) : undefined;
      const store = cfg.noStore ? undefined : new SqliteStreamStore({ path: cfg.dbPath, retentionMs: cfg.retentionDays > 0 ? cfg.retentionDays * 86_400_000 : null });
      const logger = createLogger({ level: cfg.logLevel as never, onLine: store ? storeLogTap(store) : undefined, fullNumbers: cfg.logFullNumbers });
      const selected = selectAgent(cfg.agent as AgentChoice, process.env);
      logger.info({ agent: selected.kind }, `serving ${selected.reason}`);
      try {
        await verifyProviders(selected, (m) => logger.warn(m));
      } catch (e) {
        await store?.close();
        throw e;
      }
      const server = createServer({ ...serverOptionsFrom({ ...cfg, tlsCert: undefined, tlsKey: undefined }, logger), tls, agent: selected.agent, onStream: selected.onStream, store, recording: store && cfg.record ? { dir: cfg.recordingsDir, maxBytes: cfg.recordingsMaxGb === undefined ? undefined : Math.round(cfg.recordingsMaxGb * 1e9) } : undefined });
      // The dashboard reads the stream records, so it comes with the store.
      const dashboard = store ? mountDashboard(server, { token: cfg.dashboardToken }) : undefined;
      if (!store) logger.info('the dashboard is off with --no-store (it reads the stream records)');
      // Handle SIGTERM/SIGINT from before the "listening" line: a supervisor (or a test) may stop
      // the server the moment it reads that line, before the code after it has run.
      const stopSignal = new Promise<string>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      });
      let where: Awaited<ReturnType<typeof server.listen>>;
      try {
        where = await server.listen(cfg.port, cfg.host);
      } catch (e) {
        dashboard?.close();
        await server.close();
        await store?.close();
        if (isCallwireError(e) && e.code === 'SERVER_LISTEN_FAILED') {
          const hint = e.details.errno === 'EADDRINUSE' ? ': pick another with --port (env PORT), or --port 0 for a free one' : e.details.errno === 'EADDRNOTAVAIL' ? ': check --host (env HOST)' : '';
          throw new CallwireError('SERVER_LISTEN_FAILED', `--port ${cfg.port} --host ${cfg.host}: ${e.message}${hint}`, { cause: e, details: e.details });
        }
        throw e;
      }
      logger.info({ url: where.url, format: cfg.format }, `callwire listening on ${where.url}`);
      if (store) void repairRecordings(store, cfg.recordingsDir, logger);
      logger.info(store ? `stream records: ${cfg.dbPath}${cfg.record ? `, recordings: ${cfg.recordingsDir}${cfg.recordingsMaxGb === undefined ? '' : ` (at most ${cfg.recordingsMaxGb} GB, oldest deleted first)`}` : ''} (callwire logs <stream-id>)` : 'stream records are off (--no-store)');
      logger.info(`answer URL: ${cfg.publicUrl ?? where.url}/plivo/answer   status URL: ${cfg.publicUrl ?? where.url}/plivo/status`);
      if (!cfg.authToken) logger.warn('PLIVO_AUTH_TOKEN is not set: Plivo request signatures are NOT checked (anyone can open a stream)');
      if (cfg.publicUrl?.startsWith('http://')) {
        logger.warn(isLoopbackUrl(cfg.publicUrl)
          ? `PUBLIC_URL ${cfg.publicUrl} is a loopback http:// URL: local development (stream URLs are ws://; the emulator on this machine can reach them, Plivo cannot)`
          : `PUBLIC_URL ${cfg.publicUrl} is http:// (--insecure): stream URLs are unencrypted ws://`);
      }
      if (!cfg.publicUrl) {
        logger.info(cfg.trustProxy ? 'no PUBLIC_URL: stream URLs follow each request\'s X-Forwarded-Proto/Host' : 'no PUBLIC_URL: stream URLs follow each request\'s Host header (set PUBLIC_URL=https://... in production)');
      }
      const signal = await stopSignal;
      logger.info({ signal }, `${signal}: draining (up to ${cfg.drainTimeoutMs} ms for ${server.streams.size} live calls)`);
      dashboard?.close();
      const { closedAtTimeout } = await server.drain();
      await store?.close();
      logger.info({ closedAtTimeout }, 'drained; exiting');
      process.exitCode = 0;
    });
}
