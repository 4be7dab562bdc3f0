// What the fleet view knows of every target of one monitor: the fleet-index (names, order)
// and, per index, the last status, loss bucket and RTT in typed arrays. Frames write these
// arrays in place; nothing is allocated per target per frame.

export interface FleetTarget {
  id: string;
  name: string;
  address: string;
  kind: string;
  labels: Record<string, string>;
}

export class FleetState {
  version = -1;
  n = 0;
  targets: FleetTarget[] = [];
  /** Lower-cased "name address" per index, for the text filter. */
  haystack: string[] = [];
  kinds: string[] = [];
  status = new Uint8Array(0);
  loss = new Uint8Array(0);
  rtt = new Float32Array(0);
  /** Targets per status (index = status code). */
  readonly counts = new Int32Array(4);
  /** Indices the last frame changed (the first `changedCount`), and whether it was full. */
  changed = new Int32Array(0);
  changedCount = 0;
  /** How many of those changed status (a status filter must then re-filter). */
  statusChanges = 0;
  lastFull = false;
  /** Time of the last frame (ms epoch) and whether any frame came since the index. */
  lastT = 0;
  framed = false;

  /** `raw`: the fleet-index's targets as sent (a target without a name is shown by its address). */
  setIndex(version: number, raw: readonly Partial<FleetTarget>[]): void {
    const targets = raw.map((t): FleetTarget => ({
      id: String(t.id ?? ''),
      address: String(t.address ?? ''),
      name: typeof t.name === 'string' && t.name !== '' ? t.name : String(t.address ?? t.id ?? ''),
      kind: String(t.kind ?? 'HOST'),
      labels: t.labels !== null && typeof t.labels === 'object' ? t.labels : {},
    }));
    this.version = version;
    this.n = targets.length;
    this.targets = targets;
    this.haystack = targets.map((t) => `${t.name}\u0000${t.address}`.toLowerCase());
    this.kinds = [...new Set(targets.map((t) => t.kind))].sort();
    this.status = new Uint8Array(this.n);
    this.loss = new Uint8Array(this.n);
    this.rtt = new Float32Array(this.n).fill(Number.NaN);
    this.changed = new Int32Array(this.n);
    this.changedCount = 0;
    this.counts.fill(0);
    this.counts[0] = this.n;
    this.framed = false;
  }
}
