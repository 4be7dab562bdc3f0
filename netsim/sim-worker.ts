// The simulator's packet loop, in its own worker thread (loaded from dist/: workers cannot
// load .ts). It owns the TUN device: reads batches of frames, lets the Responder decide, writes
// batches back. Delayed replies wait in the Responder's heap; one timer (or, in the last
// millisecond, setImmediate turns that keep polling I/O) releases whatever is due.
import { parentPort, workerData } from 'node:worker_threads';
import { native, type TunDevice } from '../native-bindings/index.js';
import type { WorkerInit, WorkerMessage, WorkerRequest } from './protocol.js';
import { Responder } from './responder.js';

const READ_BYTES = 1 << 20;
/** Below this wait (ms), poll with setImmediate instead of a timer: libuv timers have 1 ms
 *  resolution and can fire up to 1 ms early or late against the real clock. */
const SPIN_MS = 1.5;
/** Read rounds per readable event before giving the timers a turn. */
const MAX_ROUNDS = 16;

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (m: WorkerMessage) => port.postMessage(m);

let tun: TunDevice;
let responder: Responder;
try {
  responder = new Responder(init.responder, { write: (frames, count) => tun.write(frames, count) }, () => performance.now());
  tun = native.openTun(init.tunName, { netns: init.netns });
  post({ type: 'ready', tunName: tun.name });
} catch (e) {
  const err = e as Error & { field?: string };
  post({ type: 'failed', message: err.message, field: err.field });
  port.close();
  throw e;
}

const readBuf = Buffer.allocUnsafe(READ_BYTES);
let timer: NodeJS.Timeout | null = null;
let immediate: NodeJS.Immediate | null = null;
let armedFor = Infinity;
let running = false;

/** Maps the monotonic clock to CLOCK_REALTIME (for payload send times). A new sample replaces
 *  the last one only when the two realtime reads around it are close, i.e. the thread was not
 *  preempted in between. */
let realtimeSynced = false;
function syncRealtime(): void {
  const before = native.realtimeNs();
  const mono = performance.now();
  const after = native.realtimeNs();
  if (realtimeSynced && after - before > 50_000n) return;
  responder.setRealtime(mono, Number(before + (after - before) / 2n) / 1e6);
  realtimeSynced = true;
}

function onReadable(): void {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const n = tun.read(readBuf);
    if (n === 0) break;
    const now = performance.now();
    syncRealtime();
    responder.releaseDue(now);
    responder.handleFrames(readBuf, n, now);
    responder.flush();
  }
  arm();
}

function onDue(): void {
  timer = null;
  immediate = null;
  armedFor = Infinity;
  responder.releaseDue(performance.now());
  responder.flush();
  arm();
}

function disarm(): void {
  if (timer) clearTimeout(timer);
  if (immediate) clearImmediate(immediate);
  timer = null;
  immediate = null;
  armedFor = Infinity;
}

function arm(): void {
  if (!running) return;
  const due = responder.nextDue();
  if (due === Infinity || due >= armedFor) return;
  disarm();
  armedFor = due;
  const wait = due - performance.now();
  if (wait <= SPIN_MS) immediate = setImmediate(onDue);
  else timer = setTimeout(onDue, wait - SPIN_MS + 0.5);
}

port.on('message', (req: WorkerRequest) => {
  try {
    let result: unknown;
    switch (req.op) {
      case 'start':
        running = true;
        tun.startPolling(onReadable);
        onReadable();
        break;
      case 'setRule':
        responder.setRule(req.key, req.profile);
        break;
      case 'setDefault':
        responder.setDefaultProfile(req.profile);
        break;
      case 'stats':
        result = responder.stats(req.reset);
        break;
      case 'stop':
        running = false;
        disarm();
        tun.stopPolling();
        tun.close();
        break;
    }
    post({ type: 'reply', id: req.id, ok: true, result });
    if (req.op === 'stop') port.close();
  } catch (e) {
    const err = e as Error & { field?: string };
    post({ type: 'reply', id: req.id, ok: false, message: err.message, field: err.field });
  }
});
