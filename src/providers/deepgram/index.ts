/** Deepgram live streaming speech-to-text. */
export { DeepgramStt } from './stt.js';
export { DEEPGRAM, type DeepgramSttOptions } from './options.js';
