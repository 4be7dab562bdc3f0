// Messages from the bus: agent records and heartbeats (KV puts), work for an agent, results
// for the controller, window batches, cancels — generated from the wire schemas
// (engine/bus/agent-wire.ts, engine/distributed/window-wire.ts), mutated like HTTP bodies,
// and published raw on the subjects a controller (`sonde serve --nats`) and an agent
// (`sonde agent`) read, under their own keys and subjects and under others'.
//
// decodeCases() is the pure part: every decoder answers ok or a reason, never throws, and an
// accepted value re-encodes to itself. runBusCampaign() is the live part. Its properties: both
// processes live and the controller's /healthz answers 200 after every batch; no agent is
// listed but the real one and those whose record the decoder accepts under their own key (a
// rejected record never becomes an agent); the controller's agent_windows hold exactly the
// windows of the batches the decoder accepts on their own agent's subject (none of a rejected
// one, none lost). Work that would probe is checked on the bytes sent like an HTTP body
// (loopback only, capped counts; destinations.ts).
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  AgentRecordSchema, HeartbeatSchema, ResultSchema, WorkSchema, decodeAgentRecord, decodeHeartbeat, decodeResult, decodeWork, encodeBusMessage,
} from '../../../engine/bus/agent-wire.js';
import { BUCKETS, agentKey, decodeToken, subjects } from '../../../engine/bus/subjects.js';
import { agentSeriesId } from '../../../engine/distributed/agent-series.js';
import { WindowBatchSchema, decodeWindowBatch, encodeWindowBatch } from '../../../engine/distributed/window-wire.js';
import { windowSubject } from '../../../engine/distributed/window-stream.js';
import { applyMutation, mutationArbitrary, type Mutation } from './mutations.js';
import { constrainedFields, unsafeJsonReason } from './destinations.js';
import { schemaArbitrary, type JsonSchema, type Override } from './schema-arbitrary.js';

export type BusKind = 'record' | 'heartbeat' | 'work' | 'result' | 'windows' | 'cancel';

/** Names agents on the bus: the real one, made-up ones, and odd strings. */
const NAMES = (real: string): fc.Arbitrary<string> => fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(real, 'ghost-1', 'ghost.2', 'web=01') },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
);

/** Field generators: names from NAMES; what a work message probes from loopback, capped. */
function overrideFor(real: string): Override {
  return (key, schema) => {
    if (key === 'hostname' || key === 'agent') return NAMES(real);
    // a stored address in a window, and a result's target, are never probed: any string
    if (key === 'address' || key === 'target') return undefined;
    return constrainedFields(key, schema);
  };
}

const SCHEMAS: Record<Exclude<BusKind, 'cancel'>, JsonSchema> = {
  record: AgentRecordSchema as unknown as JsonSchema,
  heartbeat: HeartbeatSchema as unknown as JsonSchema,
  work: WorkSchema as unknown as JsonSchema,
  result: ResultSchema as unknown as JsonSchema,
  windows: WindowBatchSchema as unknown as JsonSchema,
};

export interface BusCase {
  kind: BusKind;
  value: unknown;
  mutation: Mutation;
  /** Which key or subject the message goes to (modulo the choices of its kind). */
  where: number;
}

export function busCaseArbitrary(real: string): fc.Arbitrary<BusCase> {
  const override = overrideFor(real);
  const valueOf = (kind: BusKind): fc.Arbitrary<unknown> => kind === 'cancel'
    ? fc.oneof(fc.string({ maxLength: 64 }), fc.constant(''))
    : schemaArbitrary(SCHEMAS[kind], override);
  return fc.constantFrom<BusKind>('record', 'heartbeat', 'work', 'result', 'windows', 'cancel')
    .chain((kind) => fc.record({ kind: fc.constant(kind), value: valueOf(kind), mutation: mutationArbitrary, where: fc.nat() }));
}

/** The bytes of a case (the mutation's content type is meaningless on the bus and dropped). */
export function caseBytes(c: BusCase): Buffer {
  if (c.kind === 'cancel' && c.mutation.kind === 'none') return Buffer.from(String(c.value), 'utf8');
  return applyMutation(c.value, c.mutation).bytes;
}

type Decoder = (data: Uint8Array) => { ok: true; value: unknown } | { ok: false; reason: string };
const DECODERS: Record<Exclude<BusKind, 'cancel'>, Decoder> = {
  record: decodeAgentRecord, heartbeat: decodeHeartbeat, work: decodeWork, result: decodeResult,
  windows: (data) => {
    const d = decodeWindowBatch(data);
    return d.ok ? { ok: true, value: d.batch } : d;
  },
};

export interface DecodeStats { cases: number; accepted: Map<BusKind, number>; rejected: Map<BusKind, number> }

/**
 * The decoders on generated and mutated messages: ok or a reason string, never a throw; an
 * accepted value encodes to bytes that decode to the same value.
 */
export function decodeCases(opts: { seed: number; cases: number }): DecodeStats {
  const stats: DecodeStats = { cases: 0, accepted: new Map(), rejected: new Map() };
  const bump = (m: Map<BusKind, number>, k: BusKind): void => { m.set(k, (m.get(k) ?? 0) + 1); };
  fc.assert(fc.property(busCaseArbitrary('agent-x'), (c) => {
    if (c.kind === 'cancel') return;
    stats.cases++;
    const d = DECODERS[c.kind](caseBytes(c));
    if (!d.ok) {
      if (typeof d.reason !== 'string' || d.reason === '') throw new Error(`a ${c.kind} was rejected without a reason`);
      bump(stats.rejected, c.kind);
      return;
    }
    bump(stats.accepted, c.kind);
    const again = c.kind === 'windows'
      ? DECODERS.windows(encodeWindowBatch(d.value as Parameters<typeof encodeWindowBatch>[0]))
      : DECODERS[c.kind](encodeBusMessage(d.value as Parameters<typeof encodeBusMessage>[0]));
    if (!again.ok) throw new Error(`an accepted ${c.kind} does not decode once re-encoded: ${again.reason}`);
    if (JSON.stringify(again.value) !== JSON.stringify(d.value)) throw new Error(`an accepted ${c.kind} changed when re-encoded`);
  }), { seed: opts.seed, numRuns: opts.cases, endOnFailure: true });
  return stats;
}

export interface BusTarget {
  natsUrl: string;
  /** The controller's base URL and admin key. */
  controllerUrl: string;
  controllerKey: string;
  /** The controller's SQLite file (read-only here). */
  controllerDb: string;
  /** The one real `sonde agent` on the bus. */
  agent: string;
  /** Both processes are running. */
  alive(): boolean;
}

export interface BusStats {
  messages: number;
  byKind: Map<BusKind, number>;
  /** Messages the local decoder accepts (the rest must change nothing). */
  accepted: number;
  /** Work whose probe would leave loopback or run long: replaced by `{}` before sending. */
  guarded: number;
  /** Too big for the server's max_payload: refused by the client, not sent. */
  tooBig: number;
  /** Records accepted under their own key: the agents that may be listed besides the real one. */
  agentsAccepted: Set<string>;
  /** Windows (agent|target|start|monitor|span) that must be stored. */
  windowsAccepted: Set<string>;
}

/** Where a case goes: the subject to publish on, and what the decoder's answer implies. */
function route(c: BusCase, real: string, value: unknown): { subject: string; key?: string } {
  const pick = <T>(list: T[]): T => list[c.where % list.length];
  const named = (v: unknown): string | undefined => {
    const h = (v as { hostname?: unknown; agent?: unknown } | null);
    const n = typeof h?.hostname === 'string' ? h.hostname : typeof h?.agent === 'string' ? h.agent : undefined;
    return n === undefined || n === '' ? undefined : n;
  };
  const own = named(value);
  switch (c.kind) {
    case 'record':
    case 'heartbeat': {
      const bucket = c.kind === 'record' ? BUCKETS.agents : BUCKETS.heartbeats;
      // under its own name's key (the accepted path), the real agent's, or keys the escape cannot make
      const key = pick([own !== undefined ? agentKey(own) : 'none', agentKey('ghost-1'), 'ghost-1.x', '=41', 'a=2E']);
      // never a record under the real agent's key: a valid one would replace its registration
      const safeKey = c.kind === 'record' && key === agentKey(real) ? agentKey('ghost-1') : key;
      return { subject: `$KV.${bucket}.${safeKey}`, key: safeKey };
    }
    case 'work': return { subject: pick([subjects.work(real), subjects.work(real), subjects.work('ghost-1')]) };
    case 'result': return { subject: pick([subjects.result(real, 'fuzz-call'), subjects.result(own ?? real, 'x'), 'sonde.result.x', `sonde.result.${agentKey(real)}.=ZZ`]) };
    case 'windows': return { subject: pick([own !== undefined ? windowSubject(own) : windowSubject(real), windowSubject(real), 'sonde.windows.zz']) };
    case 'cancel': return { subject: subjects.cancel(real) };
  }
}

const MAX_PAYLOAD = 1024 * 1024 - 4096;

async function controllerGet(t: BusTarget, path: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${t.controllerUrl}${path}`, { headers: { authorization: `Bearer ${t.controllerKey}` }, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  let json: unknown = null;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: res.status, json };
}

/** Every window key stored in the controller's agent_windows. */
function storedWindows(dbPath: string): Set<string> {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT agent, target_id AS t, start_at AS s, monitor_id AS m, span_ms AS span FROM agent_windows').all() as { agent: string; t: string; s: number; m: string; span: number }[];
    return new Set(rows.map((r) => `${r.agent}|${r.t}|${r.s}|${r.m}|${r.span}`));
  } finally {
    db.close();
  }
}

export async function runBusCampaign(t: BusTarget, opts: { seed: number; cases: number; batch?: number }): Promise<BusStats> {
  const stats: BusStats = { messages: 0, byKind: new Map(), accepted: 0, guarded: 0, tooBig: 0, agentsAccepted: new Set([t.agent]), windowsAccepted: new Set() };
  const nc: NatsConnection = await connect({ servers: t.natsUrl, name: 'sonde-bus-fuzz' });
  try {
    await fc.assert(fc.asyncProperty(fc.array(busCaseArbitrary(t.agent), { minLength: 1, maxLength: opts.batch ?? 10 }), async (batch) => {
      for (const c of batch) {
        let bytes = caseBytes(c);
        let value: unknown = null;
        try { value = JSON.parse(bytes.toString('utf8')); } catch { /* not JSON: harmless */ }
        const { subject, key } = route(c, t.agent, value);
        if (c.kind === 'work' && value !== null && typeof value === 'object' && unsafeJsonReason((value as { op?: unknown }).op) !== null) {
          stats.guarded++;
          bytes = Buffer.from('{}');
          value = {};
        }
        if (bytes.length > MAX_PAYLOAD) {
          stats.tooBig++;
          continue;
        }
        // what the decoder says decides what may change
        if (c.kind === 'record') {
          const d = decodeAgentRecord(bytes);
          if (d.ok && key !== undefined && decodeToken(key) === d.value.hostname) {
            stats.accepted++;
            stats.agentsAccepted.add(d.value.hostname);
          }
        } else if (c.kind === 'windows') {
          const d = decodeWindowBatch(bytes);
          if (d.ok && subject === windowSubject(d.batch.agent)) {
            stats.accepted++;
            // stored under the series id: the monitor id, or `<id>#<phase>` for an http phase
            const series = agentSeriesId(d.batch.monitorId, d.batch.phase);
            for (const w of d.batch.windows) stats.windowsAccepted.add(`${d.batch.agent}|${w.targetId}|${w.startMs}|${series}|${d.batch.spanMs}`);
          }
        } else if (c.kind !== 'cancel' && DECODERS[c.kind](bytes).ok) {
          stats.accepted++;
        }
        nc.publish(subject, bytes);
        stats.messages++;
        stats.byKind.set(c.kind, (stats.byKind.get(c.kind) ?? 0) + 1);
      }
      await nc.flush();
      if (!t.alive()) throw new Error('the controller or the agent exited');
      const health = await controllerGet(t, '/healthz');
      if (health.status !== 200) throw new Error(`the controller's /healthz answered ${health.status}: ${JSON.stringify(health.json)}`);
      const agents = await controllerGet(t, '/v1/agents');
      if (agents.status !== 200) throw new Error(`GET /v1/agents answered ${agents.status}`);
      const listed = ((agents.json as { items: { hostname: string }[] }).items).map((a) => a.hostname);
      const unexpected = listed.filter((h) => !stats.agentsAccepted.has(h));
      if (unexpected.length > 0) throw new Error(`agents listed whose record was rejected: ${JSON.stringify(unexpected)}`);
      if (!listed.includes(t.agent)) throw new Error(`the real agent ${t.agent} is no longer listed: ${JSON.stringify(listed)}`);
      const stored = storedWindows(t.controllerDb);
      const foreign = [...stored].filter((w) => !stats.windowsAccepted.has(w));
      if (foreign.length > 0) throw new Error(`agent_windows holds windows of rejected batches: ${foreign.slice(0, 3).join(', ')}`);
    }), { seed: opts.seed, numRuns: Math.ceil(opts.cases / ((opts.batch ?? 10) / 2)), endOnFailure: true });
  } finally {
    await nc.close();
  }
  return stats;
}

/** After the campaign: every accepted window is stored (bounded wait), none else. */
export async function windowsSettled(t: BusTarget, stats: BusStats, timeoutMs = 20_000): Promise<{ stored: number; expected: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stored = storedWindows(t.controllerDb);
    const same = stored.size === stats.windowsAccepted.size && [...stored].every((w) => stats.windowsAccepted.has(w));
    if (same) return { stored: stored.size, expected: stats.windowsAccepted.size };
    if (Date.now() > deadline) {
      const missing = [...stats.windowsAccepted].filter((w) => !stored.has(w));
      throw new Error(`agent_windows: ${stored.size} stored, ${stats.windowsAccepted.size} accepted; missing e.g. ${missing.slice(0, 3).join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
