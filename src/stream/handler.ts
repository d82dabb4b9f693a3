import type { CallStream } from './call-stream.js';

/** Called for every new stream, before `start` arrives. Attach handlers; events flow once it returns (or its promise resolves). */
export type StreamHandler = (call: CallStream) => void | Promise<void>;
