/**
 * `callwire doctor` as a library: check any Plivo stream server from outside (URL, TLS,
 * WebSocket keepalive, signatures, Stream XML, audio from an emulated call, latency) and get
 * one result per check, each with what was seen and the fix.
 */
export { runDoctor } from './run.js';
export { DEFAULT_DOCTOR_BUDGET, type DoctorBudget, type DoctorModeOption, type DoctorOptions } from './options.js';
export { renderDoctorText, type RenderTextOptions } from './render-text.js';
export { LOW_BAND_TOO_HIGH, PITCH_TOO_HIGH_HZ, PITCH_TOO_LOW_HZ, SPECTRUM_MIN_PITCH_HZ, estimatePitch, judgeRate, type PitchEstimate, type RateVerdict } from './pitch.js';
export { lowBandFraction } from './spectrum.js';
export {
  CHECK_GROUPS,
  type CallbackOutcome,
  type CheckDataMap,
  type CheckGroup,
  type CheckId,
  type CheckOf,
  type CheckResult,
  type CheckStatus,
  type CheckTarget,
  type DoctorMode,
  type DoctorReport,
  type StatusCounts,
} from './types.js';
