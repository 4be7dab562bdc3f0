// CSV for bulk target import (RFC 4180 quoting). The header names the fields: kind,
// address, port, name, serviceId, provider, modelIdentifier, and labels either as one
// `labels` column ("site=eu.paris;tier=gold") or as `label.<key>` columns.
// Rows come back as plain objects for TargetRepo.bulkImport, which validates them.

import { SondeError } from '../errors.js';

const INTEGER_FIELDS = new Set(['port', 'serviceId']);

function splitRecords(text: string): string[][] {
  const records: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"' && cell.length === 0) {
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      cell = '';
      if (row.length > 1 || row[0] !== '') records.push(row);
      row = [];
      line++;
    } else {
      cell += c;
    }
  }
  if (quoted) throw new SondeError('invalid', `CSV: unterminated quoted field (line ${line})`, 'body');
  row.push(cell);
  if (row.length > 1 || row[0] !== '') records.push(row);
  return records;
}

function parseLabelCell(cell: string): Record<string, string> | string {
  const labels: Record<string, string> = {};
  for (const pair of cell.split(';')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) return cell; // left as text: validation names the field
    labels[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return labels;
}

export function parseTargetCsv(text: string): Record<string, unknown>[] {
  const records = splitRecords(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (records.length === 0) return [];
  const header = records[0].map((h) => h.trim());
  if (!header.includes('kind') || !header.includes('address')) {
    throw new SondeError('invalid', 'CSV: the header row must name at least the columns kind and address', 'body');
  }
  const out: Record<string, unknown>[] = [];
  for (let r = 1; r < records.length; r++) {
    const cells = records[r];
    if (cells.length !== header.length) {
      throw new SondeError('invalid', `CSV: record ${r + 1} has ${cells.length} fields, the header has ${header.length}`, 'body');
    }
    const obj: Record<string, unknown> = {};
    let labels: Record<string, string> | undefined;
    for (let c = 0; c < header.length; c++) {
      const name = header[c];
      const cell = cells[c].trim();
      if (cell === '') continue;
      if (name.startsWith('label.')) {
        (labels ??= {})[name.slice(6)] = cell;
      } else if (name === 'labels') {
        const parsed = parseLabelCell(cell);
        if (typeof parsed === 'string') obj.labels = parsed;
        else labels = { ...labels, ...parsed };
      } else if (INTEGER_FIELDS.has(name)) {
        obj[name] = /^-?\d+$/.test(cell) ? Number(cell) : cell;
      } else {
        obj[name] = cell;
      }
    }
    if (labels && obj.labels === undefined) obj.labels = labels;
    out.push(obj);
  }
  return out;
}
