/**
 * `callwire/testing`: helpers for testing agents without a phone: a manual clock, and (as
 * they land) the Plivo emulator and wire-faithful fakes of cloud providers.
 */
export { ManualClock } from '../clock.js';
