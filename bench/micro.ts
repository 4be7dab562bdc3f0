// npm run bench:micro — tinybench micro-benchmarks of the per-probe hot paths, each next to a
// straightforward reference implementation measured in the same run:
//   encode   engine/icmp RequestBatch.push            vs Buffer.write* per field
//   decode   engine/icmp ReplyBatch typed reads       vs Buffer.read* into an object per reply
//   match    InFlightTable slot lookup + validation   vs a Map keyed by id/seq
//   record   engine/stats TargetStatsTable.recordRtt (counters + HDR histogram; flat 32-bit
//            buckets for small jobs, 'packed' for large) vs the same HDR settings in WebAssembly
//   timeout  engine/icmp TimingWheel insert + remove     vs setTimeout + clearTimeout per probe
// The last column puts each cost against the time one probe may take at the C reference's rate.
// Every task handles a batch of BATCH items per call; figures are items per second.
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import * as hdr from 'hdr-histogram-js';
import { Bench } from 'tinybench';
import { REPLY, REPLY_FLAG, REQ } from '../native-bindings/layout.js';
import { InFlightTable, SLOTS_PER_ID, SlotState } from '../engine/icmp/inflight-table.js';
import { ReplyBatch, writeReplyRecord } from '../engine/icmp/reply-batch.js';
import { RequestBatch } from '../engine/icmp/request-batch.js';
import { TimingWheel } from '../engine/icmp/timing-wheel.js';
import { TargetStatsTable } from '../engine/stats/target-stats.js';
import { FLAT_HISTOGRAM_TARGET_LIMIT } from '../engine/stats/rtt-histogram.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { latestResult, saveResult } from './lib/results.js';
import { fmtInt, fmtRatio, ratio } from './lib/stats.js';
import { loopbackTargets } from './lib/targets.js';

const { values: flags } = parseArgs({
  options: {
    time: { type: 'string', default: '500' },
    'no-save': { type: 'boolean', default: false },
  },
});
const timeMs = Number(flags.time);
const BATCH = 1024;
const TARGETS = 10_000;
const ID_BASE = 0x4000;

// ---- shared fixtures -------------------------------------------------------------------
const addrWords = new Uint32Array(TARGETS * 4);
for (const [i, a] of loopbackTargets(TARGETS).entries()) {
  const [w, x, y, z] = a.split('.').map(Number);
  new Uint8Array(addrWords.buffer).set([w, x, y, z], i * 16);
}

// Request encode
const requests = new RequestBatch(BATCH);
const naiveRequests = Buffer.alloc(BATCH * REQ.SIZE);
const addrBytes = Buffer.from(addrWords.buffer);
let encodeCursor = 0;

function encodeEngine(): void {
  requests.count = 0;
  for (let i = 0; i < BATCH; i++) {
    const t = encodeCursor++ % TARGETS;
    requests.push(i, addrWords, t * 4, ID_BASE, i, 0, 56, i * 2654435761, t);
  }
}

function encodeNaive(): void {
  for (let i = 0; i < BATCH; i++) {
    const t = encodeCursor++ % TARGETS;
    const o = i * REQ.SIZE;
    addrBytes.copy(naiveRequests, o + REQ.ADDR, t * 16, t * 16 + 16);
    naiveRequests.writeUInt16LE(ID_BASE, o + REQ.ID);
    naiveRequests.writeUInt16LE(i, o + REQ.SEQ);
    naiveRequests.writeUInt8(0, o + REQ.TTL);
    naiveRequests.writeUInt16LE(56, o + REQ.PAYLOAD_SIZE);
    naiveRequests.writeBigUInt64LE(BigInt(i) * 2654435761n, o + REQ.TOKEN);
    naiveRequests.writeBigUInt64LE(0n, o + REQ.SEND_TIME_NS);
    naiveRequests.writeInt32LE(0, o + REQ.ERROR);
  }
}

// Reply decode: a batch of echo replies for slots 0..BATCH-1 of the in-flight table below.
const replies = new ReplyBatch(BATCH);
const table = new InFlightTable({ idCount: 4, initialCapacity: 1 << 17 });
const slotAddrWord = new Int32Array(table.capacity);
const naiveInflight = new Map<number, { target: number; tokenLo: number; tokenHi: number; state: number }>();
const baseNs = 1_700_000_000_000_000_000n;
for (let i = 0; i < BATCH; i++) {
  const slot = table.allocate(0);
  const t = (i * 7) % TARGETS;
  table.state[slot] = SlotState.IN_FLIGHT;
  table.target[slot] = t;
  table.tokenLo[slot] = (i * 2654435761) >>> 0;
  table.tokenHi[slot] = i;
  slotAddrWord[slot] = t * 4;
  naiveInflight.set(((ID_BASE + Math.floor(slot / SLOTS_PER_ID)) << 16) | (slot & 0xffff), { target: t, tokenLo: table.tokenLo[slot], tokenHi: i, state: SlotState.IN_FLIGHT });
  writeReplyRecord(replies, i, {
    addr: new Uint8Array(addrWords.buffer, t * 16, 16),
    type: 0,
    id: ID_BASE + Math.floor(slot / SLOTS_PER_ID),
    seq: slot & 0xffff,
    flags: REPLY_FLAG.CHECKSUM_OK | REPLY_FLAG.HAS_TOKEN,
    tokenLo: table.tokenLo[slot],
    tokenHi: i,
    recvTimeNs: baseNs + BigInt(i * 1000 + 20_000),
    payloadTimeNs: baseNs + BigInt(i * 1000),
    payloadLen: 56,
  });
}
let sink = 0;

function decodeEngine(): void {
  let acc = 0;
  for (let i = 0; i < BATCH; i++) {
    acc += replies.type(i) + replies.id(i) + replies.seq(i) + replies.ttl(i) + replies.flags(i);
    acc += replies.tokenLo(i) ^ replies.tokenHi(i);
    acc += replies.recvTimeLo(i) + replies.payloadLen(i) + replies.u32[replies.addrWord(i)];
  }
  sink += acc;
}

function decodeNaive(): void {
  const b = replies.buffer;
  let acc = 0;
  for (let i = 0; i < BATCH; i++) {
    const o = i * REPLY.SIZE;
    const r = {
      addr: `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`,
      type: b.readUInt8(o + REPLY.TYPE),
      id: b.readUInt16LE(o + REPLY.ID),
      seq: b.readUInt16LE(o + REPLY.SEQ),
      ttl: b.readUInt8(o + REPLY.TTL),
      flags: b.readUInt8(o + REPLY.FLAGS),
      token: b.readBigUInt64LE(o + REPLY.TOKEN),
      recvTimeNs: b.readBigUInt64LE(o + REPLY.RECV_TIME_NS),
      payloadLen: b.readUInt16LE(o + REPLY.PAYLOAD_LEN),
    };
    acc += r.type + r.id + r.seq + r.ttl + r.flags + r.payloadLen + r.addr.length + Number(r.token & 0xffn);
  }
  sink += acc;
}

// Reply matching: (id, seq) -> slot, then the checks the worker makes before accepting it.
function matchEngine(): void {
  let matched = 0;
  for (let i = 0; i < BATCH; i++) {
    const idOff = replies.id(i) - ID_BASE;
    if (idOff < 0 || idOff >= 4) continue;
    const slot = idOff * SLOTS_PER_ID + replies.seq(i);
    if (slot >= table.capacity || table.state[slot] !== SlotState.IN_FLIGHT) continue;
    if (table.tokenLo[slot] !== replies.tokenLo(i) || table.tokenHi[slot] !== replies.tokenHi(i)) continue;
    if (replies.u32[replies.addrWord(i)] !== addrWords[slotAddrWord[slot]]) continue;
    matched++;
  }
  sink += matched;
}

function matchNaive(): void {
  const b = replies.buffer;
  let matched = 0;
  for (let i = 0; i < BATCH; i++) {
    const o = i * REPLY.SIZE;
    const probe = naiveInflight.get((b.readUInt16LE(o + REPLY.ID) << 16) | b.readUInt16LE(o + REPLY.SEQ));
    if (!probe || probe.state !== SlotState.IN_FLIGHT) continue;
    if (probe.tokenLo !== b.readUInt32LE(o + REPLY.TOKEN) || probe.tokenHi !== b.readUInt32LE(o + REPLY.TOKEN + 4)) continue;
    if (b.readUInt32LE(o) !== addrWords[probe.target * 4]) continue;
    matched++;
  }
  sink += matched;
}

// Histogram record: RTTs in ns around loopback values with a realistic spread, through the
// engine's per-target stats (small job: flat histograms; 10,000-target job: packed ones).
const rtts = new Float64Array(BATCH);
for (let i = 0; i < BATCH; i++) rtts[i] = 15_000 + ((i * 7919) % 40_000);
const smallJob = new TargetStatsTable(FLAT_HISTOGRAM_TARGET_LIMIT);
const bigJob = new TargetStatsTable(TARGETS);
let recordCursor = 0;
function recordStats(stats: TargetStatsTable): () => void {
  return () => {
    for (let i = 0; i < BATCH; i++) stats.recordRtt(recordCursor++ % stats.size, rtts[i]);
  };
}
hdr.initWebAssemblySync();
const wasmSettings = { autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: 3, useWebAssembly: true } as const;
const wasmSmall = Array.from({ length: FLAT_HISTOGRAM_TARGET_LIMIT }, () => hdr.build({ ...wasmSettings, bitBucketSize: 32 }));
const wasmBig = Array.from({ length: TARGETS }, () => hdr.build({ ...wasmSettings, bitBucketSize: 'packed' }));
function recordWasm(histograms: hdr.Histogram[]): () => void {
  return () => {
    for (let i = 0; i < BATCH; i++) histograms[recordCursor++ % histograms.length].recordValue(Math.round(rtts[i]));
  };
}

// First in-time reply of each target: its histogram is created then (a fresh 1,024-target job).
function firstRepliesEngine(): void {
  const fresh = new TargetStatsTable(BATCH);
  for (let i = 0; i < BATCH; i++) fresh.recordRtt(i, rtts[i]);
}
function firstRepliesWasm(): void {
  for (let i = 0; i < BATCH; i++) {
    const h = hdr.build({ ...wasmSettings, bitBucketSize: 'packed' });
    h.recordValue(Math.round(rtts[i]));
    h.destroy();
  }
}

// Timeouts: every probe enters the wheel when sent and leaves it when answered.
const wheel = new TimingWheel(0, 1, 4096);
wheel.ensureCapacity(BATCH);
let wheelNow = 0;
function timeoutWheel(): void {
  wheelNow += 1;
  for (let i = 0; i < BATCH; i++) wheel.insert(i, wheelNow + 1000);
  for (let i = 0; i < BATCH; i++) wheel.remove(i);
}
const timers = new Array<NodeJS.Timeout | undefined>(BATCH);
const noop = (): void => {};
function timeoutTimers(): void {
  for (let i = 0; i < BATCH; i++) timers[i] = setTimeout(noop, 1000);
  for (let i = 0; i < BATCH; i++) clearTimeout(timers[i]);
}

interface Pair {
  name: string;
  engine: () => void;
  engineLabel: string;
  reference: () => void;
  referenceLabel: string;
}
const pairs: Pair[] = [
  { name: 'encode request records', engine: encodeEngine, engineLabel: 'RequestBatch.push', reference: encodeNaive, referenceLabel: 'Buffer.write* per field' },
  { name: 'decode reply records', engine: decodeEngine, engineLabel: 'ReplyBatch typed reads', reference: decodeNaive, referenceLabel: 'Buffer.read* + object per reply' },
  { name: 'match replies to probes', engine: matchEngine, engineLabel: 'InFlightTable slot lookup', reference: matchNaive, referenceLabel: 'Map<id/seq, object>' },
  { name: `record RTT, ${FLAT_HISTOGRAM_TARGET_LIMIT}-target job`, engine: recordStats(smallJob), engineLabel: 'TargetStatsTable.recordRtt (hdr JS 32-bit)', reference: recordWasm(wasmSmall), referenceLabel: 'hdr WebAssembly 32-bit' },
  { name: `record RTT, ${fmtInt(TARGETS)}-target job`, engine: recordStats(bigJob), engineLabel: "TargetStatsTable.recordRtt (hdr JS 'packed')", reference: recordWasm(wasmBig), referenceLabel: "hdr WebAssembly 'packed'" },
  { name: 'first reply of a target', engine: firstRepliesEngine, engineLabel: 'TargetStatsTable.recordRtt, new histogram', reference: firstRepliesWasm, referenceLabel: "hdr WebAssembly 'packed', new" },
  { name: 'timeout bookkeeping', engine: timeoutWheel, engineLabel: 'TimingWheel insert + remove', reference: timeoutTimers, referenceLabel: 'setTimeout + clearTimeout' },
];

async function main(): Promise<void> {
  const machine = describeMachine();
  console.log(`sonde micro-benchmarks (tinybench, ${BATCH} items per call, ${timeMs} ms per task)`);
  printMachine(machine);
  const bench = new Bench({ time: timeMs, warmupTime: 100 });
  for (const p of pairs) {
    bench.add(`${p.name}: ${p.engineLabel}`, p.engine);
    bench.add(`${p.name}: ${p.referenceLabel} [ref]`, p.reference);
  }
  await bench.run();
  const perSecond = (name: string): number => {
    const r = bench.getTask(name)?.result;
    return r && 'throughput' in r ? r.throughput.p50 * BATCH : NaN;
  };
  // The per-probe time budget: 1 / (round trips per second of the C reference loop).
  const cRate = latestResult<{ tools: { c?: { medianRoundTripsPerSec: number } } }>('throughput')?.data.tools.c?.medianRoundTripsPerSec;
  const budgetRate = cRate && Number.isFinite(cRate) ? cRate : 170_000;
  const budgetNs = 1e9 / budgetRate;
  console.log(`per-probe budget: ${budgetNs.toFixed(0)} ns (${fmtInt(budgetRate)} round trips/s, the C reference ${cRate ? 'in the latest bench:throughput result' : 'as measured in ARCHITECTURE.md'})`);
  const out = new Table({ style: { head: [], border: [] }, head: ['hot path', 'sonde', 'median items/s', 'reference', 'median items/s', 'sonde / ref', 'sonde ns/item', 'of budget'] });
  const rows: Array<Record<string, string | number>> = [];
  for (const p of pairs) {
    const a = perSecond(`${p.name}: ${p.engineLabel}`);
    const b = perSecond(`${p.name}: ${p.referenceLabel} [ref]`);
    out.push([p.name, p.engineLabel, fmtInt(a), p.referenceLabel, fmtInt(b), fmtRatio(ratio(a, b)), (1e9 / a).toFixed(1), `${((100 * 1e9) / a / budgetNs).toFixed(2)}%`]);
    rows.push({ name: p.name, implementation: p.engineLabel, itemsPerSec: a, reference: p.referenceLabel, referenceItemsPerSec: b });
  }
  console.log(out.toString());
  if (sink === -1) console.log(sink);
  const previous = latestResult<{ rows: Array<{ name: string; itemsPerSec: number }> }>('micro');
  if (previous) {
    const parts = rows.map((r) => `${r.name} ${fmtRatio(ratio(r.itemsPerSec as number, previous.data.rows.find((x) => x.name === r.name)?.itemsPerSec ?? NaN))}`);
    console.log(`vs previous result ${previous.path.split('/').pop()}: ${parts.join(', ')}`);
  }
  if (!flags['no-save']) console.log(`saved ${saveResult('micro', { kind: 'micro', machine, batch: BATCH, rows })}`);
}

main().catch((err: unknown) => {
  console.error(`bench:micro failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
