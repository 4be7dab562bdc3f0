// Addresses of monitored targets that are DNS names, resolved in the background and kept
// for a while, so a monitor hands the engine IP literals instead of having every name
// looked up again in every round (the engine resolves the names of each job it gets).
// Until a name has resolved it is not probed; while it does not resolve (and has no earlier
// address) the monitor counts each of its probes as failed.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface NameCacheOptions {
  /** How long a resolved address is used before it is looked up again (default 5 min). */
  ttlMs?: number;
  /** How long a failed lookup waits before the next try (default 30 s). */
  retryMs?: number;
  /** Called when an address changed (a monitor then re-spreads its targets). */
  onChange: () => void;
  resolve?: (name: string) => Promise<string>;
}

interface Entry {
  address: string | null;
  expiresAtMs: number;
  pending: boolean;
  /** The last lookup failed. */
  failed: boolean;
}

async function lookupV4First(name: string): Promise<string> {
  const found = await lookup(name, { all: true, verbatim: true });
  const pick = found.find((a) => a.family === 4) ?? found[0];
  if (pick === undefined) throw new Error(`"${name}" has no address`);
  return pick.address;
}

export class NameCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly retryMs: number;
  private readonly resolveName: (name: string) => Promise<string>;

  constructor(private readonly options: NameCacheOptions) {
    this.ttlMs = options.ttlMs ?? 300_000;
    this.retryMs = options.retryMs ?? 30_000;
    this.resolveName = options.resolve ?? lookupV4First;
  }

  /** The address to probe for a target address: literals as they are, names as cached. */
  addressOf(target: string, nowMs = Date.now()): string {
    if (isIP(target) !== 0) return target;
    let entry = this.entries.get(target);
    if (entry === undefined) {
      entry = { address: null, expiresAtMs: 0, pending: false, failed: false };
      this.entries.set(target, entry);
    }
    if (entry.expiresAtMs <= nowMs) this.refresh(target, entry);
    return entry.address ?? target;
  }

  /** True when a name's last lookup failed and it has no earlier address to probe. */
  failed(name: string): boolean {
    const entry = this.entries.get(name);
    return entry !== undefined && entry.failed && entry.address === null;
  }

  /** Names no monitor uses any more are forgotten. */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.entries.keys()) if (!names.has(name)) this.entries.delete(name);
  }

  /** Starts lookups of expired names (called now and then; addressOf refreshes too). */
  refreshExpired(nowMs = Date.now()): void {
    for (const [name, entry] of this.entries) if (entry.expiresAtMs <= nowMs) this.refresh(name, entry);
  }

  private refresh(name: string, entry: Entry): void {
    if (entry.pending) return;
    entry.pending = true;
    this.resolveName(name).then(
      (address) => {
        entry.pending = false;
        entry.failed = false;
        entry.expiresAtMs = Date.now() + this.ttlMs;
        if (address !== entry.address) {
          entry.address = address;
          this.options.onChange();
        }
      },
      () => {
        entry.pending = false;
        entry.expiresAtMs = Date.now() + this.retryMs;
        const wasFailed = entry.failed;
        entry.failed = true;
        // with an earlier address, that one is probed until the name resolves again
        if (entry.address === null && !wasFailed) this.options.onChange();
      },
    );
  }
}
