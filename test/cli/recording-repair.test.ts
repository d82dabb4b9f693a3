// A server killed mid-call leaves its recording's header at "unknown length" (players and soxi
// read about 37 hours). The next `callwire serve` ends that stream and gives the file its real
// sizes (real CLI as a child process, a real SQLite file and WAV on disk).
import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeWav, parseWav } from '../../src/audio/index.js';
import { recordingFileName } from '../../src/store/recorder.js';
import { SqliteStreamStore } from '../../src/store/sqlite-store.js';
import { spawnCli } from '../support/cli.js';

describe('callwire serve after a crash', () => {
  it('ends the stream left live and patches its recording header to the real length', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callwire-repair-'));
    const db = join(dir, 'callwire.db');
    const recordings = join(dir, 'recordings');
    mkdirSync(recordings);
    // An id with capitals: its file name is escaped (_43...), and repair must map it back.
    const id = 'Crashed-0001';
    const wav = join(recordings, recordingFileName(id));
    // What a recorder leaves when its process dies: the placeholder header, then 0.5 s of stereo audio.
    const header = Buffer.from(encodeWav(new Int16Array(0), 8000, 2));
    header.writeUInt32LE(0xffffffff, 4);
    header.writeUInt32LE(0xffffffff, 40);
    writeFileSync(wav, Buffer.concat([header, Buffer.alloc(16_000 + 3, 1)]));
    // Last written by the killed server minutes ago (a file written in the last minute may be another live process's).
    const before = new Date(Date.now() - 5 * 60_000);
    utimesSync(wav, before, before);
    const store = new SqliteStreamStore({ path: db, retentionMs: null });
    store.streamStarted({ streamId: id, callId: 'call-crashed', format: 'mulaw/8000', startedAt: Date.now() - 5000 });
    store.recording(id, wav);
    await store.close();

    const serve = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--db', db, '--recordings-dir', recordings], { PUBLIC_URL: '', PLIVO_AUTH_TOKEN: '' });
    try {
      await serve.waitFor(/gave 1 recording\(s\) left open by a stopped server their real length/);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    const bytes = readFileSync(wav);
    expect(bytes.length).toBe(44 + 16_000);
    expect(bytes.readUInt32LE(4)).toBe(36 + 16_000);
    expect(bytes.readUInt32LE(40)).toBe(16_000);
    const info = parseWav(bytes);
    expect(info).toMatchObject({ channels: 2, sampleRate: 8000 });
  });
});
