// The worker loop's grace period after a job's last probe concluded: a duplicate of the last
// reply, or a reply to the last probe just after its timeout, is still counted in the job.
// Loopback cannot produce either on demand, so the Prober runs here over a scripted socket
// that answers each request as a network would (the network simulator proves the same end
// to end in test/netsim/engine-accounting.test.ts). Pure worker-loop logic: no kernel.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { IcmpSocket, IcmpSocketStats } from '../../native-bindings/types.js';
import { ICMP4, REPLY, REPLY_FLAG, REQ } from '../../native-bindings/layout.js';
import { parseIpLiteral } from '../../engine/icmp/shared/address.js';
import { Prober } from '../../engine/icmp/worker/prober.js';
import { ProbeEventReader, type ProbeEventsMessage } from '../../engine/icmp/shared/probe-events.js';
import { ReplyBatch, writeReplyRecord } from '../../engine/icmp/worker/reply-batch.js';
import type { PingTask } from '../../engine/icmp/shared/task.js';
import { JOB_GRACE_MS } from '../../engine/icmp/worker/worker-job.js';
import { decodeTargetSummary } from '../../engine/stats/summary-codec.js';

const ID_BASE = 5000;
const nowNs = (): bigint => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));

/** What the scripted network does with the probe of ordinal n (0-based, in send order). */
interface Script {
  /** Reply delays in ms after the send, one per copy; [] = no answer. */
  replies(ordinal: number): number[];
}

interface Pending {
  dueMs: number;
  record: Buffer;
}

/** An IcmpSocket whose "network" answers requests after scripted delays (kernel-like records). */
function scriptedSocket(script: Script): IcmpSocket {
  const pending: Pending[] = [];
  const one = new ReplyBatch(1);
  let onReadable: (() => void) | null = null;
  let ordinal = 0;
  const stats: IcmpSocketStats = { received: 0, malformed: 0, kernelDrops: 0, sent: 0, sendErrors: 0, kernelSendStamps: 0 };
  const socket: Partial<IcmpSocket> = {
    mode: 'raw',
    family: 4,
    localId: -1,
    send(requests, count) {
      for (let i = 0; i < count; i++) {
        const base = i * REQ.SIZE;
        const sent = nowNs();
        requests.writeBigUInt64LE(sent, base + REQ.SEND_TIME_NS);
        requests.writeInt32LE(0, base + REQ.ERROR);
        const sentMs = performance.now();
        for (const delayMs of script.replies(ordinal)) {
          writeReplyRecord(one, 0, {
            addr: requests.subarray(base + REQ.ADDR, base + REQ.ADDR + 16), type: ICMP4.ECHO_REPLY,
            id: requests.readUInt16LE(base + REQ.ID), seq: requests.readUInt16LE(base + REQ.SEQ),
            flags: REPLY_FLAG.CHECKSUM_OK | REPLY_FLAG.HAS_TOKEN,
            tokenLo: requests.readUInt32LE(base + REQ.TOKEN), tokenHi: requests.readUInt32LE(base + REQ.TOKEN + 4),
            recvTimeNs: sent + BigInt(Math.round(delayMs * 1e6)), payloadLen: 56,
          });
          pending.push({ dueMs: sentMs + delayMs, record: Buffer.from(one.buffer) });
          setTimeout(() => onReadable?.(), delayMs);
        }
        ordinal++;
      }
      stats.sent += count;
      return count;
    },
    receive(out) {
      const now = performance.now();
      pending.sort((a, b) => a.dueMs - b.dueMs);
      let n = 0;
      while (pending.length > 0 && pending[0].dueMs <= now && (n + 1) * REPLY.SIZE <= out.length) {
        pending.shift()!.record.copy(out, n * REPLY.SIZE);
        n++;
      }
      stats.received += n;
      return n;
    },
    startPolling(cb) {
      onReadable = cb;
    },
    stopPolling() {
      onReadable = null;
    },
    stats: () => ({ ...stats }),
    setTos() {},
    close() {},
  };
  return socket as IcmpSocket;
}

const ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports.splice(0)) p.close();
});

async function runScripted(script: Script, job: { count: number; intervalMs: number; timeoutMs: number }) {
  const prober = new Prober({
    idBase: ID_BASE, idCount: 1, counters: new Float64Array(16), openSocket: () => scriptedSocket(script),
  });
  const target = parseIpLiteral('127.0.0.2')!;
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  const statuses: string[] = [];
  const reader = new ProbeEventReader(['127.0.0.2'], ['127.0.0.2']);
  port1.on('message', (m: ProbeEventsMessage | { type: 'done' }) => {
    if (m.type === 'probes') reader.forEach(m, (p) => statuses.push(`${p.seq}:${p.status}`));
  });
  const task: PingTask = {
    addresses: target.bytes.slice(), families: Uint8Array.of(4), targetIndices: Uint32Array.of(0),
    count: job.count, intervalMs: job.intervalMs, sendIntervalMs: 0, timeoutMs: job.timeoutMs, size: 56, ttl: 0, tos: -1, dontFragment: false,
    port: port2, streamProbes: true,
  };
  const result = await prober.run(task);
  await new Promise((r) => setTimeout(r, 20)); // the port's last batch
  return { summary: decodeTargetSummary(result.summaries, 0, '127.0.0.2', '127.0.0.2'), statuses };
}

describe(`Prober grace period (JOB_GRACE_MS = ${JOB_GRACE_MS} ms)`, () => {
  it('counts a duplicate of the last reply that comes after the reply itself', async () => {
    const count = 3;
    // Every reply after 1 ms, and a copy 2 ms later: the last copy arrives after the job's
    // last probe concluded, inside the grace period.
    const { summary, statuses } = await runScripted({ replies: () => [1, 3] }, { count, intervalMs: 10, timeoutMs: 1000 });
    expect(summary).toMatchObject({ sent: count, received: count, duplicates: count, late: 0, lossPercent: 0 });
    expect(statuses.filter((s) => s === `${count - 1}:duplicate`)).toHaveLength(1);
  });

  it('counts a reply to the last probe that comes just after its timeout as late', async () => {
    const count = 2;
    const timeoutMs = 30;
    // The last probe is answered JOB_GRACE_MS - 1 ms after its timeout (the others in time):
    // the worker times it out no earlier than its deadline, so the reply falls inside the
    // grace period that starts then, however late the worker's turns run.
    const { summary, statuses } = await runScripted(
      { replies: (n) => (n === count - 1 ? [timeoutMs + JOB_GRACE_MS - 1] : [1]) }, { count, intervalMs: 5, timeoutMs },
    );
    expect(summary).toMatchObject({ sent: count, received: count - 1, late: 1, duplicates: 0, lossPercent: 50 });
    expect(statuses).toContain(`${count - 1}:timeout`);
    expect(statuses).toContain(`${count - 1}:late`);
  });
});
