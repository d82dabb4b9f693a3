// Issue 15 item 1: the flite queue is shared by every call. One call flooding it (a keypad
// burst) has only its own share shed; another call's speech still goes through, and soon.
import { afterAll, describe, expect, it } from 'vitest';
import { FlitePool } from '../../src/providers/flite/index.js';

const pool = new FlitePool({ size: 1, maxQueue: 256, maxPerOwner: 4 });
afterAll(() => pool.close());

describe('the flite pool shares its queue fairly between calls', () => {
  it('one owner floods 300 requests: its excess is shed with PROVIDER_QUEUE_FULL, another owner is served next', async () => {
    const flooder = { call: 'flooder' };
    const other = { call: 'other' };
    const order: string[] = [];
    const codes = new Map<string, number>();
    const flood = Array.from({ length: 300 }, (_, i) =>
      pool.synthesize(`Number ${i}.`, 'kal16', undefined, flooder).then(
        () => void order.push(`flooder-${i}`),
        (e: { code: string }) => void codes.set(e.code, (codes.get(e.code) ?? 0) + 1),
      ),
    );
    const mine = pool.synthesize('Hello from the other call.', 'kal16', undefined, other).then((wav) => {
      order.push('other');
      return wav;
    });
    const wav = await mine;
    await Promise.all(flood);
    expect(wav.length).toBeGreaterThan(1000);
    // Only the flooder's excess was shed, with a code that is not an outage.
    // (4 wait; a fifth may already run when a worker was idle.)
    expect([...codes.keys()]).toEqual(['PROVIDER_QUEUE_FULL']);
    const shed = codes.get('PROVIDER_QUEUE_FULL') as number;
    expect(shed).toBeGreaterThanOrEqual(295);
    // Round-robin: the other call waited behind at most the job running and the flooder's next one.
    expect(order.indexOf('other')).toBeLessThanOrEqual(2);
    expect(order.filter((o) => o.startsWith('flooder'))).toHaveLength(300 - shed);
  });

  it('a cancelled request leaves its owner’s share at once', async () => {
    const owner = {};
    const abort = new AbortController();
    const running = pool.synthesize('First.', 'kal16', undefined, owner);
    const queued = Array.from({ length: 4 }, () => pool.synthesize('Queued.', 'kal16', abort.signal, owner).catch((e: { code: string }) => e.code));
    await expect(pool.synthesize('One too many.', 'kal16', undefined, owner)).rejects.toMatchObject({ code: 'PROVIDER_QUEUE_FULL' });
    abort.abort();
    expect(await Promise.all(queued)).toEqual(['PROVIDER_CANCELLED', 'PROVIDER_CANCELLED', 'PROVIDER_CANCELLED', 'PROVIDER_CANCELLED']);
    await expect(pool.synthesize('Room again.', 'kal16', undefined, owner)).resolves.toBeInstanceOf(Uint8Array);
    await running;
  });
});
