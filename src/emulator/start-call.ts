/** `startCall()`: one call on a private emulator that closes itself when the call ends. */
import type { EmulatedCall } from './call.js';
import type { CallOptions } from './call-options.js';
import { type EmulatorOptions, PlivoEmulator } from './emulator.js';

/** Options of {@link startCall}: the call's plus the emulator's. */
export interface StartCallOptions extends CallOptions, Omit<EmulatorOptions, 'authToken'> {}

/**
 * Start one call and wait until its stream is open:
 * `const call = await startCall({ answerUrl, authToken }); await call.say('hi'); const report = await call.hangup();`
 * Rejects with the connection's coded error when no stream could be opened.
 */
export async function startCall(options: StartCallOptions): Promise<EmulatedCall> {
  const emulator = new PlivoEmulator({
    authId: options.authId,
    authToken: options.authToken ?? undefined,
    clock: options.clock,
    epochNow: options.epochNow,
  });
  try {
    const call = await emulator.startCall(options);
    void call.finished.then(() => emulator.close());
    return call;
  } catch (e) {
    await emulator.close();
    throw e;
  }
}
