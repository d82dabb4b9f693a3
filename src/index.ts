/**
 * callwire: real-time voice AI agents on Plivo Audio Streams.
 *
 * The root export holds the server, agent and protocol entry points most apps need;
 * `callwire/protocol`, `callwire/audio` and `callwire/testing` hold the rest.
 */
export {
  AudioError,
  CallwireError,
  ConfigError,
  ERROR_CODES,
  ProtocolError,
  ProviderError,
  RestError,
  SignatureError,
  StreamError,
  XmlError,
  errorFor,
  isCallwireError,
  type CallwireErrorOptions,
  type CodeOf,
  type ErrorCode,
  type ErrorFamily,
} from './errors.js';
export { ManualClock, defaultClock, scaledClock, systemClock, type Clock, type TimerHandle } from './clock.js';
export {
  STREAM_FORMATS,
  checkpoint,
  clearAudio,
  computeSignatureV2,
  computeSignatureV3,
  parseInbound,
  parseStreamStatus,
  playAudio,
  readStreamXml,
  sendDtmf,
  serializeOutbound,
  streamFormat,
  streamXml,
  validateSignatureV2,
  validateSignatureV3,
  type InboundMessage,
  type OutboundMessage,
  type StreamFormat,
  type StreamFormatName,
  type StreamStatusEvent,
  type StreamXmlOptions,
} from './protocol/index.js';
export { CallwireServer, createServer, type ListenInfo, type RouteHandler, type ServerEvents } from './server/server.js';
export type { ServerLimits, ServerOptions, StreamHandler } from './server/options.js';
export { CallStream, type CallStreamOptions, type CallStreamState } from './stream/call-stream.js';
export type { CallStreamEvents, EndInfo, EndedBy, InboundAudioFrame, StreamCounters, StreamInfo } from './stream/types.js';
export { Player, PlaybackWriter, type ClearReport, type ClearedItem, type PlayerOptions } from './stream/player.js';
export type { PlaybackItem, PlaybackOptions, PlaybackResult, PlaybackState } from './stream/playback-item.js';
export type { AudioInput } from './stream/audio-input.js';
export { Pacer, sharedPacer } from './stream/pacer.js';
export { PlivoRestClient, type PlivoRestOptions, type StartStreamOptions, type TransferOptions } from './rest/plivo-rest.js';
export { createLogger, type Logger, type LoggerOptions } from './log/logger.js';
// A library app's logger fills the dashboard's debug log: createLogger({ onLine: storeLogTap(store) }).
export { storeLogTap } from './server/store-glue.js';
export { echoHandler } from './agent/echo.js';
export type { Vad, VadProvider } from './providers/types.js';
export {
  WEBRTC_VAD_RATES,
  webRtcVad,
  type WebRtcVadFrameMs,
  type WebRtcVadMode,
  type WebRtcVadOptions,
} from './providers/webrtc-vad/index.js';
export { SpeechDetector, type SpeechDetectorOptions, type SpeechEvent } from './agent/speech-detector.js';
export {
  CallRecorder,
  MemoryStreamStore,
  SqliteStreamStore,
  type CallRecorderOptions,
  type RecordingResult,
  type SqliteStoreOptions,
  type StoreStats,
  type StreamStore,
} from './store/index.js';
export { defineAgent, type Agent } from './agent/define-agent.js';
export type { AgentConfig, BargeInOptions, DtmfOptions, FillerOptions, Greeting, TurnOptions } from './agent/config.js';
export { AgentSession, type AgentEvents, type AgentState } from './agent/session.js';
export { defineTool, hangupTool, sendDtmfTool, transferTool, type Tool, type ToolContext } from './agent/tools.js';
export type { Reply, Responder, UserTurn } from './agent/responder.js';
export { Utterance, type UtteranceOptions, type UtteranceResult } from './agent/speech-output.js';
export { DEFAULT_BUDGET, describeLedger, type LatencyBudget, type LedgerMarks, type LedgerStages, type TurnLedger } from './agent/latency-ledger.js';
export type { CollectDigitsOptions, CollectedDigits } from './agent/digits.js';
export type { IdleOptions } from './agent/idle.js';
export { BUILTIN_GREETING, builtinAgent, type BuiltinAgentOptions } from './agent/builtin.js';
export type { AudioSpec, ChatMessage, LlmEvent, LlmProvider, LlmRequest, ProviderContext, SttEvent, SttOpenOptions, SttProvider, SttSession, SttWord, ToolCall, ToolSchema, TtsOpenOptions, TtsProvider, TtsSession } from './providers/types.js';
export {
  DEFAULT_FLITE_VOICE,
  FLITE_VOICES,
  FlitePool,
  fliteTts,
  synthesizeSpeech,
  type FlitePoolOptions,
  type FliteTtsOptions,
  type FliteVoice,
  type SpeechAudio,
  type SynthesizeOptions,
} from './providers/flite/index.js';
export type { ProviderKind, ProviderMetric } from './providers/types.js';
export { DEEPGRAM, DeepgramStt, type DeepgramSttOptions } from './providers/deepgram/index.js';
export { OPENAI_DEFAULT_BASE_URL, OPENAI_TTS_AUDIO, OpenAiLlm, OpenAiTts, type OpenAiClientOptions, type OpenAiLlmOptions, type OpenAiTtsOptions } from './providers/openai/index.js';
export { ELEVENLABS, ELEVENLABS_DEFAULT_VOICE, ElevenLabsTts, type ElevenLabsTtsOptions, type ElevenLabsVoiceSettings } from './providers/elevenlabs/index.js';
export { CARTESIA, CARTESIA_DEFAULT_VOICE, CARTESIA_VERSION, CartesiaTts, type CartesiaTtsOptions } from './providers/cartesia/index.js';
export type { RetryOptions } from './providers/net/retry.js';
export type { VendorInfo } from './providers/net/vendor.js';
export { mountDashboard, type Dashboard, type DashboardOptions } from './dashboard/index.js';
export { DEFAULT_DOCTOR_BUDGET, renderDoctorText, runDoctor, type CheckResult, type CheckStatus, type DoctorBudget, type DoctorOptions, type DoctorReport } from './doctor/index.js';
