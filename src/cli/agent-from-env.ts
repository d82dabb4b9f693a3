/**
 * Which agent `callwire serve` runs: the AI agent when provider keys are present
 * (DEEPGRAM_API_KEY, OPENAI_API_KEY, and ELEVENLABS_API_KEY or CARTESIA_API_KEY; OpenAI's own
 * voice when only OpenAI is set), otherwise the built-in agent, which needs no keys. The
 * choice and its reason are stated at start-up, and credentials are checked before the
 * server takes calls, so a bad key fails loudly at start instead of on the first caller.
 */
import { ConfigError, isCallwireError } from '../errors.js';
import { CartesiaTts } from '../providers/cartesia/index.js';
import { DeepgramStt } from '../providers/deepgram/index.js';
import { ElevenLabsTts } from '../providers/elevenlabs/index.js';
import { OpenAiLlm, OpenAiTts } from '../providers/openai/index.js';
import type { LlmProvider, SttProvider, TtsProvider } from '../providers/types.js';
import { echoHandler } from '../stream/echo.js';
import type { StreamHandler } from '../stream/handler.js';
import { builtinAgent } from '../agent/builtin.js';
import { type Agent, defineAgent } from '../agent/define-agent.js';
import { members, withFallbacks } from './fallback-env.js';
import { assemblyAiFromEnv, auraFromEnv, nativeLlmFromEnv, sarvamSttFromEnv, sarvamTtsFromEnv, wantsAssemblyAi, wantsAura, wantsSarvamStt, wantsSarvamTts } from './vendors-env.js';

/** What `--agent` accepts. */
export type AgentChoice = 'auto' | 'ai' | 'builtin' | 'echo';

/** The agent to serve, and why. */
export interface SelectedAgent {
  readonly kind: 'ai' | 'builtin' | 'echo';
  /** One sentence for the start-up log: what runs and why. */
  readonly reason: string;
  readonly agent?: Agent;
  readonly onStream?: StreamHandler;
  /** The AI agent's providers (for verification). */
  readonly providers?: { readonly stt: SttProvider; readonly llm: LlmProvider; readonly tts: TtsProvider };
}

type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_INSTRUCTIONS =
  'You are a friendly, efficient assistant answering a phone call. Keep every answer to one or two short sentences, speak naturally, and never use lists, markdown or emoji: everything you write is read aloud.';

function has(env: Env, name: string): boolean {
  return (env[name] ?? '').trim() !== '';
}

function ttsFromEnv(env: Env): { tts: TtsProvider; label: string } | undefined {
  if (has(env, 'ELEVENLABS_API_KEY')) return { tts: new ElevenLabsTts({ env, voiceId: env.ELEVENLABS_VOICE_ID || undefined }), label: 'ElevenLabs' };
  if (has(env, 'CARTESIA_API_KEY')) return { tts: new CartesiaTts({ env, voiceId: env.CARTESIA_VOICE_ID || undefined }), label: 'Cartesia' };
  if (has(env, 'OPENAI_API_KEY')) return { tts: new OpenAiTts({ env }), label: 'OpenAI TTS' };
  return undefined;
}

/** What the AI agent still needs, as env var names. */
export function missingForAi(env: Env): string[] {
  const missing: string[] = [];
  if (wantsAssemblyAi(env)) {
    if (!has(env, 'ASSEMBLYAI_API_KEY')) missing.push('ASSEMBLYAI_API_KEY');
  } else if (wantsSarvamStt(env)) {
    if (!has(env, 'SARVAM_API_KEY')) missing.push('SARVAM_API_KEY');
  } else if (!has(env, 'DEEPGRAM_API_KEY')) missing.push('DEEPGRAM_API_KEY');
  if (!has(env, 'OPENAI_API_KEY') && !has(env, 'OPENAI_BASE_URL') && !has(env, 'ANTHROPIC_API_KEY') && !has(env, 'GEMINI_API_KEY')) missing.push('OPENAI_API_KEY (or OPENAI_BASE_URL for a local model server, ANTHROPIC_API_KEY or GEMINI_API_KEY)');
  if (!has(env, 'ELEVENLABS_API_KEY') && !has(env, 'CARTESIA_API_KEY') && !has(env, 'OPENAI_API_KEY') && !wantsAura(env) && !wantsSarvamTts(env)) missing.push('ELEVENLABS_API_KEY or CARTESIA_API_KEY');
  if (wantsSarvamTts(env) && !has(env, 'SARVAM_API_KEY') && !missing.includes('SARVAM_API_KEY')) missing.push('SARVAM_API_KEY');
  return missing;
}

/** Build the agent for a choice. @throws ConfigError when `ai` is asked for without its keys */
export function selectAgent(choice: AgentChoice, env: Env = process.env): SelectedAgent {
  if (choice === 'echo') return { kind: 'echo', reason: 'echo (--agent echo): callers hear their own audio back', onStream: echoHandler };
  if (choice === 'builtin') return { kind: 'builtin', reason: 'the built-in agent (--agent builtin)', agent: builtinAgent() };
  const missing = missingForAi(env);
  if (missing.length > 0) {
    if (choice === 'ai') throw new ConfigError('CONFIG_MISSING', `--agent ai needs ${missing.join(', ')}`);
    return { kind: 'builtin', reason: `the built-in agent (no API keys needed); for the AI agent set ${missing.join(', ')}`, agent: builtinAgent() };
  }
  // AssemblyAI or Sarvam when STT_PROVIDER names them (src/cli/vendors-env.ts), else Deepgram.
  const recogniser = assemblyAiFromEnv(env) ?? sarvamSttFromEnv(env) ?? { stt: new DeepgramStt({ env, model: env.DEEPGRAM_MODEL || undefined, language: env.AGENT_LANGUAGE || undefined }), label: 'Deepgram' };
  const stt = recogniser.stt;
  // Anthropic or Gemini when asked for (src/cli/vendors-env.ts), else any OpenAI-compatible server.
  const native = nativeLlmFromEnv(env);
  const model = native?.model ?? (env.LLM_MODEL || 'gpt-4o-mini');
  const llm = native?.llm ?? new OpenAiLlm({ env, model, apiKey: has(env, 'OPENAI_API_KEY') ? undefined : 'none' });
  const voice = (auraFromEnv(env) ?? sarvamTtsFromEnv(env) ?? ttsFromEnv(env)) as { tts: TtsProvider; label: string };
  // Fallback chains (src/cli/fallback-env.ts), when their variables are set.
  const chained = withFallbacks(env, { stt, llm, tts: voice.tts }, model);
  const agent = defineAgent({
    instructions: env.AGENT_INSTRUCTIONS || DEFAULT_INSTRUCTIONS,
    greeting: env.AGENT_GREETING || 'Hello! How can I help you today?',
    ...chained.providers,
  });
  const notes = chained.notes.length > 0 ? `; ${chained.notes.join('; ')}` : '';
  return {
    kind: 'ai',
    reason: `the AI agent (${recogniser.label} STT, ${model} at ${llm.baseUrl}, ${voice.label} voice${notes}) because its API keys are set`,
    agent,
    providers: chained.providers,
  };
}

/**
 * Check every provider's credentials (and model) before taking calls. An authentication or
 * request problem is thrown (start-up stops with its message); a provider that is merely
 * unreachable right now is reported through `warn` and does not stop the server.
 */
export async function verifyProviders(selected: SelectedAgent, warn: (message: string) => void, timeoutMs = 15_000): Promise<void> {
  const p = selected.providers;
  if (p === undefined) return;
  const signal = AbortSignal.timeout(timeoutMs);
  // Each member of a fallback chain is checked: a bad backup key fails at start too.
  const all = [...members(p.stt), ...members(p.llm), ...members(p.tts)] as { verify?(signal: AbortSignal): Promise<void> }[];
  // Retry backoffs run on unref'd timers: with nothing else open yet, an unreachable provider
  // would let the process exit mid-verify (code 13, unsettled top-level await). Hold it open.
  const hold = setTimeout(() => {}, timeoutMs);
  const results = await Promise.allSettled(all.map((x) => x.verify?.(signal))).finally(() => clearTimeout(hold));
  for (const r of results) {
    if (r.status === 'fulfilled') continue;
    const e = r.reason;
    if (isCallwireError(e) && (e.code === 'PROVIDER_AUTH_FAILED' || e.code === 'PROVIDER_BAD_REQUEST' || e.code === 'PROVIDER_QUOTA_EXCEEDED' || e.family === 'config')) throw e;
    const message = isCallwireError(e) ? `${e.code}: ${e.message}` : String(e);
    warn(`could not verify a provider at start-up (${message}); serving anyway`);
  }
}

