// Resident memory per mapping of another process (/proc/<pid>/smaps), to tell where an RSS
// rise is: the main malloc heap, a thread's malloc arena, a V8 heap or code space, a file.
import { readFileSync } from 'node:fs';

export interface MappingRss {
  /** Start address, hex: stable for the mapping's life. */
  start: string;
  /** The file, [heap], [stack], or an anonymous mapping's guess (see kindOf). */
  name: string;
  sizeKb: number;
  rssKb: number;
}

const ARENA_ALIGN = 64n * 1024n * 1024n;

/** glibc gives each thread's malloc arena a 64 MiB-aligned heap; V8 and others mmap elsewhere. */
function kindOf(start: string, path: string): string {
  if (path !== '') return path;
  return BigInt(`0x${start}`) % ARENA_ALIGN === 0n ? 'anon (64 MiB-aligned: a malloc arena)' : 'anon';
}

export function mappings(pid: number): MappingRss[] {
  const out: MappingRss[] = [];
  let current: MappingRss | null = null;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head !== null) {
      current = { start: head[1], name: kindOf(head[1], head[3].trim()), sizeKb: Number((BigInt(`0x${head[2]}`) - BigInt(`0x${head[1]}`)) / 1024n), rssKb: 0 };
      out.push(current);
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss !== null && current !== null) current.rssKb = Number(rss[1]);
  }
  return out;
}

/** The mappings whose resident size changed most from `before` to `after` (new ones included). */
export function grownMappings(before: readonly MappingRss[], after: readonly MappingRss[], top = 8): { start: string; name: string; beforeKb: number; afterKb: number }[] {
  const was = new Map(before.map((m) => [`${m.start} ${m.name}`, m.rssKb]));
  return after.map((m) => ({ start: m.start, name: m.name, beforeKb: was.get(`${m.start} ${m.name}`) ?? 0, afterKb: m.rssKb }))
    .sort((a, b) => Math.abs(b.afterKb - b.beforeKb) - Math.abs(a.afterKb - a.beforeKb))
    .slice(0, top);
}
