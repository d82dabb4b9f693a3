/** Sarvam streaming speech-to-text (Indic languages, telephony 8 kHz). */
export { SarvamStt } from './stt.js';
export { SARVAM_STT, type SarvamSttOptions } from './options.js';
