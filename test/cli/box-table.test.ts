// sonde ping's summary table renderer draws what cli-table3 drew (same characters, padding,
// alignment, spanning cells), in one linear pass.
import Table from 'cli-table3';
import { describe, expect, it } from 'vitest';
import { boxTable, type Align, type BoxCell } from '../../cli/box-table.js';

const head = ['target', 'address', 'sent', 'loss', 'errors'];
const aligns: Align[] = ['left', 'left', 'right', 'right', 'left'];

function cliTable3(rows: BoxCell[][]): string {
  const t = new Table({ head, style: { head: [], border: [] }, colAligns: aligns });
  t.push(...rows);
  return t.toString();
}

describe('boxTable', () => {
  it('matches cli-table3 for plain rows and a row with a spanning cell', () => {
    const rows: BoxCell[][] = [
      ['127.0.0.1', '127.0.0.1', 3, '0%', ''],
      ['no.invalid', '-', { colSpan: 3, content: 'targets[1]: "no.invalid" did not resolve' }],
      ['localhost', '127.0.0.1', 12345, '33.3%', 'unreachable 1'],
      ['short.invalid', '-', { colSpan: 3, content: 'no' }],
    ];
    expect(boxTable(head, rows, aligns)).toBe(cliTable3(rows));
  });

  it('matches cli-table3 for a head-only table and for one row', () => {
    expect(boxTable(head, [], aligns)).toBe(cliTable3([]));
    const one: BoxCell[][] = [['a', 'b', 1, '100%', 'x']];
    expect(boxTable(head, one, aligns)).toBe(cliTable3(one));
  });

  it('lays out 10,000 rows: a rule between every two, every row once', () => {
    const rows: BoxCell[][] = Array.from({ length: 10_000 }, (_, i) => [`127.1.${i >> 8}.${i & 255}`, '-', i, '0%', '']);
    const lines = boxTable(head, rows, aligns).split('\n');
    expect(lines.filter((l) => l.startsWith('│ 127.1.')).length).toBe(10_000);
    expect(lines.filter((l) => l.startsWith('├')).length).toBe(10_000);
    expect(lines).toHaveLength(3 + 2 * 10_000);
  });
});
