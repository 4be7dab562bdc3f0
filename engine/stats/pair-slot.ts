// The home slot of a (key, bucket) pair in an open-addressing table of `cap` slots: both
// numbers mixed (multiplicative hashing, then a shift-xor so the high bits reach the low
// ones) so that neighbouring keys and buckets spread over the table. One function so the
// tables keyed this way (per-target histograms, per-window RTT buckets) probe alike.
export function pairSlot(key: number, bucket: number, cap: number): number {
  const h = (Math.imul(key, 0x9e3779b1) ^ Math.imul(bucket + 1, 0x85ebca77)) >>> 0;
  return ((h ^ (h >>> 15)) >>> 0) % cap;
}
