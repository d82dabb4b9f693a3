/**
 * Fallback chains for `callwire serve --agent ai`, from environment variables (all optional;
 * without them the providers are used alone, as before):
 * - `DEEPGRAM_FALLBACK_BASE_URL`: a second Deepgram endpoint (another region, or self-hosted),
 *   with `DEEPGRAM_FALLBACK_API_KEY` (default `DEEPGRAM_API_KEY`);
 * - `LLM_FALLBACK_BASE_URL`: a second OpenAI-compatible server, with `LLM_FALLBACK_MODEL`
 *   (default the primary's model) and `LLM_FALLBACK_API_KEY` (none needed for a local server);
 * - `TTS_FALLBACK`: backup voices in order, from `elevenlabs`, `cartesia`, `openai`, `deepgram-aura`, each
 *   needing its own key;
 * - `FALLBACK_TIMEOUT_MS`: the chains' first-result budget (default 2000).
 */
import { ConfigError } from '../errors.js';
import { CartesiaTts } from '../providers/cartesia/index.js';
import { DeepgramStt } from '../providers/deepgram/index.js';
import { DeepgramAuraTts } from '../providers/deepgram-aura/index.js';
import { ElevenLabsTts } from '../providers/elevenlabs/index.js';
import { fallback } from '../providers/fallback/index.js';
import { OpenAiLlm, OpenAiTts } from '../providers/openai/index.js';
import type { LlmProvider, SttProvider, TtsProvider } from '../providers/types.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The three providers of the AI agent. */
export interface AiProviders {
  readonly stt: SttProvider;
  readonly llm: LlmProvider;
  readonly tts: TtsProvider;
}

const set = (env: Env, name: string): string | undefined => {
  const v = (env[name] ?? '').trim();
  return v === '' ? undefined : v;
};

const VOICES: Record<string, { readonly key: string; readonly make: (env: Env) => TtsProvider }> = {
  elevenlabs: { key: 'ELEVENLABS_API_KEY', make: (env) => new ElevenLabsTts({ env, voiceId: set(env, 'ELEVENLABS_VOICE_ID') }) },
  cartesia: { key: 'CARTESIA_API_KEY', make: (env) => new CartesiaTts({ env, voiceId: set(env, 'CARTESIA_VOICE_ID') }) },
  openai: { key: 'OPENAI_API_KEY', make: (env) => new OpenAiTts({ env }) },
  'deepgram-aura': { key: 'DEEPGRAM_API_KEY', make: (env) => new DeepgramAuraTts({ env }) },
};

/**
 * Wrap each provider in a chain when its fallback variables are set.
 * @returns the providers, and a phrase per chain for the start-up line
 * @throws {ConfigError} CONFIG_INVALID for an unknown TTS_FALLBACK voice or a bad timeout; CONFIG_MISSING for a backup voice without its key
 */
export function withFallbacks(env: Env, p: AiProviders, model: string): { providers: AiProviders; notes: string[] } {
  const notes: string[] = [];
  const timeout = set(env, 'FALLBACK_TIMEOUT_MS');
  const firstByteTimeoutMs = timeout === undefined ? undefined : Number(timeout);
  if (firstByteTimeoutMs !== undefined && !Number.isFinite(firstByteTimeoutMs)) throw new ConfigError('CONFIG_INVALID', `FALLBACK_TIMEOUT_MS must be a number of ms (got "${timeout}")`);
  const options = { firstByteTimeoutMs };
  let { stt, llm, tts } = p;
  const dgUrl = set(env, 'DEEPGRAM_FALLBACK_BASE_URL');
  if (dgUrl !== undefined) {
    const backup = new DeepgramStt({ env, apiKey: set(env, 'DEEPGRAM_FALLBACK_API_KEY'), baseUrl: dgUrl, model: set(env, 'DEEPGRAM_MODEL'), language: set(env, 'AGENT_LANGUAGE') });
    stt = fallback([stt, backup], options);
    notes.push('STT falls back to DEEPGRAM_FALLBACK_BASE_URL');
  }
  const llmUrl = set(env, 'LLM_FALLBACK_BASE_URL');
  if (llmUrl !== undefined) {
    const backupModel = set(env, 'LLM_FALLBACK_MODEL') ?? model;
    // Its key is its own variable, named in its errors; a local server needs none.
    const backup = new OpenAiLlm({ env, apiKeyEnv: 'LLM_FALLBACK_API_KEY', baseUrl: llmUrl, model: backupModel, name: 'llm-fallback' });
    llm = fallback([llm, backup], options);
    notes.push(`the LLM falls back to ${backupModel} at ${backup.baseUrl}`);
  }
  const voices = (set(env, 'TTS_FALLBACK') ?? '').split(',').map((v) => v.trim().toLowerCase()).filter((v) => v !== '');
  if (voices.length > 0) {
    const backups = voices.map((v) => {
      const voice = VOICES[v];
      if (voice === undefined) throw new ConfigError('CONFIG_INVALID', `TTS_FALLBACK lists "${v}"; use elevenlabs, cartesia, openai or deepgram-aura`);
      if (set(env, voice.key) === undefined) throw new ConfigError('CONFIG_MISSING', `TTS_FALLBACK lists ${v}, which needs ${voice.key}`);
      return voice.make(env);
    });
    tts = fallback([tts, ...backups], options);
    notes.push(`the voice falls back to ${voices.join(', then ')}`);
  }
  return { providers: { stt, llm, tts }, notes };
}

/** The members of a chain (each verified at start-up on its own), or the provider itself. */
export function members<P>(p: P): readonly P[] {
  const chain = (p as { readonly providers?: readonly P[] }).providers;
  return Array.isArray(chain) ? chain : [p];
}
