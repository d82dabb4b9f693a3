// A complete call rig for agent tests: fake Deepgram + fake OpenAI-compatible LLM (wire-faithful
// servers on loopback, driven by the real provider clients), the embedded flite TTS, a real
// callwire server running the agent, and the emulator as the caller.
import { defineAgent } from '../../src/agent/define-agent.js';
import type { AgentConfig } from '../../src/agent/session.js';
import type { AgentSession } from '../../src/agent/session.js';
import { type Clock, defaultClock } from '../../src/clock.js';
import { DeepgramStt, type DeepgramSttOptions } from '../../src/providers/deepgram/index.js';
import { fliteTts } from '../../src/providers/flite/index.js';
import { OpenAiLlm } from '../../src/providers/openai/llm.js';
import { Pacer } from '../../src/stream/pacer.js';
import { type FakeDeepgram, type FakeDeepgramOptions, startFakeDeepgram } from '../../src/testing/fakes/deepgram.js';
import { type FakeOpenAi, type FakeOpenAiOptions, startFakeOpenAi } from '../../src/testing/fakes/openai.js';
import type { ServerOptions } from '../../src/server/options.js';
import { type TestServer, startServer } from './server.js';

export interface Rig {
  readonly dg: FakeDeepgram;
  readonly openai: FakeOpenAi;
  readonly srv: TestServer;
  readonly answerUrl: string;
  readonly sessions: AgentSession[];
  /** The first session, once a call connected. */
  session(): Promise<AgentSession>;
  close(): Promise<void>;
}

export interface RigOptions {
  readonly agent?: Partial<AgentConfig>;
  /** Options of the STT client, over the rig's. */
  readonly stt?: Partial<DeepgramSttOptions>;
  /** Options of the LLM client (timeouts, retries), over the rig's. */
  readonly llm?: Partial<ConstructorParameters<typeof OpenAiLlm>[0]>;
  readonly deepgram?: FakeDeepgramOptions;
  readonly openai?: FakeOpenAiOptions;
  readonly clock?: Clock;
  /** Agent settings that need the rig's fakes (e.g. a fallback chain with the rig's client first), over `agent`. */
  /** Server options over the rig's (e.g. a store). */
  readonly server?: Partial<ServerOptions>;
  readonly agentWith?: (fakes: { readonly dg: FakeDeepgram; readonly openai: FakeOpenAi }) => Partial<AgentConfig>;
}

export async function startRig(o: RigOptions = {}): Promise<Rig> {
  const clock = o.clock ?? defaultClock;
  const dg = await startFakeDeepgram({ latencyMs: 80, ...o.deepgram });
  const openai = await startFakeOpenAi({ ttftMs: 150, interTokenMs: 5, ...o.openai });
  const sessions: AgentSession[] = [];
  const agent = defineAgent({
    instructions: 'You are a test agent.',
    stt: new DeepgramStt({ apiKey: dg.apiKey, baseUrl: dg.url, endpointingMs: 300, ...o.stt }),
    llm: new OpenAiLlm({ apiKey: openai.apiKey, baseUrl: openai.baseUrl, model: 'gpt-4o-mini', ...o.llm }),
    tts: fliteTts(),
    ...o.agent,
    ...o.agentWith?.({ dg, openai }),
    onSession: (s) => {
      sessions.push(s);
      o.agent?.onSession?.(s);
    },
  });
  const srv = await startServer({ agent, clock, pacer: new Pacer(clock, 10), ...o.server });
  return {
    dg,
    openai,
    srv,
    answerUrl: `${srv.http}/plivo/answer`,
    sessions,
    async session() {
      const t0 = Date.now();
      while (sessions.length === 0) {
        if (Date.now() - t0 > 10_000) throw new Error('no agent session');
        await new Promise((r) => setTimeout(r, 5));
      }
      return sessions[0] as AgentSession;
    },
    async close() {
      await srv.close();
      await dg.close();
      await openai.close();
    },
  };
}
