// Issue 15 item 1 (and the stream/agent half of item 8), as an attacker would: 500 DTMF keys at
// once on a call with the built-in agent (flite), and 500 before `start`, beside a healthy call.
// Before: the replies overflowed the Player and an unhandled rejection ended the process; 500
// keys made hundreds of "flite queue is full" error lines and a provider_outage alert; 500 keys
// before start wrote 500 warnings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinAgent } from '../../src/agent/builtin.js';
import { echoHandler } from '../../src/stream/echo.js';
import type { AgentSession } from '../../src/agent/session.js';
import { dtmfMessage, serializeInbound } from '../../src/protocol/serialize-inbound.js';
import { watchEscapes } from '../support/no-escape.js';
import { StreamClient } from '../support/stream-client.js';
import { type Target, alongsideHealthyCall, startTarget } from './support.js';

const OUTAGE = ['PROVIDER_UNAVAILABLE', 'PROVIDER_DISCONNECTED', 'PROVIDER_TIMEOUT', 'PROVIDER_AUTH_FAILED', 'PROVIDER_RATE_LIMITED'];
const escapes = watchEscapes();
const sessionErrors: string[] = [];
const sessions: AgentSession[] = [];
let target: Target;
beforeAll(async () => {
  const agent = builtinAgent({ onSession: (s) => void sessions.push(s) });
  agent.observe((s) => s.on('error', (e) => sessionErrors.push(e.error.code)));
  // The healthy call is echoed; the attackers (call ids 'attacker-…') get the built-in agent.
  target = await startTarget({}, async (call) => {
    const info = await call.started();
    if (info.callId.startsWith('attacker-')) agent.handle(call);
    else echoHandler(call);
  });
});
afterAll(async () => {
  await target.close();
});

function keys(c: StreamClient, n: number): void {
  for (let i = 0; i < n; i++) c.raw(serializeInbound(dtmfMessage({ sequenceNumber: 1000 + i, streamId: c.streamId, digit: '0123456789*'[i % 11] as string, timestamp: 0 })));
}

describe('a keypad flood on the built-in agent', () => {
  it('500 keys at once: nothing escapes, no flite-queue error lines, no outage; the healthy call loses nothing', async () => {
    sessionErrors.length = 0;
    await alongsideHealthyCall(target, async () => {
      const c = await StreamClient.connect(target.srv.streamUrl, { callId: `attacker-${Math.random()}` });
      c.start();
      await c.waitFor(() => c.audioFrames.length > 0, 20_000, 'the greeting');
      keys(c, 500);
      const session = () => sessions.find((s) => s.call.info?.streamId === c.streamId);
      await c.waitFor(() => session()?.call.counters.dtmf === 500, 20_000, '500 keys received');
      // The latest key is answered: its reply plays (the stream is alive and speaking).
      const before = c.audioFrames.length;
      await c.waitFor(() => c.audioFrames.length > before + 25, 20_000, 'the reply to the last key');
      expect(session()?.call.player.queuedMs ?? 0).toBeLessThan(15_000);
      expect(c.closed).toBeUndefined();
      await c.close();
    });
    escapes.assertNone();
    expect(target.logs.filter((l) => /flite queue is full/.test(String(l.msg)))).toEqual([]);
    expect(sessionErrors.filter((code) => OUTAGE.includes(code))).toEqual([]);
    expect(target.logs.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('500 keys before start: a few sampled lines, not 500 warnings; the call then works', async () => {
    const before = target.logs.length;
    await alongsideHealthyCall(target, async () => {
      const c = await StreamClient.connect(target.srv.streamUrl, { callId: `attacker-${Math.random()}` });
      keys(c, 500);
      c.start();
      await c.waitFor(() => c.audioFrames.length > 0, 20_000, 'speech after start');
      expect(c.closed).toBeUndefined();
      await c.close();
    });
    escapes.assertNone();
    const warnings = target.logs.slice(before).filter((l) => l.level >= 40);
    expect(warnings.length).toBeLessThanOrEqual(3);
  });
});
