// A minimal raw-socket pinger inside a simulator's namespace, built straight on the native
// binding (no engine): the simulator's own tests and the throughput tool use it, so that the
// simulator is checked independently of the engine it is meant to check.
import {
  native, readAddress, REPLY, REPLY_FLAG, REQ, writeAddress, type IcmpSocket,
} from '../../native-bindings/index.js';

export interface PingReply {
  from: string;
  type: number;
  code: number;
  /** Echo reply: its seq; ICMP error: the quoted request's seq. */
  seq: number;
  ttl: number;
  isError: boolean;
  checksumOk: boolean;
  /** Kernel receive time minus the send time carried in the payload, ms. */
  rttMs: number;
}

export class SimPinger {
  private readonly socket: IcmpSocket;
  private readonly out = Buffer.alloc(1024 * REPLY.SIZE);
  readonly replies: PingReply[] = [];

  constructor(netns: string, readonly family: 4 | 6, readonly id: number) {
    this.socket = native.openIcmpSocket({ family, mode: 'raw', idBase: id, idCount: 1, netns, recvBufferBytes: 4 << 20 });
    this.socket.startPolling(() => this.drain());
  }

  /** Sends one echo request per entry (seq, optional per-packet TTL). */
  send(address: string, probes: Array<{ seq: number; ttl?: number }>, payloadSize = 56): void {
    const buf = Buffer.alloc(probes.length * REQ.SIZE);
    probes.forEach((p, i) => {
      const o = i * REQ.SIZE;
      writeAddress(buf, o + REQ.ADDR, address);
      buf.writeUInt16LE(this.id, o + REQ.ID);
      buf.writeUInt16LE(p.seq, o + REQ.SEQ);
      buf[o + REQ.TTL] = p.ttl ?? 0;
      buf.writeUInt16LE(payloadSize, o + REQ.PAYLOAD_SIZE);
      buf.writeBigUInt64LE(BigInt(p.seq) + 1n, o + REQ.TOKEN);
    });
    let sent = 0;
    while (sent < probes.length) {
      const n = this.socket.send(sent === 0 ? buf : buf.subarray(sent * REQ.SIZE), probes.length - sent);
      if (n === 0) throw new Error(`SimPinger: the kernel accepted none of ${probes.length - sent} requests`);
      sent += n;
    }
  }

  private drain(): void {
    const out = this.out;
    for (let n = this.socket.receive(out); n > 0; n = this.socket.receive(out)) {
      for (let i = 0; i < n; i++) {
        const o = i * REPLY.SIZE;
        const flags = out[o + REPLY.FLAGS];
        const family = flags & REPLY_FLAG.IPV6 ? 6 : 4;
        this.replies.push({
          from: readAddress(out, o + REPLY.ADDR, family),
          type: out[o + REPLY.TYPE],
          code: out[o + REPLY.CODE],
          seq: out.readUInt16LE(o + REPLY.SEQ),
          ttl: out[o + REPLY.TTL],
          isError: (flags & REPLY_FLAG.IS_ERROR) !== 0,
          checksumOk: (flags & REPLY_FLAG.CHECKSUM_OK) !== 0,
          rttMs: Number(out.readBigUInt64LE(o + REPLY.RECV_TIME_NS) - out.readBigUInt64LE(o + REPLY.PAYLOAD_TIME_NS)) / 1e6,
        });
      }
    }
  }

  /** Waits until `count` replies arrived or `timeoutMs` passed; returns the replies so far. */
  async waitFor(count: number, timeoutMs: number): Promise<PingReply[]> {
    const end = Date.now() + timeoutMs;
    while (this.replies.length < count && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    return this.replies;
  }

  close(): void {
    this.socket.stopPolling();
    this.socket.close();
  }
}
