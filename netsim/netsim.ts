// startNetsim(): a deterministic network simulator for tests, benchmarks and demos.
//
// It creates its own network namespace (sonde-sim-<pid>-<n>), a TUN device inside it holding
// the namespace's only addresses (198.19.255.254/32, 2001:db8:ffff::fe/128) and routes
// 198.18.0.0/15 and 2001:db8::/32 to that device. A worker thread answers the echo requests
// arriving on the device according to per-host profiles (see profile.ts).
//
// How the engine under test gets inside: not through a child process under `ip netns exec`,
// but in-process — createEngine({ netns: sim.netns }) makes the native binding setns() the
// creating thread into the namespace just long enough to open each socket (a socket keeps the
// namespace it was created in), then return. The engine's workers and the test share one
// process, so the test receives the exact per-probe callbacks, with no output to parse, and
// compares them with sim.stats(): both sides account for every probe.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LOCAL_V4, LOCAL_V6, NetsimInputError } from './addresses.js';
import { configureTun, createNamespace, deleteNamespace, netsimAvailability, tunDrops, verifyIsolation, type SimNamespace } from './namespace.js';
import type { HostProfile } from './profile.js';
import type { WorkerInit, WorkerMessage, WorkerRequest } from './protocol.js';
import { checkResponderOptions, type ResponderOptions } from './responder.js';
import type { HostStats, NetsimStats } from './stats.js';

export interface NetsimOptions extends ResponderOptions {
  /** TUN device name inside the namespace (default "sonde-sim0"). */
  tunName?: string;
}

export interface Netsim {
  /** Namespace name, e.g. sonde-sim-1234-0. */
  readonly name: string;
  /** Namespace path (/run/netns/NAME): pass it as createEngine({ netns }). */
  readonly netns: string;
  readonly tun: string;
  /** The namespace's own addresses (the source of every probe, the destination of every reply). */
  readonly localV4: string;
  readonly localV6: string;
  /** Sets (or with null removes) the profile of an address or prefix while running. */
  setProfile(addressOrPrefix: string, profile: HostProfile | null): Promise<void>;
  /** Profile of addresses no rule matches; null = no answer. */
  setDefaultProfile(profile: HostProfile | null): Promise<void>;
  /** What the simulator received and did, per host. `reset` zeroes the counters after reading. */
  stats(options?: { reset?: boolean }): Promise<NetsimStats>;
  /** One host's stats (undefined if it never received a request). */
  host(address: string): Promise<HostStats | undefined>;
  /** Stops the packet loop, closes the device and removes the namespace. Idempotent. */
  stop(): Promise<void>;
}

export { netsimAvailability };

function workerPath(): string {
  const here = fileURLToPath(import.meta.url);
  const file = here.endsWith('.ts')
    ? resolve(dirname(here), '../dist/netsim/sim-worker.js')
    : resolve(dirname(here), 'sim-worker.js');
  if (!existsSync(file)) throw new Error(`netsim: ${file} is missing; run "npm run build" first (the packet loop runs as built JS in a worker thread)`);
  return file;
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

class RunningNetsim implements Netsim {
  readonly localV4 = LOCAL_V4;
  readonly localV6 = LOCAL_V6;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;
  private stopping: Promise<void> | null = null;

  constructor(private readonly ns: SimNamespace, readonly tun: string, private readonly worker: Worker) {
    worker.on('message', (m: WorkerMessage) => {
      if (m.type !== 'reply') return;
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (!w) return;
      if (m.ok) w.resolve(m.result);
      else w.reject(m.field ? new NetsimInputError(m.field, m.message) : new Error(`netsim: ${m.message}`));
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    worker.on('error', (e) => fail(new Error(`netsim: the packet loop of ${ns.name} crashed: ${e.message}`)));
    worker.on('exit', (code) => fail(new Error(`netsim: the packet loop of ${ns.name} exited (code ${code})`)));
  }

  get name(): string {
    return this.ns.name;
  }

  get netns(): string {
    return this.ns.path;
  }

  request<T>(req: WithoutId<WorkerRequest>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id });
    });
  }

  async setProfile(addressOrPrefix: string, profile: HostProfile | null): Promise<void> {
    await this.request({ op: 'setRule', key: addressOrPrefix, profile });
  }

  async setDefaultProfile(profile: HostProfile | null): Promise<void> {
    await this.request({ op: 'setDefault', profile });
  }

  async stats(options: { reset?: boolean } = {}): Promise<NetsimStats> {
    const [stats, kernel] = await Promise.all([
      this.request<NetsimStats>({ op: 'stats', reset: options.reset === true }),
      tunDrops(this.ns, this.tun),
    ]);
    stats.kernel = kernel;
    return stats;
  }

  async host(address: string): Promise<HostStats | undefined> {
    return (await this.stats()).hosts[address];
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      try {
        if (!this.failure) await this.request({ op: 'stop' });
      } catch {
        // the worker is gone already; terminate below
      } finally {
        await this.worker.terminate();
        await deleteNamespace(this.ns.name);
      }
    })();
    return this.stopping;
  }
}

/** Starts a simulator. Throws (and leaves nothing behind) when it cannot prove isolation. */
export async function startNetsim(options: NetsimOptions = {}): Promise<Netsim> {
  const availability = netsimAvailability();
  if (!availability.ok) throw new Error(`netsim: ${availability.reason}`);
  const { tunName = 'sonde-sim0', ...responder } = options;
  checkResponderOptions(responder);
  const file = workerPath();
  const ns = await createNamespace();
  let worker: Worker | null = null;
  try {
    const init: WorkerInit = { netns: ns.path, tunName, responder };
    // --input-type (node -e scripts) is refused by workers; nothing else needs dropping.
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
    worker = new Worker(file, { workerData: init, execArgv });
    const w = worker;
    let onMessage: (m: WorkerMessage) => void = () => undefined;
    let onError: (e: Error) => void = () => undefined;
    let onExit: (code: number) => void = () => undefined;
    const tun = await new Promise<string>((resolveReady, rejectReady) => {
      onMessage = (m) => {
        if (m.type === 'ready') resolveReady(m.tunName);
        else if (m.type === 'failed') rejectReady(m.field ? new NetsimInputError(m.field, m.message) : new Error(`netsim: ${m.message}`));
      };
      onError = (e) => rejectReady(new Error(`netsim: the packet loop failed to start: ${e.message}`));
      onExit = (code) => rejectReady(new Error(`netsim: the packet loop exited during start (code ${code})`));
      w.on('message', onMessage).on('error', onError).on('exit', onExit);
    }).finally(() => w.off('message', onMessage).off('error', onError).off('exit', onExit));
    await configureTun(ns, tun);
    await verifyIsolation(ns, tun);
    const sim = new RunningNetsim(ns, tun, worker);
    await sim.request({ op: 'start' });
    return sim;
  } catch (e) {
    await worker?.terminate();
    await deleteNamespace(ns.name);
    throw e;
  }
}
