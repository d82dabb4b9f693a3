/** Messages between the flite pool and its worker threads. */
import type { FliteVoice } from './voices.js';

/** One synthesis job sent to a worker. */
export interface FliteRequest {
  readonly id: number;
  readonly text: string;
  readonly voice: FliteVoice;
}

/** A worker's answer: the WAV file flite wrote, or why it failed. */
export type FliteResponse =
  | { readonly id: number; readonly ok: true; readonly wav: Uint8Array }
  | { readonly id: number; readonly ok: false; readonly message: string };
