/** Sarvam streaming speech-to-text and text-to-speech (Indic languages, telephony 8 kHz). */
export { SarvamStt } from './stt.js';
export { SARVAM_STT, type SarvamSttOptions } from './options.js';
export { SarvamTts, SARVAM_TTS, type SarvamTtsOptions } from './tts.js';
