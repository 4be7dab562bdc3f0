// Ceiling measurements of the native binding in ONE thread (not a test, not the bench):
//   node dist/native-bindings/tools/measure-rates.js [seconds]
// 1. raw ICMP echo round trips/s to 127.0.0.1, batches of 256, up to 1,024 in flight;
// 2. packets/s through a TUN device: echo requests to 198.18.0.0/15 in a namespace this
//    script creates (and removes) are read from the TUN and answered by writing replies back.
// Needs root (raw sockets, netns, TUN).
import { execFileSync } from 'node:child_process';
import { native, REPLY, REQ, TUN_FRAME_HEADER, writeAddress, type IcmpSocket } from '../index.js';

const BATCH = 256;
const WINDOW = 1024;
const seconds = Number(process.argv[2] ?? 3);

interface Rate {
  roundTrips: number;
  perSecond: number;
  sendCalls: number;
  kernelDrops: number;
}

function requests(addresses: string[], idBase: number): Buffer {
  const buf = Buffer.alloc(BATCH * REQ.SIZE);
  for (let i = 0; i < BATCH; i++) {
    const o = i * REQ.SIZE;
    writeAddress(buf, o + REQ.ADDR, addresses[i % addresses.length]);
    buf.writeUInt16LE(idBase, o + REQ.ID);
    buf.writeUInt16LE(56, o + REQ.PAYLOAD_SIZE);
  }
  return buf;
}

/** Keeps up to WINDOW echo requests in flight on `s` for `seconds`; counts replies. */
function pump(s: IcmpSocket, batch: Buffer): Promise<Rate> {
  const out = Buffer.alloc(BATCH * 4 * REPLY.SIZE);
  let inFlight = 0;
  let received = 0;
  let sendCalls = 0;
  let seq = 0;
  const fill = (): void => {
    while (inFlight + BATCH <= WINDOW) {
      for (let i = 0; i < BATCH; i++) batch.writeUInt16LE(seq++ & 0xffff, i * REQ.SIZE + REQ.SEQ);
      const n = s.send(batch, BATCH);
      sendCalls++;
      inFlight += n;
      if (n < BATCH) break;
    }
  };
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    s.startPolling(() => {
      for (let n = s.receive(out); n > 0; n = s.receive(out)) {
        received += n;
        inFlight -= n;
      }
      fill();
    });
    fill();
    // Replies lost in a full receive buffer would starve the window: top it up now and then.
    const refill = setInterval(() => {
      inFlight = Math.min(inFlight, WINDOW - BATCH);
      fill();
    }, 100);
    setTimeout(() => {
      clearInterval(refill);
      s.stopPolling();
      const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      resolve({ roundTrips: received, perSecond: Math.round(received / elapsed), sendCalls, kernelDrops: s.stats().kernelDrops });
    }, seconds * 1000);
  });
}

async function loopback(): Promise<Rate> {
  const s = native.openIcmpSocket({ family: 4, mode: 'raw', idBase: 45001, recvBufferBytes: 8 << 20 });
  try {
    return await pump(s, requests(['127.0.0.1'], 45001));
  } finally {
    s.close();
  }
}

async function throughTun(): Promise<Rate & { tunPacketsPerSecond: number }> {
  const ns = `sonde-m-${process.pid}`;
  const nsPath = `/run/netns/${ns}`;
  const ip = (...args: string[]): void => void execFileSync('ip', args);
  ip('netns', 'add', ns);
  try {
    const tun = native.openTun('sondemeasure0', { netns: nsPath });
    ip('-n', ns, 'link', 'set', 'sondemeasure0', 'up');
    ip('-n', ns, 'addr', 'add', '198.19.255.254/32', 'dev', 'sondemeasure0');
    ip('-n', ns, 'route', 'add', '198.18.0.0/15', 'dev', 'sondemeasure0', 'src', '198.19.255.254');
    const s = native.openIcmpSocket({ family: 4, mode: 'raw', idBase: 45002, recvBufferBytes: 8 << 20, netns: nsPath });
    // The responder: turn each IPv4 echo request read from the TUN into its reply in place
    // (swap addresses, type 8 -> 0, adjust the ICMP checksum) and write the batch back.
    const frames = Buffer.alloc(1 << 20);
    tun.startPolling(() => {
      for (let n = tun.read(frames); n > 0; n = tun.read(frames)) {
        let off = 0;
        for (let i = 0; i < n; i++) {
          const len = frames.readUInt32LE(off);
          const p = off + TUN_FRAME_HEADER;
          const ihl = (frames[p] & 0x0f) * 4;
          if (frames[p] >> 4 === 4 && frames[p + 9] === 1 && frames[p + ihl] === 8) {
            const src = frames.readUInt32BE(p + 12);
            frames.writeUInt32BE(frames.readUInt32BE(p + 16), p + 12);
            frames.writeUInt32BE(src, p + 16);
            frames[p + ihl] = 0;
            let sum = frames.readUInt16BE(p + ihl + 2) + 0x0800;
            sum = (sum & 0xffff) + (sum >>> 16);
            frames.writeUInt16BE(sum, p + ihl + 2);
          } else {
            frames[p] = 0; // not ours (e.g. IPv6 noise): the kernel refuses it on write
          }
          off += TUN_FRAME_HEADER + ((len + 3) & ~3);
        }
        tun.write(frames, n);
      }
    });
    const addresses = Array.from({ length: 64 }, (_, i) => `198.18.0.${i + 1}`);
    try {
      const rate = await pump(s, requests(addresses, 45002));
      const stats = tun.stats();
      return { ...rate, tunPacketsPerSecond: Math.round((stats.packetsRead + stats.packetsWritten) / seconds) };
    } finally {
      tun.close();
      s.close();
    }
  } finally {
    ip('netns', 'del', ns);
  }
}

const lo = await loopback();
console.log(`loopback raw echo, 1 thread, batches of ${BATCH}: ${lo.perSecond} round trips/s (${lo.roundTrips} in ${seconds}s, ${lo.sendCalls} sendmmsg calls, kernel drops ${lo.kernelDrops})`);
const tun = await throughTun();
console.log(`through TUN, 1 thread (socket + responder): ${tun.perSecond} round trips/s, ${tun.tunPacketsPerSecond} TUN packets/s read+written (kernel drops ${tun.kernelDrops})`);
