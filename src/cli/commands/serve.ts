/** `callwire serve`: run the server until SIGTERM/SIGINT, then drain and exit 0. */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { LOG_LEVELS, type Logger, createLogger } from '../../log/logger.js';
import { type ServeConfig, readConfigFile, resolveServeConfig } from '../../server/config.js';
import type { ServerOptions } from '../../server/options.js';
import { type AgentChoice, selectAgent, verifyProviders } from '../../agent/from-env.js';
import { createServer } from '../../server/server.js';
import { mountDashboard } from '../../dashboard/mount.js';
import { storeLogTap } from '../../server/store-glue.js';
import { SqliteStreamStore } from '../../store/sqlite-store.js';

/** Build server options from resolved settings (shared with tests). */
export function serverOptionsFrom(cfg: ServeConfig, logger: Logger): ServerOptions {
  return {
    publicUrl: cfg.publicUrl,
    trustProxy: cfg.trustProxy,
    format: cfg.format as ServerOptions['format'],
    authToken: cfg.authToken,
    mainAuthToken: cfg.mainAuthToken,
    authId: cfg.authId,
    plivoApiUrl: cfg.plivoApiUrl,
    insecure: cfg.insecure,
    tls: cfg.tlsCert && cfg.tlsKey ? { cert: readFileSync(cfg.tlsCert), key: readFileSync(cfg.tlsKey) } : undefined,
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
    .option('--insecure', 'allow a ws:// stream URL (local development only)')
    .option('--tls-cert <file>', 'PEM certificate: serve https/wss directly (env TLS_CERT)')
    .option('--tls-key <file>', 'PEM private key (env TLS_KEY)')
    .option('--drain-timeout <seconds>', 'on SIGTERM, how long live calls may continue (env DRAIN_TIMEOUT, default 30)')
    .option('--lead-ms <ms>', 'target outbound audio lead at Plivo (env LEAD_MS, default 300)')
    .option('--max-streams <n>', 'concurrent stream limit (env MAX_STREAMS, default 500)')
    .option('--ping-interval <seconds>', 'WebSocket ping period (env PING_INTERVAL, default 10)')
    .option('--pong-timeout <seconds>', 'close a stream whose pong is this late (env PONG_TIMEOUT, default 40: Plivo\'s slow-connection buffer)')
    .addOption(new Option('--log-level <level>', 'log level (env LOG_LEVEL)').choices(LOG_LEVELS))
    .option('--db <path>', 'SQLite file for stream records (env CALLWIRE_DB, default data/callwire.db)')
    .option('--no-store', 'keep no stream records (env CALLWIRE_NO_STORE)')
    .option('--record', 'record every call as a stereo WAV (env RECORD_CALLS)')
    .option('--recordings-dir <dir>', 'where recordings go (env RECORDINGS_DIR, default data/recordings)')
    .option('--retention-days <days>', 'delete records older than this; 0 keeps them (env RETENTION_DAYS, default 30)')
    .option('--alert-webhook <url>', 'POST alerts here as JSON (env ALERT_WEBHOOK_URL)')
    .option('--agent <kind>', 'auto (AI agent when provider keys are set, else built-in), ai, builtin or echo (env CALLWIRE_AGENT)')
    .option('--dashboard-token <token>', 'token for the dashboard and browser phone; required on a non-loopback bind (prefer env DASHBOARD_TOKEN)')
    .option('-c, --config <file>', 'JSON config file (env CALLWIRE_CONFIG)')
    .action(async (flags: Record<string, unknown>) => {
      const file = flags.config ?? process.env.CALLWIRE_CONFIG;
      // commander's --no-store sets `store: false`; the setting is `noStore`.
      const cfg = resolveServeConfig({ ...flags, noStore: flags.store === false ? true : undefined }, process.env, file ? readConfigFile(String(file)) : {});
      const store = cfg.noStore ? undefined : new SqliteStreamStore({ path: cfg.dbPath, retentionMs: cfg.retentionDays > 0 ? cfg.retentionDays * 86_400_000 : null });
      const logger = createLogger({ level: cfg.logLevel as never, onLine: store ? storeLogTap(store) : undefined });
      const selected = selectAgent(cfg.agent as AgentChoice, process.env);
      logger.info({ agent: selected.kind }, `serving ${selected.reason}`);
      try {
        await verifyProviders(selected, (m) => logger.warn(m));
      } catch (e) {
        await store?.close();
        throw e;
      }
      const server = createServer({ ...serverOptionsFrom(cfg, logger), agent: selected.agent, onStream: selected.onStream, store, recording: store && cfg.record ? { dir: cfg.recordingsDir } : undefined });
      // The dashboard reads the stream records, so it comes with the store.
      const dashboard = store ? mountDashboard(server, { token: cfg.dashboardToken }) : undefined;
      if (!store) logger.info('the dashboard is off with --no-store (it reads the stream records)');
      const where = await server.listen(cfg.port, cfg.host);
      logger.info({ url: where.url, format: cfg.format }, `callwire listening on ${where.url}`);
      logger.info(store ? `stream records: ${cfg.dbPath}${cfg.record ? `, recordings: ${cfg.recordingsDir}` : ''} (callwire logs <stream-id>)` : 'stream records are off (--no-store)');
      logger.info(`answer URL: ${cfg.publicUrl ?? where.url}/plivo/answer   status URL: ${cfg.publicUrl ?? where.url}/plivo/status`);
      if (!cfg.authToken) logger.warn('PLIVO_AUTH_TOKEN is not set: Plivo request signatures are NOT checked (anyone can open a stream)');
      if (!cfg.publicUrl) {
        logger.info(cfg.trustProxy ? 'no PUBLIC_URL: stream URLs follow each request\'s X-Forwarded-Proto/Host' : 'no PUBLIC_URL: stream URLs follow each request\'s Host header (set PUBLIC_URL=https://... in production)');
      }
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string): void => {
          if (stopping) return;
          stopping = true;
          logger.info({ signal }, `${signal}: draining (up to ${cfg.drainTimeoutMs} ms for ${server.streams.size} live calls)`);
          dashboard?.close();
          void server.drain().then(async ({ closedAtTimeout }) => {
            await store?.close();
            logger.info({ closedAtTimeout }, 'drained; exiting');
            resolve();
          });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      process.exitCode = 0;
    });
}
