// Seeded randomness. Every random decision of the simulator is a pure function of
// (seed, host, n-th request to that host, purpose): a counter-based hash, not a shared stream.
// So a host's losses, delays and duplicates do not depend on how requests to other hosts
// interleave, and a run with the same seed and the same per-host request order repeats exactly.

/** A 32-bit avalanche mix (lowbias32, Chris Wellons' hash-prospector). */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Hash of four 32-bit words. */
export function hash4(a: number, b: number, c: number, d: number): number {
  let h = mix32((a ^ 0x9e3779b9) >>> 0);
  h = mix32((h ^ b) >>> 0);
  h = mix32((h + 0x632be5ab ^ c) >>> 0);
  return mix32((h ^ Math.imul(d, 0x85ebca6b)) >>> 0);
}

/** Uniform in [0, 1) for (seed, host, index, salt). */
export function uniformAt(seed: number, host: number, index: number, salt: number): number {
  return hash4(seed, host, index, salt) / 4294967296;
}

/** Standard normal (Box–Muller) for (seed, host, index, salt). */
export function normalAt(seed: number, host: number, index: number, salt: number): number {
  const u1 = (hash4(seed, host, index, salt) + 1) / 4294967297; // (0, 1]
  const u2 = uniformAt(seed, host, index, salt ^ 0x5bd1e995);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Hash of address bytes (a host's identity in the random streams). */
export function hashBytes(buf: Uint8Array, offset: number, length: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < length; i++) h = Math.imul(h ^ buf[offset + i], 0x01000193);
  return mix32(h >>> 0);
}

/** A small sequential generator (mulberry32) for tests and tools that need a stream. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
