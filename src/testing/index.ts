/**
 * `callwire/testing`: helpers for testing agents without a phone: a manual clock, the Plivo
 * emulator (calls, scripts, reports), and wire-faithful fakes of the cloud providers (real
 * HTTP/WebSocket servers on loopback that speak each vendor's protocol, scriptable and
 * recording everything). Point the production providers at a fake's URL; nothing else changes.
 */
export { ManualClock } from '../clock.js';
export {
  DEFAULT_AUTH_ID,
  DEFAULT_SPEECH_THRESHOLD,
  EmulatedCall,
  PlivoEmulator,
  prepareAudio,
  quantile,
  startCall,
  summarize,
  type CallEvent,
  type CallEventType,
  type CallListener,
  type CallMetricsReport,
  type CallOptions,
  type CallReport,
  type EmulatorOptions,
  type CallHangupBy,
  type Impairments,
  type LegSummary,
  type PlivoErrorName,
  type PreparedAudio,
  type ProtocolErrorEvent,
  type Recording,
  type RestLogEntry,
  type StartCallOptions,
  type StreamEndReason,
  type Summary,
  type TickerStats,
  decodeCallerAudio,
  readCallerAudio,
  type CallerAudioFile,
  formatSummary,
  formatTimeline,
  reportToJson,
  parseScript,
  readScript,
  runScript,
  type ScriptStep,
  takeTurn,
  type TakeTurnOptions,
  runLoad,
  formatLoadReport,
  type LoadOptions,
  type LoadProgress,
  type LoadReport,
  type ServerUsage,
  type GeneratorUsage,
} from '../emulator/index.js';
export {
  type DeepgramConnectionRecord,
  type DeepgramLogEntry,
  type DeepgramUtteranceRecord,
  type FakeDeepgram,
  type FakeDeepgramOptions,
  startFakeDeepgram,
} from './fakes/deepgram.js';
export { type FakeOpenAi, type FakeOpenAiOptions, startFakeOpenAi } from './fakes/openai.js';
export { type AuraSegmentRecord, type FakeDeepgramAura, type FakeDeepgramAuraOptions, startFakeDeepgramAura } from './fakes/deepgram-aura.js';
export {
  type AssemblyAiConnectionRecord,
  type AssemblyAiLogEntry,
  type AssemblyAiTurnRecord,
  type FakeAssemblyAi,
  type FakeAssemblyAiOptions,
  startFakeAssemblyAi,
} from './fakes/assemblyai.js';
export { type FakeGemini, type FakeGeminiOptions, type FakeGeminiReply, type RecordedGeminiRequest, startFakeGemini } from './fakes/gemini.js';
export { type FakeSarvamTts, type FakeSarvamTtsOptions, type SarvamTtsSegmentRecord, startFakeSarvamTts } from './fakes/sarvam-tts.js';
export { type FakeSarvamStt, type FakeSarvamSttOptions, type SarvamSttConnectionRecord, type SarvamSttLogEntry, startFakeSarvamStt } from './fakes/sarvam-stt.js';
export { type FakeAnthropic, type FakeAnthropicOptions, type FakeAnthropicReply, type RecordedAnthropicRequest, startFakeAnthropic } from './fakes/anthropic.js';
export {
  type ChatStreamEvent,
  type FakeChatCompletions,
  type FakeChatReply,
  type FakeChatScript,
  type FakeToolCall,
  type RecordedChatRequest,
  splitTokens,
} from './fakes/openai-chat.js';
export { type FakeSpeech, OPENAI_PCM, type RecordedSpeechRequest, type SpeechStreamEvent } from './fakes/openai-speech.js';
export { type FakeElevenLabs, type FakeElevenLabsOptions, startFakeElevenLabs } from './fakes/elevenlabs.js';
export { type FakeCartesia, type FakeCartesiaOptions, startFakeCartesia } from './fakes/cartesia.js';
export type { TtsConnectionRecord, TtsContextRecord, TtsLogEntry } from './fakes/tts-socket.js';
export type { HttpFault } from './fakes/faults.js';
export type { AudioPacing } from './fakes/paced-audio.js';
export { Recorder } from './fakes/recorder.js';
export { type CharTiming, type SyntheticSpeech, type SyntheticSpeechOptions, syntheticSpeech, syntheticSpeechBytes } from './fakes/synthetic-speech.js';
export { type FakeVoice, type VoiceOutput, bytesVoice, syntheticVoice } from './fakes/tts-voice.js';
export { EnergyDetector, type EnergyDetectorOptions, type EnergyEvent } from './fakes/energy-detector.js';
