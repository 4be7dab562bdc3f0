// Measures how many echo requests per second the simulator answers (each is one TUN read and
// one TUN write), with a raw socket keeping a window of requests in flight to N simulated
// hosts inside the simulator's namespace. Sender and simulator share this process (the
// simulator in its worker thread), so on a small machine the figure is a lower bound.
//
//   npm run build && node dist/bench/netsim.js [--seconds 5] [--hosts 1000]
//       [--window 2048] [--family 4|6] [--size 56] [--latency 0] [--json]
// --latency (ms) gives every host that delay, so replies go through the delay heap and timer.
import { parseArgs } from 'node:util';
import { native, REPLY, REQ, writeAddress } from '../native-bindings/index.js';
import { nthAddress, startNetsim } from '../netsim/index.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    hosts: { type: 'string', default: '1000' },
    window: { type: 'string', default: '2048' },
    family: { type: 'string', default: '4' },
    size: { type: 'string', default: '56' },
    latency: { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const hostCount = Number(values.hosts);
const window = Number(values.window);
const family = values.family === '6' ? 6 : 4;
const size = Number(values.size);
const latency = Number(values.latency);
for (const [name, v, min, max] of [['seconds', seconds, 1, 600], ['hosts', hostCount, 1, 65536], ['window', window, 1, 65536], ['size', size, 16, 1400], ['latency', latency, 0, 10_000]] as const) {
  if (!Number.isInteger(v) || v < min || v > max) {
    console.error(`measure-throughput: --${name} must be an integer ${min}..${max}`);
    process.exit(2);
  }
}

const sim = await startNetsim({ seed: 1, recordLimit: 0, defaultProfile: { latency } });
const id = 30000 + (process.pid % 20000);
const socket = native.openIcmpSocket({ family, mode: 'raw', idBase: id, idCount: 1, netns: sim.netns, recvBufferBytes: 16 << 20 });

// One request record per host, reused: only the seq changes between sends.
const requests = Buffer.alloc(hostCount * REQ.SIZE);
for (let i = 0; i < hostCount; i++) {
  const o = i * REQ.SIZE;
  writeAddress(requests, o + REQ.ADDR, nthAddress(family === 4 ? '198.18.0.0/15' : '2001:db8::/32', i + 1));
  requests.writeUInt16LE(id, o + REQ.ID);
  requests.writeUInt16LE(size, o + REQ.PAYLOAD_SIZE);
}
const replies = Buffer.alloc(4096 * REPLY.SIZE);
let next = 0;
let seq = 0;
let sent = 0;
let received = 0;
let inFlight = 0;
let lastProgress = performance.now();

function fill(): void {
  while (inFlight < window) {
    const k = Math.min(window - inFlight, hostCount - next, 256);
    for (let i = 0; i < k; i++) requests.writeUInt16LE(seq++ & 0xffff, (next + i) * REQ.SIZE + REQ.SEQ);
    const n = socket.send(requests.subarray(next * REQ.SIZE), k);
    sent += n;
    inFlight += n;
    next = (next + n) % hostCount;
    if (n < k) break;
  }
}

socket.startPolling(() => {
  for (let n = socket.receive(replies); n > 0; n = socket.receive(replies)) {
    received += n;
    inFlight -= n;
  }
  lastProgress = performance.now();
  fill();
});
// Requests lost in a full queue would shrink the window for good: restart it after a stall.
const stallTimer = setInterval(() => {
  if (performance.now() - lastProgress > 200) {
    inFlight = 0;
    fill();
  }
}, 100);

fill();
await new Promise((r) => setTimeout(r, 500)); // warm-up
const s0 = await sim.stats();
const r0 = received;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
await new Promise((r) => setTimeout(r, seconds * 1000));
const s1 = await sim.stats();
const elapsed = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
clearInterval(stallTimer);
socket.stopPolling();
socket.close();
const final = await sim.stats();
await sim.stop();

const result = {
  family,
  hosts: hostCount,
  window,
  payloadBytes: size,
  latencyMs: latency,
  seconds: Number(elapsed.toFixed(2)),
  requestsPerSecond: Math.round((s1.frames.read - s0.frames.read) / elapsed),
  repliesWrittenPerSecond: Math.round((s1.frames.written - s0.frames.written) / elapsed),
  roundTripsPerSecond: Math.round((received - r0) / elapsed),
  processCpuPercent: Math.round(((cpu.user + cpu.system) / 1e6 / elapsed) * 100),
  /** Requests per second of CPU used by the whole process (simulator and sender together):
   *  what the loop carries per core, whatever share of the machine it got. */
  requestsPerCpuSecond: Math.round((s1.frames.read - s0.frames.read) / ((cpu.user + cpu.system) / 1e6)),
  sent,
  received,
  simReceived: final.totals.received,
  simWriteErrors: final.frames.writeErrors,
};
if (values.json) {
  console.log(JSON.stringify(result));
} else {
  console.log(`netsim throughput, IPv${family}, ${hostCount} hosts, window ${window}, ${size}-byte payloads, latency ${latency} ms, ${result.seconds} s:`);
  console.log(`  requests read:   ${result.requestsPerSecond.toLocaleString('en')} packets/s`);
  console.log(`  replies written: ${result.repliesWrittenPerSecond.toLocaleString('en')} packets/s`);
  console.log(`  round trips seen by the sender: ${result.roundTripsPerSecond.toLocaleString('en')}/s (process CPU ${result.processCpuPercent}% of one core)`);
  console.log(`  per CPU-second of the whole process (simulator + sender): ${result.requestsPerCpuSecond.toLocaleString('en')} requests`);
  console.log(`  sent ${sent}, received ${received}, simulator received ${result.simReceived}, TUN write errors ${result.simWriteErrors}`);
}
