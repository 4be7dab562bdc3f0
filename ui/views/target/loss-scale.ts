// SmokePing's loss scale for a step's loss percentage: 0, ≤1 %, ≤5 %, ≤10 %, ≤25 %, ≤50 %,
// <100 %, 100 % (buckets 0..7, the same buckets as the fleet frames' lossBucket), and the
// colour of each in the palette the fleet view uses.
import { paletteCss, type PaletteName } from '../fleet/palette.js';

/** Upper bound (inclusive) of buckets 1..5 in percent; bucket 6 is everything below 100. */
const UPPER = [1, 5, 10, 25, 50] as const;

/** The bucket of a loss percentage; -1 when nothing was sent (no loss to show). */
export function lossBucket(percent: number | null): number {
  if (percent === null || !Number.isFinite(percent)) return -1;
  if (percent <= 0) return 0;
  if (percent >= 100) return 7;
  for (let i = 0; i < UPPER.length; i++) if (percent <= UPPER[i]!) return i + 1;
  return 6;
}

export function lossColour(percent: number | null, palette: PaletteName): string | null {
  const bucket = lossBucket(percent);
  return bucket < 0 ? null : paletteCss(palette).loss[bucket]!;
}

export function parsePalette(raw: string | null): PaletteName {
  return raw === 'cb' ? 'cb' : 'smokeping';
}
