/**
 * The Plivo emulator: the Plivo side of phone calls, for tests, `callwire call`,
 * `callwire load` and the doctor. Also exported from `callwire/testing`.
 */
export { EmulatedCall, type CallListener } from './call.js';
export type { CallOptions } from './call-options.js';
export { DEFAULT_AUTH_ID, PlivoEmulator, type EmulatorOptions } from './emulator.js';
export type { CallEvent, CallEventType, CallHangupBy, PlivoErrorName, StreamEndReason } from './events.js';
export type { Impairments } from './impairments.js';
export type { CallMetricsReport } from './metrics.js';
export { DEFAULT_SPEECH_THRESHOLD, prepareAudio, type PreparedAudio } from './prepared-audio.js';
export type { Recording } from './recorder.js';
export { decodeCallerAudio, readCallerAudio, type CallerAudioFile } from './audio-file.js';
export { formatSummary, formatTimeline, reportToJson } from './report-text.js';
export { parseScript, readScript, runScript, type ScriptStep } from './script.js';
export { takeTurn, type TakeTurnOptions } from './turns.js';
export type { CallReport, ProtocolErrorEvent } from './report.js';
export type { RestLogEntry } from './rest-server.js';
export { startCall, type StartCallOptions } from './start-call.js';
export { DEFAULT_UTTERANCE, runLoad, type LoadOptions, type LoadProgress } from './load/run-load.js';
export { formatLoadReport, type GeneratorUsage, type LoadReport } from './load/load-report.js';
export type { ServerUsage } from './load/health-sampler.js';
export type { LegSummary } from './stream-leg.js';
export { quantile, summarize, type Summary } from './summary.js';
export type { TickerStats } from './ticker.js';
