// A library app sends its logs to the store (the dashboard's debug log) with the exported tap,
// as `callwire serve` does: createLogger({ onLine: storeLogTap(store) }).
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, storeLogTap } from '../../src/index.js';
import { SqliteStreamStore } from '../../src/store/index.js';
import { tempDir } from '../support/store-fixtures.js';

const t = tempDir('callwire-log-tap-');
afterAll(() => t.cleanup());

describe('storeLogTap from the package root', () => {
  it("stores a stream's log lines with its record", async () => {
    const store = new SqliteStreamStore({ path: join(t.dir, 'callwire.db'), retentionMs: null });
    store.streamStarted({ streamId: 's-1', callId: 'c-1', format: 'mulaw/8000', startedAt: Date.now() });
    const logger = createLogger({ level: 'debug', onLine: storeLogTap(store) });
    logger.child({ streamId: 's-1' }).info({ turn: 1 }, 'user turn');
    logger.info('not about a stream');
    await new Promise((r) => setImmediate(r));
    await store.flush();
    const page = await store.logs('s-1');
    expect(page.lines.map((l) => [l.level, l.msg, l.fields])).toEqual([['info', 'user turn', { turn: 1 }]]);
    await store.close();
  });
});
