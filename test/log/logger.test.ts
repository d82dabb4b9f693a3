// createLogger's level checks: pino's own error for an unknown level is a plain Error.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { LOG_LEVELS, createLogger } from '../../src/log/logger.js';

const saved = process.env.LOG_LEVEL;
afterEach(() => {
  if (saved === undefined) delete process.env.LOG_LEVEL;
  else process.env.LOG_LEVEL = saved;
});

function sink(lines: string[] = []): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
}

describe('createLogger levels', () => {
  it('refuses an unknown level, LOG_LEVEL or tapLevel with CONFIG_INVALID naming the valid levels', () => {
    const refused = (setting: string) =>
      expect.objectContaining({ code: 'CONFIG_INVALID', message: `${setting} must be one of trace, debug, info, warn, error, fatal, silent (got "loud")` });
    expect(() => createLogger({ level: 'loud' as never, destination: sink(), pretty: false })).toThrow(refused('level'));
    expect(() => createLogger({ level: 'info', tapLevel: 'loud' as never, onLine: () => undefined, destination: sink() })).toThrow(refused('tapLevel'));
    process.env.LOG_LEVEL = 'loud';
    expect(() => createLogger({ destination: sink(), pretty: false })).toThrow(refused('LOG_LEVEL'));
  });

  it('takes every listed level, and an empty LOG_LEVEL means the default', () => {
    for (const level of LOG_LEVELS) expect(createLogger({ level, destination: sink(), pretty: false }).level).toBe(level);
    process.env.LOG_LEVEL = '';
    const lines: string[] = [];
    const log = createLogger({ destination: sink(lines), pretty: false });
    expect(log.level).toBe('info');
    log.debug('hidden');
    log.info('shown');
    expect(lines.join('')).toContain('"msg":"shown"');
    expect(lines.join('')).not.toContain('hidden');
  });
});
