// The fuzzer's network rule is only as good as its last check on the bytes sent: these cases
// must be refused (non-loopback addresses, names, URLs, numbers where a destination goes,
// CSV rows, nesting deeper than the call stack), and loopback ones let through.
import { describe, expect, it } from 'vitest';
import { isSafeDestination, setSafePorts, unsafeBodyReason } from '../../bench/lib/fuzz/destinations.js';

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

describe('fuzz network guard', () => {
  it('lets loopback destinations through', () => {
    setSafePorts([1, 8080]);
    for (const d of ['127.0.0.1', '127.255.3.4', '::1', '[::1]', 'localhost', 'http://127.0.0.1:1/', 'https://[::1]:8080/x?y=1', 'http://localhost:1/healthz']) {
      expect(isSafeDestination(d), d).toBe(true);
    }
    expect(unsafeBodyReason(json({ kind: 'HOST', address: '127.0.0.9', labels: { a: 'b' } }), 'application/json')).toBeNull();
    expect(unsafeBodyReason(json({ operation: 'ping', targets: ['127.0.0.1', '::1'], count: 3 }), 'application/json')).toBeNull();
    expect(unsafeBodyReason(Buffer.from('{"address":'), 'application/json')).toBeNull(); // not JSON: refused by the daemon
  });

  it('refuses anything else where a destination goes', () => {
    for (const d of ['8.8.8.8', '10.0.0.1', '127.0.0.256', '127.1', '2130706433', 'example.com', 'localhost.', 'http://127.0.0.1:9999/', 'http://10.0.0.1:1/', 'http://127.0.0.1.nip.io:1/', '@fact.ip', '', ' 127.0.0.1']) {
      expect(isSafeDestination(d), d).toBe(false);
    }
    expect(unsafeBodyReason(json({ address: 'example.com' }), 'application/json')).toMatch(/address/);
    expect(unsafeBodyReason(json({ destination: '1.1.1.1' }), undefined)).toMatch(/destination/);
    expect(unsafeBodyReason(json({ host: 'example.org', port: 80 }), 'text/plain')).toMatch(/host/);
    expect(unsafeBodyReason(json({ url: 'http://169.254.169.254/' }), 'application/json')).toMatch(/url/);
    expect(unsafeBodyReason(json({ targets: [['127.0.0.1', ['9.9.9.9']]] }), 'application/json')).toMatch(/targets/);
    expect(unsafeBodyReason(json({ targets: { items: [{ address: 'a.b' }] } }), 'application/json')).toMatch(/address/);
    expect(unsafeBodyReason(json([{ kind: 'HOST', address: 1111 }]), 'application/json')).toMatch(/number/);
    // counts still valid but above the fuzz caps
    expect(unsafeBodyReason(json({ targetId: '0', count: 2147483647 }), 'application/json')).toMatch(/count/);
    expect(unsafeBodyReason(json({ intervalMs: 60000 }), 'application/json')).toMatch(/intervalMs/);
    // the same field under a key that is not a destination is not a destination
    expect(unsafeBodyReason(json({ name: 'example.com' }), 'application/json')).toBeNull();
  });

  it('reads CSV bodies as the daemon does', () => {
    expect(unsafeBodyReason(Buffer.from('kind,address\nHOST,127.0.0.1\n'), 'text/csv')).toBeNull();
    expect(unsafeBodyReason(Buffer.from('kind,address\nHOST,example.com\n'), 'text/csv')).toMatch(/CSV/);
    expect(unsafeBodyReason(Buffer.from('kind,address\nHOST,"8.8.8.8"\n'), 'Text/CSV; charset=utf-8')).toMatch(/CSV/);
  });

  it('walks documents nested deeper than the call stack', () => {
    const depth = 200_000;
    const deep = Buffer.from(`${'['.repeat(depth)}{"address":"8.8.8.8"}${']'.repeat(depth)}`);
    expect(unsafeBodyReason(deep, 'application/json')).toMatch(/address/);
  });
});
