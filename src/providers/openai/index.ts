/** OpenAI-compatible chat completions (any base URL) and OpenAI speech. */
export { OpenAiLlm, type OpenAiLlmOptions } from './llm.js';
export { OPENAI_TTS_AUDIO, OpenAiTts, type OpenAiTtsOptions } from './tts.js';
export { OPENAI_DEFAULT_BASE_URL, type OpenAiClientOptions } from './config.js';
