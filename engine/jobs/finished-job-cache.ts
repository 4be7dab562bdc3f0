// The rendered JSON of finished jobs, so that clients polling a finished job
// (GET /v1/jobs/{id}) cost no SQLite read. A finished job never changes; the only thing that
// removes one is the retention purge, which clears this cache. Running jobs are never put
// here (they are read fresh from memory). Bounded by entries and by characters; the oldest
// entry goes first.

export class FinishedJobCache {
  private readonly entries = new Map<string, string>();
  private chars = 0;

  constructor(
    private readonly maxEntries = 4096,
    private readonly maxChars = 16 * 1024 * 1024,
    /** Larger records (a job over thousands of targets) are read fresh each time. */
    private readonly maxEntryChars = 256 * 1024,
  ) {}

  get(id: string): string | undefined {
    return this.entries.get(id);
  }

  set(id: string, json: string): void {
    if (json.length > this.maxEntryChars || this.entries.has(id)) return;
    this.entries.set(id, json);
    this.chars += json.length;
    while (this.entries.size > this.maxEntries || this.chars > this.maxChars) {
      const [oldestId, oldest] = this.entries.entries().next().value as [string, string];
      this.entries.delete(oldestId);
      this.chars -= oldest.length;
    }
  }

  clear(): void {
    this.entries.clear();
    this.chars = 0;
  }

  get size(): number {
    return this.entries.size;
  }
}
