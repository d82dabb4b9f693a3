// The status-callback parser with hostile inputs: arbitrary form and query bytes through the
// server's body parser, and arbitrary values (objects without a prototype included).
// Properties: it never throws; the event is one of the documented names or `unknown`; what
// it keeps is bounded however large the callback, so a flood of huge callbacks cannot grow
// the server's memory.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STATUS_FIELD_LIMITS, parseStreamStatus } from '../../src/protocol/index.js';
import { parseForm, parseParams } from '../../src/server/http-io.js';
import { growthAfter, params } from './support.js';

const EVENTS = ['StartStream', 'StopStream', 'DroppedStream', 'DegradedStream', 'unknown'];
const text = fc.string({ unit: 'binary', maxLength: 60 });
const formText = fc.oneof(
  text,
  fc.array(fc.tuple(fc.oneof(fc.constantFrom('Event', 'StreamID', 'CallUUID', 'BufferPercent', 'Error', '__proto__', 'constructor'), text), fc.oneof(fc.constantFrom('DroppedStream', 'DegradedStream', 'StartStream', '60', '1e999', '-0', 'NaN', '%', '%ZZ', '%E0%A4%A'), text)), { maxLength: 12 })
    .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${Math.random() < 0.5 ? encodeURIComponent(v) : v}`).join('&')),
);
const contentType = fc.constantFrom(undefined, 'application/x-www-form-urlencoded', 'application/json', 'application/json; charset=utf-8', 'text/plain');
const jsonBody = fc.oneof(fc.json(), fc.jsonValue().map((v) => JSON.stringify({ Event: 'DroppedStream', nested: v })));

function checkEvent(e: ReturnType<typeof parseStreamStatus>): void {
  expect(EVENTS).toContain(e.event);
  const keys = Object.keys(e.fields);
  expect(keys.length).toBeLessThanOrEqual(STATUS_FIELD_LIMITS.fields);
  for (const k of keys) {
    expect(k.length).toBeLessThanOrEqual(STATUS_FIELD_LIMITS.keyChars);
    expect((e.fields[k] as string).length).toBeLessThanOrEqual(STATUS_FIELD_LIMITS.valueChars);
  }
  if (e.event === 'DegradedStream' && e.bufferPercent !== undefined) expect(Number.isFinite(e.bufferPercent)).toBe(true);
}

describe('fuzz: status callbacks', () => {
  it('arbitrary query and body bytes through the server parser: never throws, typed and bounded', () => {
    fc.assert(
      fc.property(formText, fc.oneof(formText, jsonBody), contentType, (query, body, type) => {
        const fields = parseParams(query, Buffer.from(body, 'utf8'), type);
        checkEvent(parseStreamStatus(fields));
        checkEvent(parseStreamStatus(parseForm(Buffer.from(body, 'utf8'))));
      }),
      params(15_000),
    );
  });

  it('arbitrary values, objects without a prototype included: never throws', () => {
    const value = fc.oneof(fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withSet: true, withTypedArray: true, maxDepth: 2 }), fc.array(fc.anything({ withNullPrototype: true, maxDepth: 1 }), { maxLength: 2 }));
    fc.assert(fc.property(fc.dictionary(fc.oneof(text, fc.constantFrom('Event', 'StreamID', 'BufferPercent')), value, { maxKeys: 8 }), (input) => checkEvent(parseStreamStatus(input))), params(10_000));
  });

  it('a huge callback keeps a bounded record; memory stays bounded over many', () => {
    const huge: Record<string, string> = { Event: 'DroppedStream', Error: 'x'.repeat(60_000) };
    for (let i = 0; i < 500; i++) huge[`k${i}`] = 'v'.repeat(100);
    const e = parseStreamStatus(huge);
    checkEvent(e);
    expect(JSON.stringify(e.fields).length).toBeLessThan(STATUS_FIELD_LIMITS.fields * (STATUS_FIELD_LIMITS.valueChars + STATUS_FIELD_LIMITS.keyChars + 8));
    const bodies = fc.sample(formText, 2000).map((s) => Buffer.from(s, 'utf8'));
    const growth = growthAfter(() => {
      for (const b of bodies) parseStreamStatus(parseParams('', b, undefined));
    }, 10);
    expect(growth).toBeLessThan(2 * 1024 * 1024);
  });
});
