// A diagnostic for bench:throughput: the C reference's loop written in JS over sonde's native
// binding, on the main thread (one raw socket, batched send/receive, a bounded in-flight
// window). It shows what the addon plus a minimal JS loop reach, so a gap between it and the
// engine is the engine's own overhead (workers, scheduling, stats, result transfer).
import { native } from '../../native-bindings/index.js';
import { REPLY_FLAG } from '../../native-bindings/layout.js';
import { ReplyBatch } from '../../engine/icmp/worker/reply-batch.js';
import { RequestBatch } from '../../engine/icmp/worker/request-batch.js';
import type { ToolRun } from './tool-run.js';

const BATCH = 64;
const WINDOW = 4096;
const MAGIC = 0x534f4e44; // token high word: "SOND"

export function runBindingLoop(targets: string[], count: number, size: number, timeoutMs: number): Promise<ToolRun> {
  const total = targets.length * count;
  const idCount = Math.ceil(total / 65536);
  const idBase = 1 + Math.floor(Math.random() * (0xffff - idCount - 1));
  const socket = native.openIcmpSocket({ family: 4, mode: 'raw', idBase, idCount, recvBufferBytes: 16 << 20 });
  const addrWords = new Uint32Array(targets.length * 4);
  const addrBytes = new Uint8Array(addrWords.buffer);
  targets.forEach((t, i) => addrBytes.set(t.split('.').map(Number), i * 16));
  const requests = new RequestBatch(BATCH);
  const replies = new ReplyBatch(256);
  const seen = new Uint8Array(total);
  let next = 0;
  let received = 0;
  let duplicates = 0;
  let abandoned = 0;
  const start = performance.now();
  let lastReply = start;
  let lastProgress = start;

  return new Promise<ToolRun>((resolve, reject) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearInterval(watchdog);
      socket.stopPolling();
      socket.close();
      const elapsedSec = (lastReply - start) / 1000;
      resolve({ sent: next, received, duplicates, elapsedSec, roundTripsPerSec: received / elapsedSec });
    };
    const pump = (): void => {
      try {
        for (;;) {
          while (next < total && next - received - abandoned < WINDOW) {
            while (requests.count < BATCH && next + requests.count < total && next + requests.count - received - abandoned < WINDOW) {
              const probe = next + requests.count;
              const t = probe % targets.length;
              requests.push(probe, addrWords, t * 4, idBase + (probe >>> 16), probe & 0xffff, 0, size, probe, MAGIC);
            }
            const accepted = socket.send(requests.buffer, requests.count);
            next += accepted;
            requests.shift(accepted);
            if (requests.count > 0) break; // the kernel would block: the rest goes next time
          }
          let got = 0;
          let n: number;
          while ((n = socket.receive(replies.buffer)) > 0) {
            got += n;
            for (let i = 0; i < n; i++) {
              if (replies.type(i) !== 0 || (replies.flags(i) & REPLY_FLAG.HAS_TOKEN) === 0 || replies.tokenHi(i) !== MAGIC) continue;
              const probe = replies.tokenLo(i);
              if (probe >= next || replies.id(i) !== idBase + (probe >>> 16)) continue;
              if (seen[probe]) duplicates++;
              else {
                seen[probe] = 1;
                received++;
              }
            }
          }
          if (got > 0) lastReply = lastProgress = performance.now();
          if (received === total) return finish();
          // Wait for the next readable notification when the window is full or all is sent.
          if (got === 0 && (next === total || next - received - abandoned >= WINDOW)) return;
        }
      } catch (err) {
        finished = true;
        clearInterval(watchdog);
        socket.close();
        reject(err as Error);
      }
    };
    const watchdog = setInterval(() => {
      if (performance.now() - lastProgress < timeoutMs) return;
      if (next === total) return finish();
      abandoned = next - received; // replies lost: give up on them and keep sending
      lastProgress = performance.now();
      pump();
    }, Math.min(100, timeoutMs));
    socket.startPolling(pump);
    pump();
  });
}
