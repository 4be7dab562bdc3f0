// The echo requests of one HOST probe session, sent through the shared ping coalescer: probes
// of many sessions that fall due together go out as one engine job of count 1.
import { PING_DEFAULTS } from '../icmp/main-thread/validate-request.js';
import type { PendingPing, PingCoalescer, PingSink } from '../icmp/main-thread/ping-coalescer.js';
import { unixNowNs } from '../probes/clock.js';
import type { ProbeResult, TargetSummary } from '../types.js';
import type { IcmpProbeRecord } from './types.js';

/** A probe that was never sent; both times are "now" so a result built from it has a sane timeline. */
export function failedRecord(address: string, failure: string): IcmpProbeRecord {
  const now = unixNowNs();
  return { address, status: 'error', rttNs: NaN, bytes: 0, sentAtNs: now, receivedAtNs: now, failure };
}

/** One session's probes to `address` (an IP literal). A session's signal is listened to once,
 *  not per probe: an EventTarget listener costs more than the probe's own bookkeeping. */
export class IcmpProbes {
  private readonly inFlight = new Set<IcmpProbe>();
  private listening: AbortSignal | null = null;
  private readonly cancelled: string;

  constructor(
    private readonly coalescer: PingCoalescer,
    private readonly address: string,
    private readonly timeoutMs: number,
    private readonly size: number,
  ) {
    this.cancelled = `probe cancelled for ${address}`;
  }

  /** One echo request; settles with the probe's first outcome (not the end of the shared job),
   *  never rejects. Aborting `signal` gives up the probes in flight. */
  probe(signal: AbortSignal | undefined): Promise<IcmpProbeRecord> {
    if (signal?.aborted) return Promise.resolve(failedRecord(this.address, this.cancelled));
    if (signal !== undefined && signal !== this.listening) {
      this.listening?.removeEventListener('abort', this);
      this.listening = signal;
      signal.addEventListener('abort', this, { once: true });
    }
    return new Promise((resolve) => {
      const probe = new IcmpProbe(this, resolve);
      // count 1: the interval is never waited for; the engine's default keeps one batch per timeout and size.
      const request = { destination: this.address, count: 1, size: this.size, intervalMs: PING_DEFAULTS.intervalMs, timeoutMs: this.timeoutMs };
      probe.pending = this.coalescer.add(request, probe);
      this.inFlight.add(probe);
    });
  }

  /** The session's abort. */
  handleEvent(): void {
    const reason = new Error(this.cancelled);
    for (const probe of this.inFlight) probe.pending?.cancel(reason);
  }

  settled(probe: IcmpProbe): void {
    this.inFlight.delete(probe);
  }

  failed(why: string): IcmpProbeRecord {
    return failedRecord(this.address, this.listening?.aborted === true ? this.cancelled : why);
  }

  noOutcome(summary: TargetSummary): IcmpProbeRecord {
    return failedRecord(this.address, summary.error ?? `the engine reported no outcome for the probe to ${this.address}`);
  }
}

/** The sink of one probe. */
class IcmpProbe implements PingSink {
  pending: PendingPing | null = null;
  private done = false;

  constructor(private readonly probes: IcmpProbes, private readonly resolve: (record: IcmpProbeRecord) => void) {}

  onProbe(p: ProbeResult): void {
    if (p.status !== 'ok' && p.status !== 'timeout' && p.status !== 'error') return;
    const record: IcmpProbeRecord = {
      address: p.address, status: p.status, rttNs: p.rttNs, bytes: p.bytes, sentAtNs: p.sentAtNs, receivedAtNs: p.receivedAtNs,
    };
    if (p.errorKind !== undefined) record.errorKind = p.errorKind;
    if (p.from !== undefined) record.from = p.from;
    this.settle(record);
  }

  onSummary(summary: TargetSummary): void {
    if (!this.done) this.settle(this.probes.noOutcome(summary));
  }

  onFailure(error: Error): void {
    if (!this.done) this.settle(this.probes.failed(`the ICMP engine failed: ${error.message}`));
  }

  private settle(record: IcmpProbeRecord): void {
    if (this.done) return;
    this.done = true;
    this.probes.settled(this);
    this.resolve(record);
  }
}
