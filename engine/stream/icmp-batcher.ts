// HOST probes of many sessions share engine ping jobs. A ping job has a set-up cost (a
// Piscina task, a MessagePort, shard planning) far above a probe's, so one job per probe would
// cap the daemon's probe rate (bench/README.md#design-ping-coalescing); probes that fall due
// in the same event-loop turn — 1,000 sessions on 100 ms timers fire in a handful of turns —
// go out as one job of count 1 over all their addresses.
import { unixNowNs } from '../probes/clock.js';
import type { Engine, ProbeResult } from '../types.js';
import type { IcmpProbeRecord } from './types.js';

interface Pending {
  address: string;
  signal: AbortSignal | undefined;
  resolve(record: IcmpProbeRecord): void;
  record: IcmpProbeRecord | null;
}

interface Batch {
  timeoutMs: number;
  size: number;
  items: Pending[];
}

const FINAL: ReadonlySet<string> = new Set(['ok', 'timeout', 'error']);

/** A probe that was never sent; both times are "now" so a result built from it has a sane timeline. */
export function failedRecord(address: string, failure: string): IcmpProbeRecord {
  const now = unixNowNs();
  return { address, status: 'error', rttNs: NaN, bytes: 0, sentAtNs: now, receivedAtNs: now, failure };
}

export class IcmpBatcher {
  private readonly batches = new Map<string, Batch>();
  private scheduled = false;

  constructor(private readonly engine: Engine) {}

  /** One echo request to `address` (an IP literal); never rejects. */
  probe(address: string, timeoutMs: number, size: number, signal?: AbortSignal): Promise<IcmpProbeRecord> {
    return new Promise((resolve) => {
      const key = `${timeoutMs}/${size}`;
      let batch = this.batches.get(key);
      if (batch === undefined) {
        batch = { timeoutMs, size, items: [] };
        this.batches.set(key, batch);
      }
      batch.items.push({ address, signal, resolve, record: null });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    for (const batch of this.batches.values()) this.send(batch);
    this.batches.clear();
  }

  private send(batch: Batch): void {
    // A session cancelled since it asked sends nothing.
    const items: Pending[] = [];
    for (const item of batch.items) {
      if (item.signal?.aborted) item.resolve(failedRecord(item.address, `probe cancelled for ${item.address}`));
      else items.push(item);
    }
    if (items.length === 0) return;
    const onProbe = (p: ProbeResult): void => {
      const item = items[p.targetIndex];
      if (item === undefined || item.record !== null || !FINAL.has(p.status)) return;
      const record: IcmpProbeRecord = {
        address: p.address, status: p.status, rttNs: p.rttNs, bytes: p.bytes, sentAtNs: p.sentAtNs, receivedAtNs: p.receivedAtNs,
      };
      if (p.errorKind !== undefined) record.errorKind = p.errorKind;
      if (p.from !== undefined) record.from = p.from;
      item.record = record;
      item.resolve(record);
    };
    this.engine
      .ping({ targets: items.map((i) => i.address), count: 1, timeoutMs: batch.timeoutMs, size: batch.size }, onProbe)
      .then((summary) => {
        items.forEach((item, i) => {
          if (item.record !== null) return;
          const why = summary.targets[i]?.error ?? `the engine reported no outcome for the probe to ${item.address}`;
          item.resolve(failedRecord(item.address, why));
        });
      }, (error: unknown) => {
        const why = `the ICMP engine failed: ${error instanceof Error ? error.message : String(error)}`;
        for (const item of items) if (item.record === null) item.resolve(failedRecord(item.address, why));
      });
  }
}
