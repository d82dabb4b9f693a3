/**
 * Round-2 vendors for `callwire serve --agent ai`, chosen from environment variables (kept
 * apart from from-env.ts so that file stays small): Anthropic as the LLM when
 * `LLM_PROVIDER=anthropic`, or when `ANTHROPIC_API_KEY` is the only LLM key set (model
 * default `claude-3-5-haiku-latest`, endpoint `ANTHROPIC_BASE_URL`); Gemini likewise with
 * `LLM_PROVIDER=gemini` or `GEMINI_API_KEY` alone (default `gemini-2.0-flash`,
 * `GEMINI_BASE_URL`). `LLM_MODEL` picks the model. `TTS_PROVIDER=deepgram-aura` speaks with
 * Deepgram Aura on the Deepgram key (voice `DEEPGRAM_TTS_MODEL`, default `aura-2-thalia-en`).
 * `STT_PROVIDER=sarvam` transcribes with Sarvam on `SARVAM_API_KEY` (endpoint `SARVAM_BASE_URL`,
 * model `SARVAM_STT_MODEL`, default `saarika:v2.5`; language `SARVAM_LANGUAGE`, default `hi-IN`);
 * `TTS_PROVIDER=sarvam` speaks with Sarvam (`SARVAM_TTS_MODEL`, default `bulbul:v2`; speaker
 * `SARVAM_SPEAKER`, default `anushka`; the same `SARVAM_LANGUAGE`).
 * `STT_PROVIDER=assemblyai` transcribes with AssemblyAI (`ASSEMBLYAI_API_KEY`, `ASSEMBLYAI_BASE_URL`).
 */
import { AnthropicLlm } from '../providers/anthropic/index.js';
import { AssemblyAiStt } from '../providers/assemblyai/index.js';
import { DeepgramAuraTts } from '../providers/deepgram-aura/index.js';
import { GeminiLlm } from '../providers/gemini/index.js';
import { SarvamStt, SarvamTts } from '../providers/sarvam/index.js';
import type { LlmProvider, SttProvider, TtsProvider } from '../providers/types.js';

type Env = Readonly<Record<string, string | undefined>>;

const has = (env: Env, name: string): boolean => (env[name] ?? '').trim() !== '';

/** The native LLM (Anthropic or Gemini) and its model when the environment asks for one, else undefined. */
export function nativeLlmFromEnv(env: Env): { llm: LlmProvider & { readonly baseUrl: string }; model: string } | undefined {
  const chosen = (env.LLM_PROVIDER ?? '').trim().toLowerCase();
  const noOpenAi = !has(env, 'OPENAI_API_KEY') && !has(env, 'OPENAI_BASE_URL');
  if (chosen === 'anthropic' || (chosen === '' && noOpenAi && has(env, 'ANTHROPIC_API_KEY'))) {
    const model = env.LLM_MODEL || 'claude-3-5-haiku-latest';
    return { llm: new AnthropicLlm({ env, model }), model };
  }
  if (chosen === 'gemini' || (chosen === '' && noOpenAi && has(env, 'GEMINI_API_KEY'))) {
    const model = env.LLM_MODEL || 'gemini-2.0-flash';
    return { llm: new GeminiLlm({ env, model }), model };
  }
  return undefined;
}

/** Whether the environment asks for Deepgram Aura as the voice. */
export function wantsAura(env: Env): boolean {
  return (env.TTS_PROVIDER ?? '').trim().toLowerCase() === 'deepgram-aura';
}

/** Deepgram Aura as the voice when `TTS_PROVIDER=deepgram-aura`, else undefined. */
export function auraFromEnv(env: Env): { tts: TtsProvider; label: string } | undefined {
  return wantsAura(env) ? { tts: new DeepgramAuraTts({ env }), label: 'Deepgram Aura' } : undefined;
}

/** Whether the environment asks for Sarvam as the recogniser. */
export function wantsSarvamStt(env: Env): boolean {
  return (env.STT_PROVIDER ?? '').trim().toLowerCase() === 'sarvam';
}

/** Sarvam streaming STT when `STT_PROVIDER=sarvam`, else undefined. */
export function sarvamSttFromEnv(env: Env): { stt: SttProvider; label: string } | undefined {
  if (!wantsSarvamStt(env)) return undefined;
  return { stt: new SarvamStt({ env, model: env.SARVAM_STT_MODEL || undefined, language: env.SARVAM_LANGUAGE || undefined }), label: 'Sarvam' };
}

/** Whether the environment asks for Sarvam as the voice. */
export function wantsSarvamTts(env: Env): boolean {
  return (env.TTS_PROVIDER ?? '').trim().toLowerCase() === 'sarvam';
}

/** Sarvam streaming TTS when `TTS_PROVIDER=sarvam`, else undefined. */
export function sarvamTtsFromEnv(env: Env): { tts: TtsProvider; label: string } | undefined {
  if (!wantsSarvamTts(env)) return undefined;
  const tts = new SarvamTts({ env, model: env.SARVAM_TTS_MODEL || undefined, speaker: env.SARVAM_SPEAKER || undefined, language: env.SARVAM_LANGUAGE || undefined });
  return { tts, label: 'Sarvam' };
}

/** Whether the environment asks for AssemblyAI as the recogniser. */
export function wantsAssemblyAi(env: Env): boolean {
  return (env.STT_PROVIDER ?? '').trim().toLowerCase() === 'assemblyai';
}

/** AssemblyAI as the recogniser when `STT_PROVIDER=assemblyai`, else undefined. */
export function assemblyAiFromEnv(env: Env): { stt: SttProvider; label: string } | undefined {
  return wantsAssemblyAi(env) ? { stt: new AssemblyAiStt({ env }), label: 'AssemblyAI' } : undefined;
}
