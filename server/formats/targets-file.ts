// Target import files (CSV or JSON) → plain rows for TargetRepo.bulkImport, which validates
// each row. Shared by POST /v1/targets/import and `sonde targets import`. CSV parsing is the
// engine's (parseTargetCsv: header row with kind and address; labels as "k=v;k2=v2" or
// label.<key> columns); a malformed file throws SondeError invalid (→ 400).
import { parseTargetCsv } from '../../engine/index.js';

export class ImportFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportFormatError';
  }
}

export function targetsFromCsv(text: string): Record<string, unknown>[] {
  return parseTargetCsv(text);
}

/** A JSON array of targets, or { "targets": [...] }. */
export function targetsFromJson(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value !== null && Array.isArray((value as { targets?: unknown }).targets)) {
    return (value as { targets: unknown[] }).targets;
  }
  throw new ImportFormatError('JSON import must be an array of targets or an object { "targets": [...] }');
}
