// Target import files (CSV or JSON) → plain rows for TargetRepo.bulkImport, which validates
// each row. Shared by POST /v1/targets/import and `sonde targets import`.
import { CsvError, parseCsv } from './csv.js';

export class ImportFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportFormatError';
  }
}

const CSV_COLUMNS = new Set(['kind', 'address', 'port', 'name', 'serviceid', 'provider', 'modelidentifier', 'labels']);
const CANONICAL: Record<string, string> = { serviceid: 'serviceId', modelidentifier: 'modelIdentifier' };

/**
 * CSV with a header row. Columns: address (required), kind (default HOST), port, name,
 * serviceId, provider, modelIdentifier, labels ("k=v;k2=v2"), and label.<key> columns.
 */
export function targetsFromCsv(text: string): Record<string, unknown>[] {
  let parsed;
  try {
    parsed = parseCsv(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    if (error instanceof CsvError) throw new ImportFormatError(error.message);
    throw error;
  }
  const { rows, lines } = parsed;
  if (rows.length === 0) throw new ImportFormatError('CSV is empty: expected a header row (address,kind,port,name,serviceId,provider,modelIdentifier,labels)');
  const header = rows[0].map((h) => h.trim());
  for (const h of header) {
    if (!CSV_COLUMNS.has(h.toLowerCase()) && !/^label\.[A-Za-z0-9_-]+$/.test(h)) {
      throw new ImportFormatError(`CSV header: unknown column "${h}"; allowed: address, kind, port, name, serviceId, provider, modelIdentifier, labels, label.<key>`);
    }
  }
  if (!header.some((h) => h.toLowerCase() === 'address')) throw new ImportFormatError('CSV header: the address column is required');
  const out: Record<string, unknown>[] = [];
  for (let r = 1; r < rows.length; r++) {
    const cells = rows[r];
    if (cells.length !== header.length) {
      throw new ImportFormatError(`CSV line ${lines[r]}: ${cells.length} fields, the header has ${header.length}`);
    }
    const row: Record<string, unknown> = {};
    const labels: Record<string, string> = {};
    let hasLabels = false;
    for (let c = 0; c < header.length; c++) {
      const name = header[c];
      const value = cells[c].trim();
      if (value === '') continue;
      const lower = name.toLowerCase();
      if (name.startsWith('label.')) {
        labels[name.slice(6)] = value;
        hasLabels = true;
      } else if (lower === 'labels') {
        for (const pair of value.split(';')) {
          if (pair.trim() === '') continue;
          const eq = pair.indexOf('=');
          if (eq <= 0) throw new ImportFormatError(`CSV line ${lines[r]}: labels must look like "key=value;key2=value2", got "${value}"`);
          labels[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
          hasLabels = true;
        }
      } else if (lower === 'port' || lower === 'serviceid') {
        row[CANONICAL[lower] ?? lower] = /^-?\d+$/.test(value) ? Number(value) : value;
      } else {
        row[CANONICAL[lower] ?? lower] = value;
      }
    }
    row.kind ??= 'HOST';
    if (hasLabels) row.labels = labels;
    out.push(row);
  }
  return out;
}

/** A JSON array of targets, or { "targets": [...] }. */
export function targetsFromJson(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value !== null && Array.isArray((value as { targets?: unknown }).targets)) {
    return (value as { targets: unknown[] }).targets;
  }
  throw new ImportFormatError('JSON import must be an array of targets or an object { "targets": [...] }');
}
