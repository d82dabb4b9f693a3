/**
 * Connects what happens on a server (streams, status callbacks, refused upgrades) and in its
 * agent sessions (ledgers, barge-ins, provider errors) to metrics and alerts.
 */
import type { Agent } from '../agent/define-agent.js';
import type { Alerter } from '../observability/alerts.js';
import type { ServerMetrics } from '../observability/metrics.js';
import type { ServerEventSource } from './events.js';
import { type ChainHealth, FallbackLlm, FallbackStt, FallbackTts } from '../providers/fallback/index.js';

const OUTAGE_CODES = new Set(['PROVIDER_UNAVAILABLE', 'PROVIDER_DISCONNECTED', 'PROVIDER_TIMEOUT', 'PROVIDER_AUTH_FAILED', 'PROVIDER_RATE_LIMITED']);

/** A fallback chain (src/providers/fallback): it reports each provider's standing. */
function isChain(p: unknown): p is { readonly health: ChainHealth } {
  return p instanceof FallbackStt || p instanceof FallbackLlm || p instanceof FallbackTts;
}

/**
 * Wire a server's events and its agent's sessions to metrics and alerts.
 * @returns what stops observing the agent (the server calls it when it closes)
 */
export function observeServer(server: ServerEventSource, metrics: ServerMetrics, alerts: Alerter, agent: Agent | undefined): () => void {
  server.on('stream', (call) => metrics.stream(call));
  server.on('rejected', (r) => metrics.upgradeRejected(r.status));
  server.on('status', (e) => {
    metrics.status(e);
    if (e.event === 'DroppedStream') {
      void alerts.raise({ kind: 'dropped_stream', streamId: e.streamId, callId: e.callId, message: `Plivo dropped the stream${e.reason ? `: ${e.reason}` : ''}`, details: { reason: e.reason } });
    } else if (e.event === 'DegradedStream') {
      void alerts.raise({ kind: 'degraded_stream', streamId: e.streamId, callId: e.callId, message: `Plivo's buffer for this stream is ${e.bufferPercent ?? '?'}% full (slow connection)`, details: { bufferPercent: e.bufferPercent } });
    }
  });
  const chains: { readonly health: ChainHealth }[] = [];
  for (const p of [agent?.config.stt, agent?.config.llm, agent?.config.tts]) if (isChain(p)) chains.push(p);
  if (chains.length > 0) metrics.providerHealth(() => chains.flatMap((c) => c.health.standings()));
  const stop = agent?.observe((session) => {
    // An agent may serve several servers: count only the sessions of this one's calls.
    if (!server.streams.has(session.call)) return;
    const ids = () => ({ streamId: session.call.info?.streamId, callId: session.call.info?.callId });
    session.on('ledger', (l) => {
      metrics.ledger(l);
      if (l.overruns.length > 0) {
        const worst = l.overruns[0] as { stage: string; ms: number; budgetMs: number };
        void alerts.raise({ kind: 'latency_budget', ...ids(), message: `turn ${l.turn}: ${worst.stage} took ${Math.round(worst.ms)} ms (budget ${worst.budgetMs} ms)`, details: { turn: l.turn, overruns: l.overruns } });
      }
    });
    session.on('barge_in', () => metrics.bargeIn());
    session.on('false_interruption', () => metrics.falseInterruption());
    session.on('error', ({ error, stage }) => {
      metrics.providerError(stage, error.code);
      if (OUTAGE_CODES.has(error.code)) void alerts.raise({ kind: 'provider_outage', ...ids(), message: `${stage} provider failed: ${error.code}: ${error.message}`, details: { stage, code: error.code } });
    });
    session.on('failover', (f) => {
      metrics.failover(f.stage, f.from, f.to);
      void alerts.raise({
        kind: 'provider_outage',
        ...ids(),
        message: `${f.stage} provider ${f.from} failed (${f.error.code}); the call moved to ${f.to} in ${Math.round(f.ms)} ms`,
        details: { code: 'PROVIDER_FAILOVER', stage: f.stage, from: f.from, to: f.to, cause: f.error.code },
      });
    });
  });
  return () => stop?.();
}
