/**
 * Caller audio from a file: a WAV of any common encoding and rate (converted by the call),
 * or headerless G.711 mu-law at 8 kHz (`.ul`, `.ulaw`, `.mulaw`, `.mu`, `.raw`).
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { decodeMulaw } from '../audio/mulaw.js';
import { decodeWav, isWav } from '../audio/wav.js';
import { ConfigError } from '../errors.js';

/** Mono PCM16 and its rate. */
export interface CallerAudioFile {
  readonly samples: Int16Array;
  readonly sampleRate: number;
}

const RAW_MULAW = new Set(['.ul', '.ulaw', '.mulaw', '.mu', '.raw']);

/** Largest audio file accepted (bytes): about 10 minutes of 16 kHz stereo. */
export const MAX_AUDIO_FILE_BYTES = 64 * 1024 * 1024;

/** Decode audio bytes; `name` (a file name) tells raw mu-law from other formats. @throws ConfigError, AudioError */
export function decodeCallerAudio(bytes: Uint8Array, name: string): CallerAudioFile {
  if (isWav(bytes)) return decodeWav(bytes);
  if (RAW_MULAW.has(extname(name).toLowerCase())) return { samples: decodeMulaw(bytes), sampleRate: 8000 };
  throw new ConfigError('CONFIG_INVALID', `${name}: not a WAV file; raw audio must be 8 kHz mu-law named .ul, .ulaw, .mulaw, .mu or .raw`);
}

/** Read and decode an audio file. @throws ConfigError CONFIG_FILE_UNREADABLE / CONFIG_INVALID, AudioError */
export async function readCallerAudio(path: string): Promise<CallerAudioFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new ConfigError('CONFIG_FILE_UNREADABLE', `cannot read audio file ${path}`, { cause });
  }
  if (bytes.length > MAX_AUDIO_FILE_BYTES) throw new ConfigError('CONFIG_INVALID', `${path} is larger than ${MAX_AUDIO_FILE_BYTES} bytes`);
  return decodeCallerAudio(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}
