// Committed benchmark results: one JSON file per run, so the next run can compare.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir, resultsDir } from './paths.js';

export interface SavedResult<T> {
  path: string;
  data: T;
}

/** The newest bench/results/<name>-*.json, if any. */
export function latestResult<T>(name: string): SavedResult<T> | undefined {
  let files: string[];
  try {
    files = readdirSync(resultsDir).filter((f) => f.startsWith(`${name}-`) && f.endsWith('.json')).sort();
  } catch {
    return undefined;
  }
  const last = files.at(-1);
  if (!last) return undefined;
  const path = join(resultsDir, last);
  try {
    return { path, data: JSON.parse(readFileSync(path, 'utf8')) as T };
  } catch {
    return undefined;
  }
}

/** Writes bench/results/<name>-<UTC date and time>.json and returns its path. */
export function saveResult(name: string, data: unknown, date: Date = new Date()): string {
  const stamp = date.toISOString().slice(0, 16).replace(':', '');
  const path = join(ensureDir(resultsDir), `${name}-${stamp}Z.json`);
  writeFileSync(path, JSON.stringify(data, null, 2) + '\n');
  return path;
}
