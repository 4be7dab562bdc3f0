// RTT histograms (hdr-histogram-js, values in ns, 3 significant digits, auto-resizing).
//
// Representation, measured on this machine (node 20, 10,000 histograms × 3 samples each):
//   Int32 counts:  ~26 KB per histogram (264 MB for 10,000), record ≈ 0.14 µs
//   packed counts: ~1.5 KB per histogram (15 MB for 10,000),  record ≈ 0.6–0.7 µs
// So jobs with few targets use Int32 (fast record, memory bounded by the target count) and
// larger jobs use packed arrays; histograms are created on the first in-time reply only.
import { build, type Histogram } from 'hdr-histogram-js';

/** Targets per job at or below which histograms use flat Int32 counts. */
export const FLAT_HISTOGRAM_TARGET_LIMIT = 64;

export type RttHistogram = Histogram;

export function createRttHistogram(targetsInJob: number): RttHistogram {
  return build({
    bitBucketSize: targetsInJob <= FLAT_HISTOGRAM_TARGET_LIMIT ? 32 : 'packed',
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}
