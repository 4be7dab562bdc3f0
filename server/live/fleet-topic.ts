// One fleet:<monitorId> topic of /v1/live: the monitor's targets in index order (the
// fleet-index message), what its subscribers hold (FleetState), and the clients that joined
// since the last second. Once a second the topic builds ONE frame and publishes it to all
// subscribers; a joining client first gets the index at once, then at the next second a full
// frame of its own before it is subscribed, so every client's first frame after an index is
// full while the others keep getting only what changed.
import type { LiveMonitorSecond, TargetRepo } from '../../engine/index.js';
import { FleetState } from './fleet-frame.js';

/** What the topic needs of a client socket (a uWS WebSocket). */
export interface FleetClient {
  send(message: string | Uint8Array, isBinary?: boolean): number;
  subscribe(topic: string): boolean;
}

export type Publish = (topic: string, message: string | Uint8Array, binary: boolean) => void;

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Each member's index entry as JSON text, from one pass over the HOST targets (members are
 *  HOST targets), written by SQLite. */
function indexEntries(repo: TargetRepo, ids: readonly string[]): string[] {
  const position = new Map<string, number>();
  for (let k = 0; k < ids.length; k++) position.set(ids[k], k);
  const entries = new Array<string>(ids.length);
  repo.forEachHostJson((id, json) => {
    const k = position.get(id);
    if (k !== undefined) entries[k] = json;
  });
  // a member deleted since its monitor's last reconcile: listed with what is known
  for (let k = 0; k < ids.length; k++) entries[k] ??= `{"id":${JSON.stringify(ids[k])},"name":null,"address":"","kind":"HOST","labels":{}}`;
  return entries;
}

export class FleetTopic<C extends FleetClient> {
  version = 0;
  private ids: readonly string[] = [];
  private indexMessage = '';
  private readonly state = new FleetState();
  private readonly joining = new Set<C>();
  /** Nobody holds the current state (a new index, or a second without anyone): next frame full. */
  private full = true;

  constructor(readonly name: string, readonly monitorId: string, private readonly targets: TargetRepo, ids: readonly string[]) {
    this.setIndex(ids);
  }

  get size(): number {
    return this.ids.length;
  }

  /** A client subscribed: it gets the index now and a full frame at the next second. */
  join(ws: C): void {
    ws.send(this.indexMessage, false);
    this.joining.add(ws);
  }

  forget(ws: C): void {
    this.joining.delete(ws);
  }

  /** The monitor's second: a new index when its members changed, then this second's frame. */
  second(m: LiveMonitorSecond, t: number, subscribed: boolean, publish: Publish): void {
    if (m.ids !== this.ids) {
      if (!sameIds(m.ids, this.ids)) {
        this.setIndex(m.ids);
        if (subscribed) publish(this.name, this.indexMessage, false);
        for (const ws of this.joining) ws.send(this.indexMessage, false);
      }
      this.ids = m.ids; // the runner's array: compared by identity from now on
    }
    if (!subscribed && this.joining.size === 0) {
      this.full = true;
      return;
    }
    const full = this.full;
    this.full = false;
    const frame = this.state.update(m, this.version, t, full);
    if (subscribed) publish(this.name, frame, true);
    if (this.joining.size === 0) return;
    const first = full ? frame : this.state.fullFrame(this.version, t);
    for (const ws of this.joining) {
      ws.send(first, true);
      ws.subscribe(this.name);
    }
    this.joining.clear();
  }

  private setIndex(ids: readonly string[]): void {
    this.version++;
    this.ids = ids;
    this.full = true;
    this.state.reset(ids.length);
    const head = JSON.stringify({ type: 'fleet-index', topic: this.name, monitorId: this.monitorId, version: this.version });
    this.indexMessage = `${head.slice(0, -1)},"targets":[${indexEntries(this.targets, ids).join(',')}]}`;
  }
}
