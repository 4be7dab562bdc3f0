// The JSON shape of a target import file, shared by POST /v1/targets/import and
// `sonde targets import`: an array of targets, or { "targets": [...] }. CSV files go through
// parseTargetCsv (target-csv.ts). Rows come back unvalidated; TargetRepo.bulkImport checks each.

import { SondeError } from '../errors.js';

export function targetsFromJson(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value !== null && Array.isArray((value as { targets?: unknown }).targets)) {
    return (value as { targets: unknown[] }).targets;
  }
  throw new SondeError('invalid', 'JSON import must be an array of targets or an object { "targets": [...] }', 'targets');
}
