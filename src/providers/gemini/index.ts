/** Google Gemini (native streamGenerateContent with alt=sse, function calling): `callwire/providers/gemini`. */
export { GEMINI, GeminiLlm, type GeminiLlmOptions } from './llm.js';
export { buildGeminiBody } from './wire.js';
