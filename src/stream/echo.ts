/**
 * The simplest stream handler: play the caller's audio straight back. It proves the audio
 * path both ways (the guide's "no audio" and "garbled audio" diagnostics): a caller who
 * hears themselves clearly has a working stream in both directions.
 */
import type { CallStream } from './call-stream.js';
import type { PlaybackWriter } from './player.js';

/** Echo inbound audio back to the caller, frame by frame, as one long playback item. */
export function echoHandler(call: CallStream): void {
  let writer: PlaybackWriter | undefined;
  call.on('audio', (frame) => {
    writer ??= call.player.open({ label: 'echo' });
    writer.write({ wire: frame.wire });
  });
}
