// Which targets the grid shows and in what order: the filters and the sort of the query
// string applied to a FleetState. The result is two typed arrays (order: cell → index,
// cellOf: index → cell or -1), rebuilt when the filter, the sort or the index changes, and
// for loss/RTT sorts at most every few seconds as the data moves.
import type { FleetState } from './fleet-state.js';

export type SortBy = 'name' | 'loss' | 'rtt';

export interface FleetFilter {
  /** Lower-cased substring of name or address; '' = any. */
  text: string;
  /** key:value pairs every shown target's labels must match (value equal, or a dotted prefix: site:eu matches eu.paris). */
  labels: readonly (readonly [string, string])[];
  kind: string;
  /** Bit s set: status s shown; 0 = every status. */
  statusMask: number;
  sort: SortBy;
}

export function parseLabelSelector(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const part of text.split(/[,\s]+/)) {
    if (part === '') continue;
    const colon = part.search(/[:=]/);
    if (colon <= 0) out.push([part, '']);
    else out.push([part.slice(0, colon), part.slice(colon + 1)]);
  }
  return out;
}

function labelsMatch(labels: Record<string, string>, selector: FleetFilter['labels']): boolean {
  for (const [k, v] of selector) {
    const have = labels[k];
    if (have === undefined) return false;
    if (v !== '' && have !== v && !have.startsWith(`${v}.`)) return false;
  }
  return true;
}

export class FleetOrder {
  order = new Int32Array(0);
  length = 0;
  cellOf = new Int32Array(0);
  private keys = new Float64Array(0);
  /** Indices by name, computed once per index version. */
  private byName = new Int32Array(0);
  private byNameVersion = -1;
  /** The part of the filter that does not depend on live data, cached per index. */
  private staticPass = new Uint8Array(0);
  private staticKey = '';

  rebuild(state: FleetState, filter: FleetFilter): void {
    const n = state.n;
    if (this.cellOf.length !== n) {
      this.order = new Int32Array(n);
      this.cellOf = new Int32Array(n);
      this.keys = new Float64Array(n);
      this.staticPass = new Uint8Array(n);
      this.staticKey = '';
    }
    const key = `${state.version}\u0000${filter.text}\u0000${filter.kind}\u0000${JSON.stringify(filter.labels)}`;
    if (key !== this.staticKey) {
      for (let i = 0; i < n; i++) {
        const t = state.targets[i]!;
        this.staticPass[i] = (filter.text === '' || state.haystack[i]!.includes(filter.text))
          && (filter.kind === '' || t.kind === filter.kind)
          && (filter.labels.length === 0 || labelsMatch(t.labels, filter.labels)) ? 1 : 0;
      }
      this.staticKey = key;
    }
    const mask = filter.statusMask;
    const pass = this.staticPass;
    const status = state.status;
    let len = 0;
    if (filter.sort === 'name') {
      if (this.byNameVersion !== state.version) this.sortByName(state);
      const byName = this.byName;
      for (let k = 0; k < n; k++) {
        const i = byName[k]!;
        if (pass[i] === 1 && (mask === 0 || (mask & (1 << status[i]!)) !== 0)) this.order[len++] = i;
      }
    } else {
      // One numeric sort of (sort key · 2^20 + index) in a Float64Array: no comparator calls.
      const keys = this.keys;
      const { loss, rtt } = state;
      for (let i = 0; i < n; i++) {
        if (pass[i] !== 1 || (mask !== 0 && (mask & (1 << status[i]!)) === 0)) continue;
        const r = rtt[i]!;
        // Larger is worse; no answer is worst. Keys are ascending, so store 'best' as large.
        const rttRank = r !== r ? 0 : 0x3ffffff - Math.min(0x3ffffff, Math.round(r * 100));
        const sev = status[i] === 3 ? 0 : status[i] === 2 ? 1 : status[i] === 0 ? 2 : 3;
        const primary = filter.sort === 'loss' ? ((7 - loss[i]!) * 4 + sev) * 0x4000000 + rttRank : rttRank;
        keys[len++] = primary * 0x100000 + i;
      }
      const sorted = keys.subarray(0, len).sort();
      for (let k = 0; k < len; k++) this.order[k] = sorted[k]! % 0x100000;
    }
    this.length = len;
    this.cellOf.fill(-1);
    for (let k = 0; k < len; k++) this.cellOf[this.order[k]!] = k;
  }

  private sortByName(state: FleetState): void {
    // Natural order (host-2 before host-10, case-insensitive) through the native string sort
    // of keys (digit runs zero-padded, the index appended): no comparator call per pair.
    const n = state.n;
    const t = state.targets;
    const pad = (d: string) => d.padStart(12, '0');
    const keys = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      keys[i] = `${t[i]!.name.toLowerCase().replace(/\d+/g, pad)}\u0000${t[i]!.address.replace(/\d+/g, pad)}\u0000${String(i).padStart(7, '0')}`;
    }
    keys.sort();
    const byName = new Int32Array(n);
    for (let k = 0; k < n; k++) byName[k] = Number(keys[k]!.slice(-7));
    this.byName = byName;
    this.byNameVersion = state.version;
  }
}
