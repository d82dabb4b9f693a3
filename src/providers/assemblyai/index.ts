/** AssemblyAI Universal-Streaming (v3) speech-to-text. */
export { AssemblyAiStt } from './stt.js';
export { ASSEMBLYAI, type AssemblyAiSttOptions } from './options.js';
