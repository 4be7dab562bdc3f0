// A monitor summary's target entries written as UTF-8 JSON bytes straight from the live
// state's typed arrays: no object and no string per target, so a snapshot of 50,000 targets
// (10 MB, once a second) leaves no garbage behind: built as objects and JSON.stringify-ed,
// the young-generation collections they caused were the summary's p99
// (bench/README.md#design-summary-bytes).
// Times are written with µs precision (up to 3 decimals of ms), loss to 0.001 %, without
// trailing zeros ("lossPercent":0, not 0.000: ~5 bytes less per target).
import type { LossSums } from './live-state.js';
import type { LiveState } from './live-state.js';
import { JsonBytes } from './json-bytes.js';
import { TARGET_STATUSES } from './types.js';

const enc = (s: string): Buffer => Buffer.from(s, 'utf8');
const STATUS = TARGET_STATUSES.map((s) => enc(`"${s}","lastRttMs":`));
const PROBE_AT = enc(',"lastProbeAtMs":');
const FAIL_STREAK = enc(',"failStreak":');
const SENT = enc(',"sent":');
const RECEIVED = enc(',"received":');
const LOSS = enc(',"lossPercent":');

export class SummaryWriter extends JsonBytes {
  /** Per member k: `{"targetId":…,"address":…,"status":` (encoded once per membership). */
  private heads: Buffer = Buffer.alloc(0);
  private offsets = new Uint32Array(1);
  private headsOf: readonly string[] | null = null;

  /** Appends member k (comma first unless it is the first entry written). */
  entry(live: LiveState, sums: LossSums, ids: readonly string[], addresses: readonly string[], rows: readonly number[], k: number, first: boolean): void {
    if (this.headsOf !== ids) this.encodeHeads(ids, addresses);
    const row = rows[k];
    const from = this.offsets[k];
    const to = this.offsets[k + 1];
    this.ensure(to - from + 160);
    if (!first) this.buf[this.pos++] = 0x2c; // ,
    this.put(this.heads, from, to);
    this.put(STATUS[live.status[row]]);
    this.ms(live.lastRttNs[row]);
    this.put(PROBE_AT);
    const at = live.lastAtMs[row];
    if (at === at) this.int(Math.round(at));
    else this.null();
    this.put(FAIL_STREAK);
    this.int(live.failStreak[row]);
    const sent = sums.sent[row];
    const received = sums.received[row];
    this.put(SENT);
    this.int(sent);
    this.put(RECEIVED);
    this.int(received);
    this.put(LOSS);
    if (sent === 0) this.null();
    else this.thousandths(Math.max(0, Math.round((100_000 * (sent - received)) / sent)));
    this.buf[this.pos++] = 0x7d; // }
  }

  private encodeHeads(ids: readonly string[], addresses: readonly string[]): void {
    const parts = ids.map((id, k) => enc(`{"targetId":${JSON.stringify(id)},"address":${JSON.stringify(addresses[k])},"status":`));
    const offsets = new Uint32Array(parts.length + 1);
    for (let k = 0; k < parts.length; k++) offsets[k + 1] = offsets[k] + parts[k].length;
    this.heads = Buffer.concat(parts);
    this.offsets = offsets;
    this.headsOf = ids;
  }
}
