// One ping job on the main thread: validate, resolve names, split into shards (one Piscina
// task each), relay per-probe batches to onProbe, cancel on the AbortSignal, and merge the
// shards' summaries into one PingSummary in target order.
//
// Cancellation: the workers stop sending at once; replies already received still count;
// probes still in flight at that moment are withdrawn — not counted as sent, so they do not
// show up as loss — and a reply that arrives for one later is ignored (worker counter `late`).
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { ADDR_BYTES } from '../../../native-bindings/layout.js';
import { ProbeEventReader, type ProbeEventsMessage, type RecycleMessage } from '../shared/probe-events.js';
import { probeParametersOf } from '../shared/probe-parameters.js';
import type { FromWorkerMessage, PingTask, PingTaskResult } from '../shared/task.js';
import type { WorkerPool } from './pool.js';
import { decodeTargetSummary, unprobedTargetSummary } from '../../stats/summary-codec.js';
import type { PingRequest, PingSummary, ProbeResult, TargetSummary } from '../../types.js';
import { resolveTargets, type ResolvedTarget } from './resolve-targets.js';
import { planShards } from './shard-plan.js';
import { validatePingRequest, type ValidPingRequest } from './validate-request.js';

interface ShardRun {
  indices: number[];
  done: Promise<PingTaskResult>;
  cancel(): void;
}

export async function runPing(
  pool: WorkerPool, request: PingRequest, onProbe?: (probe: ProbeResult) => void,
): Promise<PingSummary> {
  const req = validatePingRequest(request);
  const startedAtMs = Date.now();
  const resolved = await resolveTargets(req.targets, req.literals, req.family);
  const addresses = resolved.map((r) => (r.ok ? r.address.text : ''));
  const summaries: TargetSummary[] = new Array<TargetSummary>(req.targets.length);
  const probeable: number[] = [];
  resolved.forEach((r, i) => {
    if (r.ok) probeable.push(i);
    else summaries[i] = unprobedTargetSummary(req.targets[i], undefined, `targets[${i}]: ${r.error}`);
  });
  const fillUnprobed = (): void => {
    for (const i of probeable) summaries[i] ??= unprobedTargetSummary(req.targets[i], addresses[i]);
  };
  if (req.signal?.aborted || probeable.length === 0) {
    fillUnprobed();
    return { targets: summaries, cancelled: req.signal?.aborted ?? false, startedAtMs, finishedAtMs: Date.now() };
  }

  let probeError: Error | undefined;
  const runs: ShardRun[] = [];
  const cancelAll = (): void => runs.forEach((r) => r.cancel());
  let relay: ((message: ProbeEventsMessage, port: MessagePort) => void) | null = null;
  if (onProbe !== undefined) {
    const reader = new ProbeEventReader(req.targets, addresses);
    relay = (message, port) => {
      if (probeError !== undefined) return;
      try {
        reader.forEach(message, onProbe);
      } catch (error) {
        probeError = error instanceof Error ? error : new Error(String(error));
        cancelAll();
        return;
      }
      const recycle: RecycleMessage = { type: 'recycle', buffer: message.buffer };
      port.postMessage(recycle, [message.buffer]);
    };
  }
  for (const indices of planShards(probeable, pool.threads, req.sendIntervalMs)) {
    runs.push(startShard(pool, req, indices, resolved, relay));
  }
  req.signal?.addEventListener('abort', cancelAll, { once: true });
  let results: PingTaskResult[];
  try {
    results = await Promise.all(runs.map((r) => r.done));
  } catch (error) {
    cancelAll();
    await Promise.allSettled(runs.map((r) => r.done));
    throw error;
  } finally {
    req.signal?.removeEventListener('abort', cancelAll);
  }
  if (probeError !== undefined) throw probeError;
  let cancelled = false;
  runs.forEach((run, s) => {
    const result = results[s];
    cancelled ||= result.cancelled;
    run.indices.forEach((i, k) => {
      summaries[i] = decodeTargetSummary(result.summaries, k, req.targets[i], addresses[i]);
    });
  });
  fillUnprobed();
  return { targets: summaries, cancelled, startedAtMs, finishedAtMs: Date.now() };
}

function startShard(
  pool: WorkerPool, req: ValidPingRequest, indices: number[], resolved: ResolvedTarget[],
  relay: ((message: ProbeEventsMessage, port: MessagePort) => void) | null,
): ShardRun {
  const n = indices.length;
  const addressSlots = new Uint8Array(n * ADDR_BYTES);
  const families = new Uint8Array(n);
  const targetIndices = new Uint32Array(n);
  const offsetsMs = req.schedule === null ? null : new Float64Array(n);
  indices.forEach((i, k) => {
    const r = resolved[i];
    if (!r.ok) return;
    addressSlots.set(r.address.bytes, k * ADDR_BYTES);
    families[k] = r.address.family;
    targetIndices[k] = i;
    if (offsetsMs !== null) offsetsMs[k] = req.schedule!.offsetsMs[i];
  });
  const { port1, port2 } = new MessageChannel();
  const task: PingTask = {
    addresses: addressSlots,
    families,
    targetIndices,
    ...probeParametersOf(req),
    port: port2,
    streamProbes: relay !== null,
    schedule: offsetsMs === null ? null : { originMs: req.schedule!.originMs, offsetsMs, spacingMs: req.schedule!.spacingMs },
  };
  let portOpen = true;
  const closePort = (): void => {
    if (!portOpen) return;
    portOpen = false;
    port1.close();
  };
  // The task's result and the port's 'done' may arrive in either order; per-probe batches
  // all precede 'done' on the port.
  const drained = new Promise<void>((resolve) => {
    port1.on('message', (message: FromWorkerMessage) => {
      if (message.type === 'probes') {
        if (portOpen) relay?.(message, port1);
      } else if (message.type === 'done') resolve();
    });
    port1.once('close', () => resolve());
  });
  const done = pool
    .run(task, [port2 as MessagePort, addressSlots.buffer, families.buffer, targetIndices.buffer, ...(offsetsMs === null ? [] : [offsetsMs.buffer])])
    .then(async (result) => {
      await drained;
      return result;
    })
    .finally(closePort);
  return {
    indices,
    done,
    cancel: () => {
      if (portOpen) port1.postMessage({ type: 'cancel' });
    },
  };
}
