// The two-sample tests `sonde capacity compare` decides with (docs/capacity-report.md states them):
// - Kolmogorov–Smirnov on two binned RTT distributions (HDR buckets): D = the largest gap
//   between the two empirical CDFs at the bucket boundaries, its asymptotic p-value from the
//   Kolmogorov distribution. On binned data D is at most the D of the raw samples, so the
//   test errs on the side of "no change".
// - A two-proportion z-test (pooled) for loss, and for the share of samples above a threshold
//   (the tail).
import { type BucketCounts, totalCount } from './histogram-stats.js';

export interface KsResult {
  /** max |F_a − F_b| over the bucket boundaries, 0..1. */
  d: number;
  /** max (F_a − F_b): how far b lies to the right of a (b slower). */
  dSlower: number;
  /** max (F_b − F_a): how far b lies to the left of a (b faster). */
  dFaster: number;
  /** Asymptotic p-value of D (1 when either side is empty). */
  p: number;
  n: number;
  m: number;
}

/** Kolmogorov's Q_KS(λ) = 2 Σ (−1)^(k−1) e^(−2k²λ²), the p-value of a scaled D. */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 0.2) return 1; // the series converges slowly there, and Q is 1 to 1e-13
  let sum = 0;
  let sign = 1;
  for (let k = 1; k <= 100; k++) {
    const term = sign * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12 * Math.abs(sum)) break;
    sign = -sign;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

export function ksTest(a: BucketCounts, b: BucketCounts): KsResult {
  const n = totalCount(a);
  const m = totalCount(b);
  if (n === 0 || m === 0) return { d: 0, dSlower: 0, dFaster: 0, p: 1, n, m };
  let i = 0;
  let j = 0;
  let ca = 0;
  let cb = 0;
  let dSlower = 0;
  let dFaster = 0;
  // Walk the union of the buckets in order; compare the CDFs after each boundary.
  while (i < a.buckets.length || j < b.buckets.length) {
    const ba = i < a.buckets.length ? a.buckets[i] : Infinity;
    const bb = j < b.buckets.length ? b.buckets[j] : Infinity;
    const at = Math.min(ba, bb);
    if (ba === at) ca += a.counts[i++];
    if (bb === at) cb += b.counts[j++];
    const gap = ca / n - cb / m;
    if (gap > dSlower) dSlower = gap;
    if (-gap > dFaster) dFaster = -gap;
  }
  const d = Math.max(dSlower, dFaster);
  const ne = (n * m) / (n + m);
  const sq = Math.sqrt(ne);
  // Stephens' small-sample correction, as in Numerical Recipes' kstwo.
  const p = d === 0 ? 1 : kolmogorovQ((sq + 0.12 + 0.11 / sq) * d);
  return { d, dSlower, dFaster, p, n, m };
}

/** Upper tail of the standard normal, P(Z > z) (Abramowitz–Stegun 7.1.26 via erfc, |error| < 1.5e-7). */
export function normalUpperTail(z: number): number {
  if (z < 0) return 1 - normalUpperTail(-z);
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return (poly * Math.exp(-x * x)) / 2;
}

export interface ProportionResult {
  /** xa/na and xb/nb (0 when n is 0). */
  pa: number;
  pb: number;
  z: number;
  /** Two-sided p-value (1 when undefined: an empty side, or both proportions 0 or both 1). */
  p: number;
}

/** Pooled two-proportion z-test of xa of na against xb of nb. */
export function twoProportionTest(xa: number, na: number, xb: number, nb: number): ProportionResult {
  const pa = na > 0 ? xa / na : 0;
  const pb = nb > 0 ? xb / nb : 0;
  if (na === 0 || nb === 0) return { pa, pb, z: 0, p: 1 };
  const pooled = (xa + xb) / (na + nb);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb));
  if (se === 0) return { pa, pb, z: 0, p: 1 };
  const z = (pb - pa) / se;
  if (z === 0) return { pa, pb, z, p: 1 };
  return { pa, pb, z, p: Math.min(1, 2 * normalUpperTail(Math.abs(z))) };
}
