// Label keys and values shared by targets and agents: keys and dot-separated value
// segments match [A-Za-z0-9_-]+ (docs/contracts.md#node-api-selector), so `site:eu` can
// select `eu.paris`.

import { SondeError } from '../errors.js';

export const LABEL_KEY = /^[A-Za-z0-9_-]{1,64}$/;
export const LABEL_VALUE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
export const MAX_LABELS = 64;
const MAX_VALUE_LENGTH = 256;

/** Validates a label map; throws SondeError invalid naming the offending label. */
export function validateLabels(raw: unknown, field = 'labels'): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SondeError('invalid', `${field} must be an object of key → value strings`, field);
  }
  const out: Record<string, string> = {};
  let n = 0;
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (++n > MAX_LABELS) throw new SondeError('invalid', `${field} has more than ${MAX_LABELS} entries`, field);
    if (!LABEL_KEY.test(key)) {
      throw new SondeError('invalid', `${field} key "${key}" must match [A-Za-z0-9_-]{1,64}`, `${field}.${key}`);
    }
    if (typeof value !== 'string' || value.length > MAX_VALUE_LENGTH || !LABEL_VALUE.test(value)) {
      throw new SondeError(
        'invalid',
        `${field}.${key} must be a string of dot-separated segments matching [A-Za-z0-9_-]+ (at most ${MAX_VALUE_LENGTH} characters)`,
        `${field}.${key}`,
      );
    }
    out[key] = value;
  }
  return out;
}

/** `value` equals `wanted` or starts with `wanted.` (dot-segment prefix). */
export function labelValueMatches(value: string, wanted: string): boolean {
  return value === wanted || (value.length > wanted.length && value.startsWith(wanted) && value.charCodeAt(wanted.length) === 46);
}
