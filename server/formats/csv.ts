// A small RFC 4180 CSV reader (quoted fields, "" escapes, CRLF or LF). Enough for target
// import files; errors name the line.

export class CsvError extends Error {
  constructor(readonly line: number, message: string) {
    super(`CSV line ${line}: ${message}`);
    this.name = 'CsvError';
  }
}

/** Returns rows of cells; blank lines are skipped. */
export function parseCsv(text: string): { rows: string[][]; lines: number[] } {
  const rows: string[][] = [];
  const lines: number[] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let cellStarted = false;
  const endRow = (): void => {
    row.push(cell);
    if (!(row.length === 1 && row[0] === '' && !cellStarted)) {
      rows.push(row);
      lines.push(rowLine);
    }
    row = [];
    cell = '';
    cellStarted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        if (c === '\n') line++;
        cell += c;
      }
      continue;
    }
    if (c === '"') {
      if (cell !== '') throw new CsvError(line, 'a quote inside an unquoted field; quote the whole field and double inner quotes');
      quoted = true;
      cellStarted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
      cellStarted = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      cell += c;
      cellStarted = true;
    }
  }
  if (quoted) throw new CsvError(rowLine, 'unterminated quoted field');
  if (cell !== '' || row.length > 0) endRow();
  return { rows, lines };
}
