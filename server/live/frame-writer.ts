// Live-feed frames written as UTF-8 bytes straight into one reused buffer: a frame of 50,000
// targets is ~9.6 MB, and building it as JS strings held the event loop far too long
// (bench/README.md#design-live-frames); here the per-target constant part (ids) is encoded once per
// membership and copied, numbers are written digit by digit, and nothing per target is
// allocated. uWS copies the bytes when publishing, so the buffer is reused for every topic.
import { JsonBytes, TARGET_STATUSES, type LiveMonitorSecond } from '../../engine/index.js';

const enc = (s: string): Buffer => Buffer.from(s, 'utf8');
const RECEIVED = enc(',"received":');
const P50 = enc(',"rttP50Ms":');
const MAX = enc(',"rttMaxMs":');
const STATUS_TAIL = TARGET_STATUSES.map((s) => enc(`,"status":"${s}"}`));
const FRAME_END = enc(']}');

/** Per member k: `,"targetId":"<id>","monitorId":"<id>","sent":` (encoded once per membership). */
interface Statics {
  bytes: Buffer;
  offsets: Uint32Array;
}

export class FrameWriter extends JsonBytes {
  private entries = 0;
  private readonly statics = new WeakMap<readonly string[], Statics>();
  private entryHead: Buffer = Buffer.alloc(0);

  /** Starts a frame: {"type":"frame","topic":…,"t":…,"targets":[ */
  start(topic: string, t: number): void {
    this.pos = 0;
    this.entries = 0;
    this.raw(enc(`{"type":"frame","topic":${JSON.stringify(topic)},"t":${t},"targets":[`));
    this.entryHead = enc(`{"t":${t}`);
  }

  /** Appends member k of a monitor's second. */
  entry(m: LiveMonitorSecond, k: number): void {
    const s = this.staticsOf(m);
    const row = m.rows[k];
    const from = s.offsets[k];
    const to = s.offsets[k + 1];
    this.ensure(this.entryHead.length + (to - from) + 128);
    if (this.entries++ > 0) this.buf[this.pos++] = 0x2c; // ,
    this.put(this.entryHead, 0, this.entryHead.length);
    this.put(s.bytes, from, to);
    this.int(m.sent[row]);
    this.put(RECEIVED, 0, RECEIVED.length);
    this.int(m.received[row]);
    this.put(P50, 0, P50.length);
    this.ms(m.p50Ns[row]);
    this.put(MAX, 0, MAX.length);
    this.ms(m.maxNs[row]);
    const tail = STATUS_TAIL[m.status[row]];
    this.put(tail, 0, tail.length);
  }

  /** Ends the frame; the view is valid until the next start(). */
  end(): Uint8Array {
    this.raw(FRAME_END);
    return this.view();
  }

  private staticsOf(m: LiveMonitorSecond): Statics {
    let s = this.statics.get(m.ids);
    if (s === undefined) {
      const parts = m.ids.map((id) => enc(`,"targetId":${JSON.stringify(id)},"monitorId":${JSON.stringify(m.monitorId)},"sent":`));
      const offsets = new Uint32Array(parts.length + 1);
      for (let k = 0; k < parts.length; k++) offsets[k + 1] = offsets[k] + parts[k].length;
      s = { bytes: Buffer.concat(parts), offsets };
      this.statics.set(m.ids, s);
    }
    return s;
  }
}
