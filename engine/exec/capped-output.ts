// Collects a child's output stream up to a byte limit; what comes after is read and dropped
// (the child must not block on a full pipe) and marks the output truncated.

import { StringDecoder } from 'node:string_decoder';

export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    const room = this.maxBytes - this.size;
    if (chunk.length <= room) {
      this.chunks.push(chunk);
      this.size += chunk.length;
      return;
    }
    if (room > 0) {
      this.chunks.push(chunk.subarray(0, room));
      this.size = this.maxBytes;
    }
    this.truncated = true;
  }

  /** UTF-8 text; a multi-byte character cut at the limit is left out rather than mangled. */
  text(): string {
    const decoder = new StringDecoder('utf8');
    const text = decoder.write(Buffer.concat(this.chunks, this.size));
    return this.truncated ? text : text + decoder.end();
  }
}
