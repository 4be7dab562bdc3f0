// What the simulator reports about itself (sim.stats()). Every list is capped at the
// simulator's recordLimit per host; `truncated` says when entries were left out (counts stay exact).

/** Requests that something happened to: their ICMP sequence numbers and their 1-based
 *  ordinals (n-th request to the host), in the order the requests arrived. */
export interface EventList {
  count: number;
  seqs: number[];
  ordinals: number[];
  truncated: boolean;
}

/** Echo replies as written (first copies only, errors and duplicate copies excluded), in
 *  write order, with the delay the simulator meant to apply and what it applied, measured in
 *  the simulator: from reading the request off the TUN device (appliedMs), and from the send
 *  time the request carried in its payload (sinceSendMs; NaN when it carried none — see
 *  ResponderOptions.delayFrom). */
export interface ReplyList {
  count: number;
  seqs: number[];
  ordinals: number[];
  scheduledMs: number[];
  appliedMs: number[];
  sinceSendMs: number[];
  truncated: boolean;
}

export interface HostStats {
  address: string;
  /** The `hosts` key whose profile applies, or "(default)". */
  rule: string;
  /** Echo requests received. */
  received: number;
  /** Requests answered with an echo reply (however delayed, corrupted or duplicated). */
  echoReplies: number;
  /** Packets written for this host: every copy, ICMP errors included. */
  packetsSent: number;
  /** Packets scheduled and not yet written. */
  pending: number;
  /** Requests that got no answer at all. */
  dropped: EventList;
  droppedBy: { loss: number; blackhole: number; rateLimit: number; bottleneck: number };
  /** Requests whose reply was sent more than once; duplicatesSent counts the extra copies. */
  duplicated: EventList;
  duplicatesSent: number;
  reordered: EventList;
  corrupted: EventList;
  late: EventList;
  unreachable: EventList;
  timeExceeded: EventList;
  replies: ReplyList;
}

export interface FrameStats {
  /** TUN frames read. */
  read: number;
  /** TUN frames written. */
  written: number;
  /** Packets that are not ICMP echo requests (e.g. IPv6 router solicitations): ignored. */
  ignored: number;
  /** Packets too short or inconsistent to parse, or echo requests with a bad checksum. */
  malformed: number;
  /** Echo requests whose source is not one of the namespace's own addresses: ignored. */
  foreignSource: number;
  /** Echo requests to addresses outside the simulator's ranges: ignored. */
  outsideRange: number;
  /** Packets the safety check refused to write (destination not a local address). Always 0
   *  unless the simulator has a bug. */
  unsafeRefused: number;
  /** Frames the TUN device did not accept. */
  writeErrors: number;
  /** Largest number of packets waiting in the delay queue at once. */
  queueHighWater: number;
}

export interface NetsimTotals {
  hosts: number;
  received: number;
  echoReplies: number;
  packetsSent: number;
  pending: number;
  dropped: number;
  duplicated: number;
  duplicatesSent: number;
  reordered: number;
  corrupted: number;
  late: number;
  unreachable: number;
  timeExceeded: number;
}

/** Drops on the kernel side of the TUN device, inside the namespace: packets the engine sent
 *  that never reached the simulator. Non-zero means losses the simulator did not decide.
 *  Cumulative since start (stats({ reset }) does not zero them). */
export interface KernelStats {
  /** The TUN device's tx drops (its queue to the simulator was full). */
  tunTxDropped: number;
  /** Drops in the device's queueing discipline. */
  qdiscDropped: number;
}

export interface NetsimStats {
  /** Keyed by host address (canonical text). */
  hosts: Record<string, HostStats>;
  totals: NetsimTotals;
  frames: FrameStats;
  /** Filled by sim.stats() (the Responder alone has no device): zeros there. */
  kernel: KernelStats;
}

export function emptyEventList(): EventList {
  return { count: 0, seqs: [], ordinals: [], truncated: false };
}

export function emptyReplyList(): ReplyList {
  return { count: 0, seqs: [], ordinals: [], scheduledMs: [], appliedMs: [], sinceSendMs: [], truncated: false };
}
