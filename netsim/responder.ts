// The simulator's packet core: reads echo requests (as TUN frames), decides per host profile
// what happens to each, and writes replies and ICMP errors, now or at their due time.
// It owns no device and no timer: the worker feeds it frames and the clock, and hands its
// output batch to the TUN device. Tests can drive it directly.
import { PAYLOAD_HEADER, TUN_FRAME_HEADER } from '../native-bindings/layout.js';
import {
  defaultRouter, formatAddress, inSimRange, parseAddress, parsePrefix, LOCAL_V4, LOCAL_V6,
  type Family, type Prefix, prefixContains, NetsimInputError, prefixInSimRange,
} from './addresses.js';
import { DelayQueue, PacketKind } from './delay-queue.js';
import { HostTable } from './host-table.js';
import {
  buildIcmpError, corruptIcmpChecksum, echoRequestToReply, icmpChecksumOk, ICMP4_TIME_EXCEEDED, ICMP4_UNREACH,
  ICMP6_TIME_EXCEEDED, ICMP6_UNREACH, isEchoRequest, Parse, ParsedPacket, parsePacket, QUOTE_MAX_V6, IPV6_HEADER, ICMP_HEADER,
} from './packets.js';
import { hashBytes, normalAt, uniformAt } from './prng.js';
import { compileProfile, LatencyKind, SelectKind, type CompiledProfile, type CompiledSelector, type HostProfile } from './profile.js';
import { emptyEventList, emptyReplyList, type EventList, type FrameStats, type HostStats, type NetsimStats } from './stats.js';

export interface ResponderOptions {
  /** Seed of every random decision (default 1). */
  seed?: number;
  /** Profiles by address or prefix ("198.18.0.1", "198.18.1.0/24", "2001:db8::/48"); the
   *  longest matching prefix wins. */
  hosts?: Record<string, HostProfile>;
  /** Profile of addresses no key matches: an immediate echo reply by default; null = no answer. */
  defaultProfile?: HostProfile | null;
  /** Entries kept per list per host in stats() (counts stay exact beyond it). Default 10,000. */
  recordLimit?: number;
  /**
   * What a reply's delay counts from. 'arrival' (default): when the simulator read the request.
   * 'payload-timestamp': the send time sonde's echo payload carries (native-bindings/layout.ts:
   * payload bytes 8..16, CLOCK_REALTIME ns), so that the simulator's own wake-up latency on a
   * busy machine does not add to the round trip; requests without a plausible timestamp fall
   * back to arrival. Needs setRealtime() calls from the owner.
   */
  delayFrom?: 'arrival' | 'payload-timestamp';
}

/** Receives the output batch: `count` TUN frames; returns how many were written. */
export interface FrameSink {
  write(frames: Buffer, count: number): number;
}

interface Rule {
  key: string;
  prefix: Prefix;
  profile: CompiledProfile;
}

class Host {
  profile: CompiledProfile | null = null;
  rule = '(default)';
  /** Requests ever received: the ordinal of the next one is requests + 1 (never reset). */
  requests = 0;
  tokens = 0;
  refilledAt = 0;
  /** When the bottleneck is free to forward the next request (ms, the arrival clock). */
  bottleneckFreeAt = 0;
  constructor(readonly index: number, readonly family: Family, readonly bytes: Uint8Array, readonly key: number, public stats: HostStats) {}
}

const SALT = { loss: 1, duplicate: 2, reorder: 3, corrupt: 4, late: 5, unreachable: 6, latency: 7 } as const;
const OUT_BYTES = 1 << 20;
/** The smallest frame is 4 + 28 bytes (IPv4 + ICMP header, no payload). */
const OUT_MAX_FRAMES = OUT_BYTES / 32;

function newHostStats(address: string, rule: string): HostStats {
  return {
    address, rule, received: 0, echoReplies: 0, packetsSent: 0, pending: 0,
    dropped: emptyEventList(), droppedBy: { loss: 0, blackhole: 0, rateLimit: 0, bottleneck: 0 },
    duplicated: emptyEventList(), duplicatesSent: 0, reordered: emptyEventList(), corrupted: emptyEventList(),
    late: emptyEventList(), unreachable: emptyEventList(), timeExceeded: emptyEventList(), replies: emptyReplyList(),
  };
}

function newFrameStats(): FrameStats {
  return { read: 0, written: 0, ignored: 0, malformed: 0, foreignSource: 0, outsideRange: 0, unsafeRefused: 0, writeErrors: 0, queueHighWater: 0 };
}

export class Responder {
  private readonly seed: number;
  private readonly recordLimit: number;
  /** Rules for single addresses, by canonical address text; prefix rules, longest first. */
  private readonly exactRules = new Map<string, Rule>();
  private prefixRules: Rule[] = [];
  private defaultProfile: CompiledProfile | null;
  private readonly table = new HostTable();
  private readonly hosts: Host[] = [];
  private readonly queue = new DelayQueue();
  private readonly packet = new ParsedPacket();
  private readonly scratch = Buffer.alloc(IPV6_HEADER + ICMP_HEADER + QUOTE_MAX_V6 + 64);
  private readonly out = Buffer.allocUnsafe(OUT_BYTES);
  private outLength = 0;
  private outCount = 0;
  /** Per frame of the output batch: what it is, for the statistics taken at write time. */
  private readonly outMeta = {
    host: new Int32Array(OUT_MAX_FRAMES), kind: new Uint8Array(OUT_MAX_FRAMES), seq: new Int32Array(OUT_MAX_FRAMES),
    ordinal: new Float64Array(OUT_MAX_FRAMES), scheduledMs: new Float64Array(OUT_MAX_FRAMES),
    readAt: new Float64Array(OUT_MAX_FRAMES), sentAt: new Float64Array(OUT_MAX_FRAMES),
  };
  private lastNow = 0;
  private readonly localV4 = parseAddress(LOCAL_V4).bytes;
  private readonly localV6 = parseAddress(LOCAL_V6).bytes;
  private readonly routersV4 = Array.from({ length: 256 }, (_, h) => defaultRouter(4, h));
  private readonly routersV6 = Array.from({ length: 256 }, (_, h) => defaultRouter(6, h));
  private ipId = 0;
  private frames = newFrameStats();
  private readonly fromPayload: boolean;
  /** CLOCK_REALTIME ms minus the monotonic clock ms (NaN until setRealtime()). */
  private realtimeOffset = NaN;
  /** The current request's payload send time on the monotonic clock, or NaN. */
  private sentAt = NaN;

  /** `clock` (ms, monotonic) is read just before each write; without it, the time of the last
   *  handleFrames/releaseDue call is used (tests with a simulated clock). */
  constructor(options: ResponderOptions, private readonly sink: FrameSink, private readonly clock: (() => number) | null = null) {
    this.seed = (options.seed ?? 1) >>> 0;
    this.recordLimit = options.recordLimit ?? 10_000;
    if (options.delayFrom !== undefined && options.delayFrom !== 'arrival' && options.delayFrom !== 'payload-timestamp') {
      throw new NetsimInputError('delayFrom', `delayFrom must be "arrival" or "payload-timestamp", got ${JSON.stringify(options.delayFrom)}`);
    }
    this.fromPayload = options.delayFrom === 'payload-timestamp';
    this.defaultProfile = options.defaultProfile === null ? null : compileProfile(options.defaultProfile ?? {}, 'defaultProfile');
    for (const [key, profile] of Object.entries(options.hosts ?? {})) this.addRule(key, profile);
    this.sortRules();
  }

  /** Adds, replaces (profile) or removes (null) the profile of an address or prefix, at run
   *  time too: hosts already seen switch at once, their counters carry on. */
  setRule(key: string, profile: HostProfile | null): void {
    this.addRule(key, profile);
    this.sortRules();
    for (const host of this.hosts) this.resolve(host);
  }

  private addRule(key: string, profile: HostProfile | null): void {
    const prefix = parsePrefix(key, `hosts["${key}"]`);
    if (!prefixInSimRange(prefix)) {
      throw new NetsimInputError(`hosts["${key}"]`, `hosts["${key}"] is outside the simulator's ranges 198.18.0.0/15 and 2001:db8::/32`);
    }
    const compiled = profile === null ? null : compileProfile(profile, `hosts["${key}"]`);
    const single = prefix.length === (prefix.family === 4 ? 32 : 128);
    if (single) this.exactRules.delete(prefix.text);
    else this.prefixRules = this.prefixRules.filter((r) => r.prefix.text !== prefix.text);
    if (compiled === null) return;
    const rule = { key, prefix, profile: compiled };
    if (single) this.exactRules.set(prefix.text, rule);
    else this.prefixRules.push(rule);
  }

  /** Longest prefix first, so that the first match is the most specific. */
  private sortRules(): void {
    this.prefixRules.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  setDefaultProfile(profile: HostProfile | null): void {
    this.defaultProfile = profile === null ? null : compileProfile(profile, 'defaultProfile');
    for (const host of this.hosts) this.resolve(host);
  }

  private resolve(host: Host): void {
    const rule = this.exactRules.get(host.stats.address) ?? this.prefixRules.find((r) => prefixContains(r.prefix, host.family, host.bytes, 0));
    host.profile = rule ? rule.profile : this.defaultProfile;
    host.stats.rule = rule ? rule.key : '(default)';
    if (host.profile && host.tokens > host.profile.rateLimitBurst) host.tokens = host.profile.rateLimitBurst;
  }

  private hostFor(family: Family, buf: Buffer, offset: number, now: number): Host {
    const index = this.table.find(family, buf, offset);
    if (index >= 0) return this.hosts[index];
    const bytes = new Uint8Array(16);
    bytes.set(buf.subarray(offset, offset + (family === 4 ? 4 : 16)));
    const host = new Host(this.hosts.length, family, bytes, hashBytes(bytes, 0, 16), newHostStats(formatAddress(family, bytes, 0), '(default)'));
    this.resolve(host);
    host.tokens = host.profile?.rateLimitBurst ?? 0;
    host.refilledAt = this.arrival(now);
    this.hosts.push(host);
    this.table.insert(family, bytes, 0, host.index);
    return host;
  }

  /** Tells the Responder the CLOCK_REALTIME time (ms) at monotonic time `now`, to read payload
   *  send times. Call it with every batch (cheap). */
  setRealtime(now: number, realtimeMs: number): void {
    this.realtimeOffset = realtimeMs - now;
  }

  /** The send time carried by the echo request's payload, on the monotonic clock; NaN if none
   *  or implausible (more than a minute away). */
  private payloadSentAt(buf: Buffer, p: ParsedPacket, now: number): number {
    if (p.icmpLength < ICMP_HEADER + PAYLOAD_HEADER || Number.isNaN(this.realtimeOffset)) return NaN;
    const at = p.icmpOffset + ICMP_HEADER + 8;
    const sentRealtime = (buf.readUInt32LE(at + 4) * 4294967296 + buf.readUInt32LE(at)) / 1e6;
    const sentAt = sentRealtime - this.realtimeOffset;
    return Math.abs(now - sentAt) < 60_000 ? sentAt : NaN;
  }

  /** Handles `count` TUN frames from buf (as TunDevice.read fills them). */
  handleFrames(buf: Buffer, count: number, now: number): void {
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const length = buf.readUInt32LE(offset);
      this.handlePacket(buf, offset + TUN_FRAME_HEADER, length, now);
      offset += TUN_FRAME_HEADER + ((length + 3) & ~3);
    }
  }

  /** Handles one IP packet read at time `now` (ms, monotonic). May modify buf. */
  handlePacket(buf: Buffer, offset: number, length: number, now: number): void {
    const p = this.packet;
    const f = this.frames;
    f.read++;
    const parsed = parsePacket(buf, offset, length, p);
    if (parsed === Parse.Malformed) { f.malformed++; return; }
    if (parsed !== Parse.Ok || !isEchoRequest(p)) { f.ignored++; return; }
    if (!this.isLocal(p.family, buf, p.srcOffset)) { f.foreignSource++; return; }
    if (!inSimRange(p.family, buf, p.dstOffset) || this.isLocal(p.family, buf, p.dstOffset)) { f.outsideRange++; return; }
    if (!icmpChecksumOk(buf, p)) { f.malformed++; return; }

    this.sentAt = this.payloadSentAt(buf, p, now);
    const host = this.hostFor(p.family, buf, p.dstOffset, now);
    const s = host.stats;
    const ordinal = ++host.requests;
    s.received++;
    const seq = p.seq;
    const prof = host.profile;
    if (prof === null || prof.blackhole) { this.drop(s, seq, ordinal); s.droppedBy.blackhole++; return; }
    if (this.selected(prof.loss, host, ordinal, seq, SALT.loss)) { this.drop(s, seq, ordinal); s.droppedBy.loss++; return; }
    if (prof.rateLimit > 0 && !this.takeToken(host, prof, this.arrival(now))) { this.drop(s, seq, ordinal); s.droppedBy.rateLimit++; return; }
    let queued = 0;
    if (prof.bottleneckPps > 0) {
      queued = this.queueAt(host, prof, this.arrival(now));
      if (queued < 0) { this.drop(s, seq, ordinal); s.droppedBy.bottleneck++; return; }
    }

    const latency = this.latency(prof, host, ordinal) + queued;
    if (prof.timeExceededFromHop > 0 && p.ttl < prof.timeExceededFromHop) {
      const hop = Math.max(p.ttl, 1);
      const routers = p.family === 4 ? prof.routersV4 : prof.routersV6;
      const router = routers[hop - 1] ?? (p.family === 4 ? this.routersV4 : this.routersV6)[hop];
      this.record(s.timeExceeded, seq, ordinal);
      this.sendError(host, router, 255 - (hop - 1), p.family === 4 ? ICMP4_TIME_EXCEEDED : ICMP6_TIME_EXCEEDED, 0, buf, latency, now, seq, ordinal);
      return;
    }
    if (this.selected(prof.unreachable, host, ordinal, seq, SALT.unreachable)) {
      const from = (p.family === 4 ? prof.unreachableFromV4 : prof.unreachableFromV6) ?? host.bytes;
      this.record(s.unreachable, seq, ordinal);
      this.sendError(host, from, prof.ttl, p.family === 4 ? ICMP4_UNREACH : ICMP6_UNREACH, prof.unreachableCode, buf, latency, now, seq, ordinal);
      return;
    }

    s.echoReplies++;
    let delay = latency;
    if (this.selected(prof.late, host, ordinal, seq, SALT.late)) { delay = prof.lateDelayMs; this.record(s.late, seq, ordinal); }
    if (this.selected(prof.reorder, host, ordinal, seq, SALT.reorder)) { delay += prof.reorderDelayMs; this.record(s.reordered, seq, ordinal); }
    echoRequestToReply(buf, p, prof.ttl);
    if (this.selected(prof.corrupt, host, ordinal, seq, SALT.corrupt)) { corruptIcmpChecksum(buf, p.icmpOffset); this.record(s.corrupted, seq, ordinal); }
    this.emit(host, buf, p.offset, p.length, PacketKind.Reply, delay, now, seq, ordinal);
    if (this.selected(prof.duplicate, host, ordinal, seq, SALT.duplicate)) {
      this.record(s.duplicated, seq, ordinal);
      for (let c = 1; c <= prof.duplicateCopies; c++) {
        s.duplicatesSent++;
        this.emit(host, buf, p.offset, p.length, PacketKind.Duplicate, delay + c * prof.duplicateGapMs, now, seq, ordinal);
      }
    }
  }

  private sendError(host: Host, from: Uint8Array, ttl: number, type: number, code: number, buf: Buffer, delay: number, now: number, seq: number, ordinal: number): void {
    const p = this.packet;
    const local = p.family === 4 ? this.localV4 : this.localV6;
    const n = buildIcmpError(this.scratch, 0, p.family, from, local, ttl, type, code, buf, p.offset, p.length, this.ipId++);
    this.emit(host, this.scratch, 0, n, PacketKind.Error, delay, now, seq, ordinal);
  }

  private isLocal(family: Family, buf: Buffer, offset: number): boolean {
    const local = family === 4 ? this.localV4 : this.localV6;
    const n = family === 4 ? 4 : 16;
    for (let i = 0; i < n; i++) if (buf[offset + i] !== local[i]) return false;
    return true;
  }

  private selected(sel: CompiledSelector, host: Host, ordinal: number, seq: number, salt: number): boolean {
    switch (sel.kind) {
      case SelectKind.None: return false;
      case SelectKind.All: return true;
      case SelectKind.Percent: return uniformAt(this.seed, host.key, ordinal, salt) < sel.fraction;
      case SelectKind.Every: return ordinal >= sel.start && (ordinal - sel.start) % sel.every === 0;
      case SelectKind.Seqs: return sel.set!.has(seq);
      case SelectKind.Ordinals: return sel.set!.has(ordinal);
      default: return false;
    }
  }

  private latency(prof: CompiledProfile, host: Host, ordinal: number): number {
    switch (prof.latencyKind) {
      case LatencyKind.Uniform:
        return Math.max(0, prof.latencyMs + (2 * uniformAt(this.seed, host.key, ordinal, SALT.latency) - 1) * prof.jitterMs);
      case LatencyKind.Normal:
        return Math.max(0, prof.latencyMs + normalAt(this.seed, host.key, ordinal, SALT.latency) * prof.jitterMs);
      default:
        return prof.latencyMs;
    }
  }

  /** The clock rate limits and the bottleneck judge arrivals by: the payload's send time under
   *  delayFrom 'payload-timestamp' (so that the simulator reading a batch late after a stall
   *  does not make a burst of traffic that was evenly paced on the wire), else now. */
  private arrival(now: number): number {
    return this.fromPayload && !Number.isNaN(this.sentAt) ? this.sentAt : now;
  }

  private takeToken(host: Host, prof: CompiledProfile, at: number): boolean {
    // max(): requests of two sockets may carry send times slightly out of order
    const elapsed = Math.max(0, at - host.refilledAt);
    host.tokens = Math.min(prof.rateLimitBurst, host.tokens + (elapsed * prof.rateLimit) / 1000);
    host.refilledAt = Math.max(host.refilledAt, at);
    if (host.tokens < 1) return false;
    host.tokens -= 1;
    return true;
  }

  /** The wait (ms) of a request arriving at `at` behind the bottleneck's queue, or −1 when it
   *  would wait longer than the buffer holds (dropped: it takes no forwarding slot). */
  private queueAt(host: Host, prof: CompiledProfile, at: number): number {
    const start = Math.max(at, host.bottleneckFreeAt);
    const wait = start - at;
    if (wait > prof.bottleneckBufferMs) return -1;
    host.bottleneckFreeAt = start + 1000 / prof.bottleneckPps;
    return wait;
  }

  private drop(s: HostStats, seq: number, ordinal: number): void {
    this.record(s.dropped, seq, ordinal);
  }

  private record(list: EventList, seq: number, ordinal: number): void {
    list.count++;
    if (list.seqs.length < this.recordLimit) {
      list.seqs.push(seq);
      list.ordinals.push(ordinal);
    } else {
      list.truncated = true;
    }
  }

  /** Writes now (delay ≤ 0) or queues a packet for later. */
  private emit(host: Host, src: Buffer, offset: number, length: number, kind: PacketKind, delay: number, now: number, seq: number, ordinal: number): void {
    const sentAt = this.sentAt;
    const due = (this.fromPayload && !Number.isNaN(sentAt) ? sentAt : now) + delay;
    if (due <= now) {
      this.append(host, src, offset, length, kind, now, delay, now, sentAt, seq, ordinal);
      return;
    }
    const q = this.queue;
    const slot = q.add(due, src, offset, length);
    q.sentAt[slot] = sentAt;
    q.host[slot] = host.index;
    q.seq[slot] = seq;
    q.ordinal[slot] = ordinal;
    q.kind[slot] = kind;
    q.readAt[slot] = now;
    q.scheduledMs[slot] = delay;
    host.stats.pending++;
    if (q.size > this.frames.queueHighWater) this.frames.queueHighWater = q.size;
  }

  /** Moves every queued packet due by `now` to the output batch. Returns the next due time
   *  (Infinity when the queue is empty). Call flush() after. */
  releaseDue(now: number): number {
    const q = this.queue;
    while (q.size > 0 && q.nextDue() <= now) {
      const slot = q.pop();
      const host = this.hosts[q.host[slot]];
      host.stats.pending--;
      this.append(host, q.buffer(slot), 0, q.length[slot], q.kind[slot] as PacketKind, now, q.scheduledMs[slot], q.readAt[slot], q.sentAt[slot], q.seq[slot], q.ordinal[slot]);
      q.release(slot);
    }
    return q.nextDue();
  }

  nextDue(): number {
    return this.queue.nextDue();
  }

  get pending(): number {
    return this.queue.size;
  }

  private append(host: Host, src: Buffer, offset: number, length: number, kind: PacketKind, now: number, scheduledMs: number, readAt: number, sentAt: number, seq: number, ordinal: number): void {
    // Safety: a packet leaves only towards the namespace's own addresses.
    const family: Family = (src[offset] >> 4) === 4 ? 4 : 6;
    if (!this.isLocal(family, src, offset + (family === 4 ? 16 : 24))) { this.frames.unsafeRefused++; return; }
    if (this.outLength + TUN_FRAME_HEADER + length + 3 > this.out.length) this.flush();
    this.lastNow = now;
    const out = this.out;
    out.writeUInt32LE(length, this.outLength);
    src.copy(out, this.outLength + TUN_FRAME_HEADER, offset, offset + length);
    this.outLength += TUN_FRAME_HEADER + ((length + 3) & ~3);
    const i = this.outCount++;
    const m = this.outMeta;
    m.host[i] = host.index;
    m.kind[i] = kind;
    m.seq[i] = seq;
    m.ordinal[i] = ordinal;
    m.scheduledMs[i] = scheduledMs;
    m.readAt[i] = readAt;
    m.sentAt[i] = sentAt;
  }

  /** Writes the output batch to the sink. Reply delays are taken at this moment (just before
   *  the write), not when a packet joined the batch: a thread preempted in between must not
   *  make the simulator under-report what it applied. */
  flush(): void {
    const count = this.outCount;
    if (count === 0) return;
    const now = this.clock ? this.clock() : this.lastNow;
    const written = this.sink.write(this.out, count);
    this.frames.written += written;
    if (written < count) this.frames.writeErrors += count - written;
    this.outLength = 0;
    this.outCount = 0;
    const m = this.outMeta;
    for (let i = 0; i < count; i++) {
      const s = this.hosts[m.host[i]].stats;
      s.packetsSent++;
      if (m.kind[i] !== PacketKind.Reply) continue;
      const r = s.replies;
      r.count++;
      if (r.seqs.length < this.recordLimit) {
        r.seqs.push(m.seq[i]);
        r.ordinals.push(m.ordinal[i]);
        r.scheduledMs.push(m.scheduledMs[i]);
        r.appliedMs.push(now - m.readAt[i]);
        r.sinceSendMs.push(now - m.sentAt[i]);
      } else {
        r.truncated = true;
      }
    }
  }

  /** A snapshot of every counter (a copy). `reset` zeroes the counters afterwards; hosts keep
   *  counting request ordinals, so seeded decisions go on where they were. */
  stats(reset = false): NetsimStats {
    const hosts: Record<string, HostStats> = {};
    const totals = {
      hosts: this.hosts.length, received: 0, echoReplies: 0, packetsSent: 0, pending: 0, dropped: 0, duplicated: 0,
      duplicatesSent: 0, reordered: 0, corrupted: 0, late: 0, unreachable: 0, timeExceeded: 0,
    };
    for (const h of this.hosts) {
      const s = h.stats;
      hosts[s.address] = structuredClone(s);
      totals.received += s.received;
      totals.echoReplies += s.echoReplies;
      totals.packetsSent += s.packetsSent;
      totals.pending += s.pending;
      totals.dropped += s.dropped.count;
      totals.duplicated += s.duplicated.count;
      totals.duplicatesSent += s.duplicatesSent;
      totals.reordered += s.reordered.count;
      totals.corrupted += s.corrupted.count;
      totals.late += s.late.count;
      totals.unreachable += s.unreachable.count;
      totals.timeExceeded += s.timeExceeded.count;
      if (reset) {
        const fresh = newHostStats(s.address, s.rule);
        fresh.pending = s.pending;
        h.stats = fresh;
      }
    }
    const frames = { ...this.frames };
    if (reset) this.frames = newFrameStats();
    return { hosts, totals, frames, kernel: { tunTxDropped: 0, qdiscDropped: 0 } };
  }
}

/** Throws NetsimInputError (naming the field) for options the Responder would refuse. */
export function checkResponderOptions(options: ResponderOptions): void {
  if (options.seed !== undefined && (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff)) {
    throw new NetsimInputError('seed', `seed must be an integer 0..4294967295, got ${JSON.stringify(options.seed)}`);
  }
  if (options.recordLimit !== undefined && (!Number.isInteger(options.recordLimit) || options.recordLimit < 0)) {
    throw new NetsimInputError('recordLimit', `recordLimit must be a non-negative integer, got ${JSON.stringify(options.recordLimit)}`);
  }
  new Responder(options, { write: () => 0 });
}
