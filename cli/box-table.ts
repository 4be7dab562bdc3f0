// A box-drawn table in cli-table3's look (one space of padding, a rule between rows), laid
// out in one linear pass: cli-table3 lays a table out in time quadratic in its rows and
// builds a regular expression per cell, which made a 10,000-target `sonde ping` summary
// take most of the run. Cells are plain text (no colour), one line each.

export type BoxCell = string | number | { colSpan: number; content: string };
export type Align = 'left' | 'right';

interface Laid {
  /** Column index where each cell starts, plus the end (= column count). */
  starts: number[];
  texts: string[];
}

function lay(row: readonly BoxCell[]): Laid {
  const starts: number[] = [];
  const texts: string[] = [];
  let col = 0;
  for (const cell of row) {
    starts.push(col);
    if (typeof cell === 'object') {
      texts.push(cell.content);
      col += cell.colSpan;
    } else {
      texts.push(String(cell));
      col += 1;
    }
  }
  starts.push(col);
  return { starts, texts };
}

export function boxTable(head: readonly string[], rows: readonly (readonly BoxCell[])[], aligns: readonly Align[]): string {
  const n = head.length;
  const laid = [lay(head), ...rows.map(lay)];
  const widths = head.map((h) => h.length);
  for (const r of laid) {
    r.texts.forEach((t, i) => {
      if (r.starts[i + 1] - r.starts[i] === 1) widths[r.starts[i]] = Math.max(widths[r.starts[i]], t.length);
    });
  }
  // A spanning cell longer than its columns widens them, spread evenly (the first ones get
  // the remainder), as cli-table3 does.
  for (const r of laid) {
    r.texts.forEach((t, i) => {
      const from = r.starts[i];
      const to = r.starts[i + 1];
      if (to - from < 2) return;
      const extra = t.length - spanWidth(from, to);
      if (extra <= 0) return;
      const k = to - from;
      for (let c = from; c < to; c++) widths[c] += Math.floor(extra / k) + (c - from < extra % k ? 1 : 0);
    });
  }
  function spanWidth(from: number, to: number): number {
    let w = 0;
    for (let c = from; c < to; c++) w += widths[c] + 2;
    return w + (to - from - 1) - 2; // inner borders belong to the span; minus its own padding
  }
  /** A rule line; a column boundary shows as a junction where the row above/below has one. */
  const rule = (above: Laid | null, below: Laid | null, [l, m, r, up, down]: string[]): string => {
    let out = l;
    for (let c = 0; c < n; c++) {
      out += '─'.repeat(widths[c] + 2);
      if (c === n - 1) break;
      const a = above?.starts.includes(c + 1) ?? false;
      const b = below?.starts.includes(c + 1) ?? false;
      out += a && b ? m : a ? up : b ? down : '─';
    }
    return out + r;
  };
  // The rule between two rows without spanning cells is the same everywhere: built once.
  let plainRule: string | null = null;
  const between = (above: Laid, below: Laid): string => {
    if (above.starts.length !== n + 1 || below.starts.length !== n + 1) return rule(above, below, ['├', '┼', '┤', '┴', '┬']);
    return (plainRule ??= rule(above, below, ['├', '┼', '┤', '┴', '┬']));
  };
  const lines: string[] = [];
  const body = (r: Laid, alignOf: (col: number) => Align): void => {
    const cells = r.texts.map((t, i) => {
      const w = spanWidth(r.starts[i], r.starts[i + 1]);
      return { w, text: t, align: alignOf(r.starts[i]) };
    });
    lines.push(`│${cells.map((c) => ` ${c.align === 'right' ? c.text.padStart(c.w) : c.text.padEnd(c.w)} `).join('│')}│`);
  };
  lines.push(rule(null, laid[0], ['┌', '┬', '┐', '┬', '┬']));
  body(laid[0], (c) => aligns[c] ?? 'left');
  for (let i = 1; i < laid.length; i++) {
    lines.push(between(laid[i - 1], laid[i]));
    body(laid[i], (c) => aligns[c] ?? 'left');
  }
  lines.push(rule(laid[laid.length - 1], null, ['└', '┴', '┘', '┴', '┴']));
  return lines.join('\n');
}
