// The schedule of a tcp, dns or http monitor: what the ICMP workers do for a ProbeSchedule,
// for probes that are sockets of the main thread. Member j's k-th probe of round r is planned
// at origin + r·period + offset[j] + k·spacing (the grid of monitor-runner.ts, so an outcome's
// seq says where it was planned); one timer per job wakes at the next planned probe or the
// next deadline. A probe more than an interval late is skipped (its seq is a gap, counted as
// a skipped slot). A probe still open at its deadline is a timeout, its socket destroyed then
// and there; one that ends after its deadline but before the timer fired is a timeout too, so
// no answer slower than timeoutMs is ever counted as one.
//
// Per probe the job allocates nothing: flights are pooled, the timeout queue is a ring of
// pool indices (the timeout is the same for every probe of a job, so deadlines come in start
// order), and the prober (tcp-prober.ts, dns-prober.ts, http-prober.ts) reports into the flight.

/** Socket probes in flight at most per process, every tcp/dns/http monitor together: a due
 *  probe beyond it waits (and is skipped once an interval late, counted in skippedSlots).
 *  It bounds file descriptors (ulimit -n is often 1024..65,536) and the event loop's work
 *  per turn; at a 1 s timeout it allows 8,192 answers per second from hanging targets. */
export const MONITOR_SOCKET_CONCURRENCY = 8192;

/** The in-flight count shared by every socket job of a process. */
export class SocketBudget {
  inFlight = 0;
  constructor(readonly limit: number = MONITOR_SOCKET_CONCURRENCY) {}
}

export const OUTCOME_OK = 0;
export const OUTCOME_TIMEOUT = 1;
export const OUTCOME_ERROR = 2;

/** One probe in flight (pooled). The prober fills the outcome fields, then calls the job. */
export class Flight {
  readonly index: number;
  targetIndex = 0;
  seq = 0;
  plannedMs = 0;
  /** Wall-clock ms when the probe started (its send time, for the drift). */
  startedMs = 0;
  /** performance.now() at the start: durations are measured from it. */
  startPerf = 0;
  deadlinePerf = 0;
  /** Changes every time the flight is released: a late callback of an earlier probe sees another. */
  gen = 0;
  busy = false;
  status = OUTCOME_OK;
  errorIndex = 0;
  rttNs = NaN;
  /** HTTP phases of this probe, ns; NaN when the phase did not happen (a reused connection). */
  connectNs = NaN;
  tlsNs = NaN;
  ttfbNs = NaN;
  /** The server certificate's notAfter, ms since the epoch (https); NaN when unknown. */
  certExpiresAtMs = NaN;
  /** The prober's handle (a socket, a request). */
  handle: unknown = null;

  constructor(index: number) {
    this.index = index;
  }
}

/** One kind of socket probe, for one job's targets (its constructor takes them). */
export interface SocketProber {
  /** Starts a probe of flight.targetIndex; reports once through job.ok / job.fail. */
  start(flight: Flight, job: SocketJob): void;
  /** Tears a probe down at once (its deadline passed, or the job stops): nothing is reported. */
  cancel(flight: Flight): void;
  /** The job stopped: release what is kept between probes (kept-alive connections). */
  close(): void;
}

export interface SocketSchedule {
  targets: number;
  originMs: number;
  periodMs: number;
  offsetsMs: Float64Array;
  count: number;
  spacingMs: number;
  timeoutMs: number;
}

function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

export class SocketJob {
  private readonly pool: Flight[] = [];
  private readonly free: Flight[] = [];
  private ring = new Int32Array(1024);
  private ringGen = new Float64Array(1024);
  private head = 0;
  private size = 0;
  /** Next position per probe index k of a round: round = floor(p / targets), member = p mod targets. */
  private readonly cursor: Float64Array;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private resolveDone: (() => void) | null = null;
  private readonly wake = (): void => this.turn();

  constructor(
    private readonly prober: SocketProber,
    private readonly s: SocketSchedule,
    private readonly budget: SocketBudget,
    private readonly onOutcome: (flight: Flight) => void,
  ) {
    this.cursor = new Float64Array(s.count);
    const now = wallMs();
    const n = s.targets;
    const firstRound = Math.max(0, Math.floor((now - s.originMs) / s.periodMs));
    for (let k = 0; k < s.count; k++) {
      let p = firstRound * n;
      while (this.plannedAt(k, p) < now) p++;
      this.cursor[k] = p;
    }
  }

  /** Runs until the signal aborts; probes in flight then are withdrawn (not reported). */
  run(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      this.resolveDone = resolve;
      if (signal.aborted) return this.stop();
      signal.addEventListener('abort', () => this.stop(), { once: true });
      this.turn();
    });
  }

  /** The probe of `flight` (started as generation `gen`) was answered in rttNs. */
  ok(flight: Flight, gen: number, rttNs: number): void {
    if (flight.gen !== gen || !flight.busy) return;
    flight.rttNs = rttNs;
    flight.status = OUTCOME_OK;
    this.conclude(flight);
  }

  /** The probe failed with a window error index (error-kinds.ts), or timed out (errorIndex < 0). */
  fail(flight: Flight, gen: number, errorIndex: number): void {
    if (flight.gen !== gen || !flight.busy) return;
    flight.status = errorIndex < 0 ? OUTCOME_TIMEOUT : OUTCOME_ERROR;
    flight.errorIndex = errorIndex;
    this.conclude(flight);
  }

  private plannedAt(k: number, p: number): number {
    const n = this.s.targets;
    const round = Math.floor(p / n);
    return this.s.originMs + round * this.s.periodMs + this.s.offsetsMs[p - round * n] + k * this.s.spacingMs;
  }

  private conclude(flight: Flight): void {
    // past the deadline (the timer not run yet) is a timeout, whatever came back
    if (performance.now() > flight.deadlinePerf) flight.status = OUTCOME_TIMEOUT;
    this.onOutcome(flight);
    this.release(flight);
  }

  private release(flight: Flight): void {
    flight.busy = false;
    flight.gen++;
    flight.handle = null;
    this.free.push(flight);
    this.budget.inFlight--;
  }

  private turn(): void {
    this.timer = null;
    if (this.stopped) return;
    this.expire(performance.now());
    const now = wallMs();
    const s = this.s;
    const n = s.targets;
    let next = Infinity;
    let blocked = false;
    for (let k = 0; k < s.count; k++) {
      let p = this.cursor[k];
      for (;;) {
        const planned = this.plannedAt(k, p);
        if (planned > now) {
          if (planned < next) next = planned;
          break;
        }
        if (now - planned > s.periodMs) {
          p++; // more than an interval late: skipped (a gap in the target's seq)
          continue;
        }
        if (this.budget.inFlight >= this.budget.limit) {
          blocked = true;
          break;
        }
        const round = Math.floor(p / n);
        this.launch(p - round * n, round * s.count + k, planned, now);
        p++;
      }
      this.cursor[k] = p;
    }
    if (this.size > 0) next = Math.min(next, this.peekDeadlineWall());
    const delay = blocked ? 1 : Math.max(0, next - wallMs());
    this.timer = setTimeout(this.wake, delay);
  }

  private launch(targetIndex: number, seq: number, planned: number, now: number): void {
    let flight = this.free.pop();
    if (flight === undefined) {
      flight = new Flight(this.pool.length);
      this.pool.push(flight);
    }
    flight.busy = true;
    flight.targetIndex = targetIndex;
    flight.seq = seq;
    flight.plannedMs = planned;
    flight.startedMs = now;
    flight.startPerf = performance.now();
    flight.deadlinePerf = flight.startPerf + this.s.timeoutMs;
    flight.rttNs = NaN;
    flight.connectNs = NaN;
    flight.tlsNs = NaN;
    flight.ttfbNs = NaN;
    flight.certExpiresAtMs = NaN;
    flight.errorIndex = 0;
    this.budget.inFlight++;
    this.push(flight);
    this.prober.start(flight, this);
  }

  private push(flight: Flight): void {
    if (this.size === this.ring.length) {
      // more probes started within one timeout than the ring holds: grow it (rare, not per probe)
      const ring = new Int32Array(this.ring.length * 2);
      const gens = new Float64Array(this.ring.length * 2);
      for (let i = 0; i < this.size; i++) {
        const at = (this.head + i) % this.ring.length;
        ring[i] = this.ring[at];
        gens[i] = this.ringGen[at];
      }
      this.ring = ring;
      this.ringGen = gens;
      this.head = 0;
    }
    const at = (this.head + this.size) % this.ring.length;
    this.ring[at] = flight.index;
    this.ringGen[at] = flight.gen;
    this.size++;
  }

  /** Pops concluded flights off the ring and times out the ones past their deadline. */
  private expire(nowPerf: number): void {
    while (this.size > 0) {
      const flight = this.pool[this.ring[this.head]];
      const current = flight.busy && flight.gen === this.ringGen[this.head];
      if (current && flight.deadlinePerf > nowPerf) return;
      this.head = (this.head + 1) % this.ring.length;
      this.size--;
      if (!current) continue;
      this.prober.cancel(flight);
      flight.status = OUTCOME_TIMEOUT;
      this.onOutcome(flight);
      this.release(flight);
    }
  }

  private peekDeadlineWall(): number {
    // the head may have concluded already: waking for it only pops it
    const flight = this.pool[this.ring[this.head]];
    return performance.timeOrigin + flight.deadlinePerf;
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const flight of this.pool) {
      if (!flight.busy) continue;
      this.prober.cancel(flight);
      this.release(flight);
    }
    this.size = 0;
    this.prober.close();
    this.resolveDone?.();
  }
}
