// Building blocks for the contract response schemas (JSON Schema via TypeBox): string
// formats as patterns, so the schemas need no format plugin and say exactly what is allowed.

import { Type } from '@sinclair/typebox';

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** RFC 3339 in UTC with exactly nine fractional digits (seed 004: "2025-05-20T13:07:48.849780286Z"). */
export const RFC3339_NANO_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z$';

/** Any RFC 3339 timestamp (0..9 fractional digits, Z or an offset). */
export const RFC3339_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$';

/**
 * A non-negative Go time.Duration.String() text, and only what Go can print: "0s";
 * 1..999 "ns"; "µs" (U+00B5) and "ms" with up to 3 / 6 fractional digits and no trailing
 * zero; from 1 s up "[Nh][Mm]S[.fff]s" where minutes appear with hours, minutes and
 * seconds are below 60 and a bare seconds value is at least 1 ("0.5s" is "500ms" in Go).
 */
const SECONDS_0_59 = '([0-9]|[1-5][0-9])';
const FRACTION = (digits: number): string => `(\\.[0-9]{0,${digits - 1}}[1-9])?`;
export const GO_DURATION_PATTERN =
  '^(0s' +
  '|[1-9][0-9]{0,2}ns' +
  `|[1-9][0-9]{0,2}${FRACTION(3)}\u00B5s` +
  `|[1-9][0-9]{0,2}${FRACTION(6)}ms` +
  `|([1-9][0-9]*h${SECONDS_0_59}m|[1-9]m|[1-5][0-9]m)${SECONDS_0_59}${FRACTION(9)}s` +
  `|([1-9]|[1-5][0-9])${FRACTION(9)}s` +
  ')$';

/** A decimal number written as a string, as seed 004's `output` does ("200.2", "20"). */
export const NUMBER_STRING_PATTERN = '^-?[0-9]+(\\.[0-9]+)?$';

export const Uuid = (description?: string) => Type.String({ pattern: UUID_PATTERN, ...(description ? { description } : {}) });
export const Rfc3339Nano = () => Type.String({ pattern: RFC3339_NANO_PATTERN });
export const Rfc3339 = () => Type.String({ pattern: RFC3339_PATTERN });
export const GoDuration = () => Type.String({ pattern: GO_DURATION_PATTERN });
export const NumberString = () => Type.String({ pattern: NUMBER_STRING_PATTERN });
export const Percent = () => Type.Number({ minimum: 0, maximum: 100 });
export const Count = () => Type.Integer({ minimum: 0 });
export const StringMap = () => Type.Record(Type.String(), Type.String());
