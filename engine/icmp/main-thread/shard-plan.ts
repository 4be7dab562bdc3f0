// How a job is split across workers: large unpaced jobs use every worker (one task per
// shard of contiguous targets); small or paced jobs stay in one worker, where a send gap
// (fping -i) is a single schedule. Each target lives in exactly one shard, so merging is
// placing each shard's summaries at their targets' indices.

/** Targets per shard below which splitting costs more than it gains. */
export const MIN_SHARD_TARGETS = 128;

export function planShards(targetIndices: readonly number[], threads: number, sendIntervalMs: number): number[][] {
  const n = targetIndices.length;
  const shards = sendIntervalMs > 0 ? 1 : Math.max(1, Math.min(threads, Math.floor(n / MIN_SHARD_TARGETS)));
  if (shards === 1) return [targetIndices.slice()];
  const out: number[][] = [];
  for (let s = 0; s < shards; s++) {
    out.push(targetIndices.slice(Math.floor((s * n) / shards), Math.floor(((s + 1) * n) / shards)));
  }
  return out;
}
