/** Deepgram Aura streaming TTS (WebSocket /v1/speak, mu-law 8 kHz native): `callwire/providers/deepgram-aura`. */
export { DEEPGRAM_AURA, DeepgramAuraTts, type DeepgramAuraTtsOptions } from './tts.js';
