// The window batch decoder's histogram check (window-wire.ts): it accepts exactly what the
// wire schema's pattern and maxLength accept, and hands the store the decoded bytes.
import { expect, it } from 'vitest';
import { WIRE_VERSION, decodeWindowBatch, encodeWindowBatch, type WindowBatch } from '../../engine/distributed/window-wire.js';

const PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;
const batch = (hists: (string | null)[]): WindowBatch => ({
  v: WIRE_VERSION, agent: 'edge-01', monitorId: 'mon-1', spanMs: 1000, sealedAt: 1,
  windows: hists.map((hist, i) => ({
    targetId: `t-${i}`, address: '127.0.0.1', startMs: 1000, sent: 1, received: 1, duplicates: 0, late: 0,
    errors: [0, 0, 0, 0, 0, 0], minNs: 5, maxNs: 5, sumNs: 5, hist,
  })),
});

it('accepts a histogram string exactly when the schema pattern and length do, and decodes it', () => {
  const real = Buffer.from([1, 175, 21, 2, 19, 2, 7]).toString('base64');
  const cases = [
    real, '', 'A', 'AB', 'AB=', 'AB==', 'AB===', '=', '==', '===', 'A=B', '@@@', 'AB-_', 'AB CD', 'ABé=', 'AB\u{1F600}',
    'A'.repeat(64 * 1024), 'A'.repeat(64 * 1024 + 1), `${'A'.repeat(64 * 1024 - 2)}==`,
  ];
  for (const hist of cases) {
    const d = decodeWindowBatch(encodeWindowBatch(batch([null, hist])));
    const expected = PATTERN.test(hist) && hist.length <= 64 * 1024;
    expect(d.ok, JSON.stringify(hist.slice(0, 20))).toBe(expected);
    if (d.ok) {
      expect(d.hists[0]).toBeNull();
      expect(d.hists[1]).toEqual(Buffer.from(hist, 'base64'));
    } else {
      expect(d.reason).toMatch(/\/windows\/1\/hist/);
    }
  }
});
