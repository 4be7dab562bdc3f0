// Line output with one write per event-loop turn, quiet on a closed pipe (e.g. `| head`).
import { onClosedPipe } from './closed-pipe.js';

export class LineOutput {
  private pending: string[] = [];
  private scheduled = false;
  private closed = false;

  constructor(private readonly stream: NodeJS.WriteStream) {
    onClosedPipe(stream, () => { this.closed = true; });
  }

  write(line: string): void {
    if (this.closed) return;
    this.pending.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes what is pending now (e.g. before a line on the other stream, to keep order). */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0 || this.closed) return;
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    this.stream.write(text);
  }

  async end(): Promise<void> {
    this.flush();
    if (this.closed) return;
    await new Promise<void>((resolve) => this.stream.write('', () => resolve()));
  }
}
