// npm run bench:micro — tinybench micro-benchmarks of the per-probe hot paths, each next to a
// straightforward reference implementation measured in the same run:
//   encode   engine/icmp RequestBatch.push            vs Buffer.write* per field
//   decode   engine/icmp ReplyBatch typed reads       vs Buffer.read* into an object per reply
//   match    InFlightTable slot lookup + validation   vs a Map keyed by id/seq
//   record   engine/stats TargetStatsTable.recordRtt (counters + a job-wide sparse HDR table)
//            vs one hdr-histogram-js object per target (32-bit or 'packed' counts)
//   summary  TargetStatsTable.pack (all stats of every target) vs hdr-histogram-js percentiles
//   timeout  engine/icmp TimingWheel insert + remove     vs setTimeout + clearTimeout per probe
// The last column puts each cost against the time one probe may take at the C reference's rate.
// Every task handles a batch of BATCH items per call; figures are items per second.
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import * as hdr from 'hdr-histogram-js';
import { Bench } from 'tinybench';
import { REPLY, REPLY_FLAG, REQ } from '../native-bindings/layout.js';
import { InFlightTable, SLOTS_PER_ID, SlotState } from '../engine/icmp/worker/inflight-table.js';
import { ReplyBatch, writeReplyRecord } from '../engine/icmp/worker/reply-batch.js';
import { RequestBatch } from '../engine/icmp/worker/request-batch.js';
import { TimingWheel } from '../engine/icmp/worker/timing-wheel.js';
import { TargetStatsTable } from '../engine/stats/target-stats.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { latestResult, saveResult } from './lib/results.js';
import { fmtInt, fmtRatio, ratio } from './lib/stats.js';
import { loopbackTargets } from './lib/targets.js';

const { values: flags } = parseArgs({
  options: {
    time: { type: 'string', default: '500' },
    only: { type: 'string', default: '' },
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

// RTT statistics: RTTs in ns around loopback values with a realistic spread, through the
// engine's per-target stats (one job-wide sparse HDR table, engine/stats/sparse-hdr.ts) and,
// as the reference, one hdr-histogram-js object per target with the same bucketing.
const SMALL_JOB = 64;
const rtts = new Float64Array(BATCH);
for (let i = 0; i < BATCH; i++) rtts[i] = 15_000 + ((i * 7919) % 40_000);
const hdrSettings = { autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: 3, useWebAssembly: false } as const;
const smallJob = new TargetStatsTable(SMALL_JOB);
const bigJob = new TargetStatsTable(TARGETS);
const hdrSmall = Array.from({ length: SMALL_JOB }, () => hdr.build({ ...hdrSettings, bitBucketSize: 32 }));
const hdrBig = Array.from({ length: TARGETS }, () => hdr.build({ ...hdrSettings, bitBucketSize: 'packed' }));
let recordCursor = 0;
function recordStats(stats: TargetStatsTable): () => void {
  return () => {
    for (let i = 0; i < BATCH; i++) stats.recordRtt(recordCursor++ % stats.size, rtts[i]);
  };
}
function recordHdr(histograms: hdr.Histogram[]): () => void {
  return () => {
    for (let i = 0; i < BATCH; i++) histograms[recordCursor++ % histograms.length].recordValue(Math.round(rtts[i]));
  };
}

// First in-time reply of each target of a fresh 1,024-target job.
function firstRepliesEngine(): void {
  const fresh = new TargetStatsTable(BATCH);
  for (let i = 0; i < BATCH; i++) fresh.recordRtt(i, rtts[i]);
}
function firstRepliesHdr(): void {
  for (let i = 0; i < BATCH; i++) hdr.build({ ...hdrSettings, bitBucketSize: 'packed' }).recordValue(Math.round(rtts[i]));
}

// End of a job: min/avg/max/stddev and p50/p90/p99 of 1,024 targets with 20 replies each.
const summarised = new TargetStatsTable(BATCH);
const summarisedHdr = Array.from({ length: BATCH }, () => hdr.build({ ...hdrSettings, bitBucketSize: 32 }));
for (let k = 0; k < 20; k++) {
  for (let t = 0; t < BATCH; t++) {
    const v = rtts[(t * 31 + k * 17) % BATCH];
    summarised.recordRtt(t, v);
    summarisedHdr[t].recordValue(v);
  }
}
function summariseEngine(): void {
  sink += summarised.pack()[0];
}
function summariseHdr(): void {
  // Percentiles only: hdr-histogram-js's mean/stdDeviation walk every recorded value (~7 ms
  // each here), and the engine keeps those with running sums anyway.
  for (const h of summarisedHdr) sink += h.getValueAtPercentile(50) + h.getValueAtPercentile(90) + h.getValueAtPercentile(99);
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
  /** The item is a target summarised once per job, not a probe: no per-probe budget share. */
  perTarget?: boolean;
}
const pairs: Pair[] = [
  { name: 'encode request records', engine: encodeEngine, engineLabel: 'RequestBatch.push', reference: encodeNaive, referenceLabel: 'Buffer.write* per field' },
  { name: 'decode reply records', engine: decodeEngine, engineLabel: 'ReplyBatch typed reads', reference: decodeNaive, referenceLabel: 'Buffer.read* + object per reply' },
  { name: 'match replies to probes', engine: matchEngine, engineLabel: 'InFlightTable slot lookup', reference: matchNaive, referenceLabel: 'Map<id/seq, object>' },
  { name: `record RTT, ${SMALL_JOB}-target job`, engine: recordStats(smallJob), engineLabel: 'TargetStatsTable.recordRtt (sparse HDR)', reference: recordHdr(hdrSmall), referenceLabel: 'hdr-histogram-js 32-bit per target' },
  { name: `record RTT, ${fmtInt(TARGETS)}-target job`, engine: recordStats(bigJob), engineLabel: 'TargetStatsTable.recordRtt (sparse HDR)', reference: recordHdr(hdrBig), referenceLabel: "hdr-histogram-js 'packed' per target" },
  { name: 'first reply of a target', engine: firstRepliesEngine, engineLabel: 'TargetStatsTable.recordRtt, fresh job', reference: firstRepliesHdr, referenceLabel: "new hdr-histogram-js 'packed'" },
  { name: 'summarise a target (job end)', engine: summariseEngine, engineLabel: 'TargetStatsTable.pack', reference: summariseHdr, referenceLabel: 'hdr-histogram-js 32-bit percentiles', perTarget: true },
  { name: 'timeout bookkeeping', engine: timeoutWheel, engineLabel: 'TimingWheel insert + remove', reference: timeoutTimers, referenceLabel: 'setTimeout + clearTimeout' },
];

async function main(): Promise<void> {
  const machine = describeMachine();
  console.log(`sonde micro-benchmarks (tinybench, ${BATCH} items per call, ${timeMs} ms per task)`);
  printMachine(machine);
  const bench = new Bench({ time: timeMs, warmupTime: 100 });
  const selected = pairs.filter((p) => p.name.includes(flags.only));
  for (const p of selected) {
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
  for (const p of selected) {
    const a = perSecond(`${p.name}: ${p.engineLabel}`);
    const b = perSecond(`${p.name}: ${p.referenceLabel} [ref]`);
    out.push([p.name, p.engineLabel, fmtInt(a), p.referenceLabel, fmtInt(b), fmtRatio(ratio(a, b)), (1e9 / a).toFixed(1), p.perTarget ? 'once per target' : `${((100 * 1e9) / a / budgetNs).toFixed(2)}%`]);
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
