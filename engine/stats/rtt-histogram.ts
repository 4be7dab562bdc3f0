// Kept only for bench/micro.ts, which sizes its "small job" with it: the engine no longer
// switches histogram representation by job size (see sparse-hdr.ts). Remove once the bench
// stops importing it.
export const FLAT_HISTOGRAM_TARGET_LIMIT = 64;
