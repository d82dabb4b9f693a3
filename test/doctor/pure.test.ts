// The doctor's pure parts: address classes, loopback names, tunnel hosts, the mode rule,
// the latency rule, the text table.
import { describe, expect, it } from 'vitest';
import { classifyAddress } from '../../src/doctor/address.js';
import { renderDoctorText, wrap } from '../../src/doctor/render-text.js';
import { isLocal } from '../../src/doctor/target.js';
import { tunnelService } from '../../src/doctor/tunnel-check.js';
import { countStatuses, type DoctorReport, result } from '../../src/doctor/types.js';

describe('addresses', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.20', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.10.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'shared'],
    ['100.128.0.1', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['8.8.8.8', 'public'],
    ['2001:4860:4860::8888', 'public'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });
});

describe('the mode rule', () => {
  it('auto makes loopback local; development makes everything local; production nothing', () => {
    expect([isLocal('auto', true), isLocal('auto', false)]).toEqual([true, false]);
    expect([isLocal('development', true), isLocal('development', false)]).toEqual([true, true]);
    expect([isLocal('production', true), isLocal('production', false)]).toEqual([false, false]);
  });
});

describe('tunnel hosts', () => {
  it('recognises the common tunnel services by host suffix', () => {
    expect(tunnelService('abc123.ngrok-free.app')).toBe('ngrok');
    expect(tunnelService('x.ngrok.io')).toBe('ngrok');
    expect(tunnelService('quiet-river-42.trycloudflare.com')).toBe('Cloudflare Tunnel');
    expect(tunnelService('brave-fox.loca.lt')).toBe('localtunnel');
    expect(tunnelService('agent.example.com')).toBeUndefined();
    expect(tunnelService('notngrok.io')).toBeUndefined();
  });
});

describe('the text table', () => {
  it('wraps words to the width', () => {
    expect(wrap('one two three four five', 9)).toEqual(['one two', 'three', 'four five']);
    expect(wrap('', 10)).toEqual(['']);
    expect(wrap('averyveryverylongword x', 5)).toEqual(['averyveryverylongword', 'x']);
  });

  it('prints one row per check, the fix under failed rows, and the counts', () => {
    const checks = [
      result('url.scheme', 'ok', 'the <Stream> URL uses wss://', { url: 'wss://a/b' }, { target: 'stream' }),
      result('tls.expiry', 'warn', 'expires on 2030-01-01, in 5 days', { daysLeft: 5 }, { target: 'stream', fix: 'renew the certificate' }),
      result('websocket.ping', 'fail', 'no pong within 5000 ms of the doctor\'s ping', {}, { fix: 'answer WebSocket pings with pongs' }),
      result('xml.fetch', 'skip', 'no answer URL given', {}, { fix: 'never shown for a skip' }),
    ];
    const report: DoctorReport = {
      streamUrl: 'wss://a/b?secret=1',
      mode: 'production',
      modeReason: 'the stream URL (a) is not loopback',
      signed: false,
      startedAt: new Date(0).toISOString(),
      durationMs: 1234,
      checks,
      counts: countStatuses(checks),
      ok: false,
    };
    const text = renderDoctorText(report, { width: 80 });
    expect(text).toContain('stream URL  wss://a/b?…');
    expect(text).toContain('mode        production: the stream URL (a) is not loopback');
    expect(text).not.toContain('secret');
    expect(text).toMatch(/^url\.scheme \(stream\)\s+ok\s+the <Stream> URL uses wss:\/\/$/m);
    expect(text).toMatch(/^tls\.expiry \(stream\)\s+warn\s+expires on 2030-01-01, in 5 days\n\s+fix: renew the certificate$/m);
    expect(text).toMatch(/^websocket\.ping\s+FAIL\s+no pong/m);
    expect(text).not.toContain('never shown');
    expect(text).toContain('4 checks: 1 ok, 1 warn, 1 fail, 1 skip (1.2 s): fix the FAIL rows first');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });
});
