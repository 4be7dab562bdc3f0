// The monitor definitions remote agents read (assignment-wire.ts) and the phase series of
// their http windows on the controller (agent-window-store.ts, agent-window-reads.ts), on a
// real SQLite database: options the API accepted pass the wire as they are; a bad entry is
// rejected with a reason naming the field or the versions, never thrown; chunks stay under
// NATS's 1 MiB whatever the URLs; a phase batch is stored beside the total, read per phase
// and judged for no state change.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ASSIGNMENT_WIRE_VERSION, CHUNK_TARGETS, assignmentGen, chunkTargets, decodeAssignmentChunk, decodeAssignmentHeader, encodeAssignment,
  type AssignedTarget, type AssignmentHeader,
} from '../../engine/distributed/assignment-wire.js';
import { AgentWindowReads } from '../../engine/distributed/agent-window-reads.js';
import { AgentWindowStore } from '../../engine/distributed/agent-window-store.js';
import { VantageStatus } from '../../engine/distributed/vantage-status.js';
import { WIRE_VERSION, batchMessageId, decodeWindowBatch, encodeWindowBatch, type WindowBatch } from '../../engine/distributed/window-wire.js';
import { parseDnsOptions, parseHttpOptions, parseTcpOptions } from '../../engine/monitor/monitor-options.js';
import { MONITOR_ERROR_KIND_COUNT } from '../../engine/monitor/error-kinds.js';
import { decodeSeries } from '../../engine/monitor/series.js';
import { openDatabase, type Db } from '../../engine/store/database.js';

const bytes = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value), 'utf8');

function header(monitor: Partial<AssignmentHeader['monitor']>): AssignmentHeader {
  return {
    v: ASSIGNMENT_WIRE_VERSION,
    monitor: { id: 'mon-1', probe: 'http', intervalMs: 1000, probes: 1, timeoutMs: 500, size: 56, updatedAtMs: 1, ...monitor },
    agents: ['edge'], gen: 'g', chunks: 1,
  };
}

describe('monitor definitions on the bus', () => {
  it('carries every option the API accepts, unchanged', () => {
    const http = parseHttpOptions({
      method: 'POST', path: '/healthz?full=1', headers: { 'x-a': 'b c', Accept: '*/*' }, expectStatus: [200, 204], bodyMatch: '^ok', bodyNotMatch: 'error|fail',
      maxBodyBytes: 1_048_576, followRedirects: true, verifyTls: false, keepAlive: false, certExpiryDays: 0.5,
    });
    const dns = parseDnsOptions({ name: 'example.com.', type: 'SOA', server: '::1', port: 5353, expect: 'ns1.example.com' });
    const tcp = parseTcpOptions({ port: 65_535 });
    for (const h of [header({ http }), header({ probe: 'dns', dns }), header({ probe: 'tcp', tcp }), header({ probe: 'icmp' })]) {
      const d = decodeAssignmentHeader(encodeAssignment(h));
      expect(d.ok ? d.value : d.reason).toEqual(h);
    }
    const targets: AssignedTarget[] = [['t-1', 'https://[::1]:8443/x', 'HTTP', null], ['t-2', '127.0.0.1', 'TCP', 22], ['t-3', 'host.test', 'HOST', null]];
    const c = decodeAssignmentChunk(encodeAssignment({ v: ASSIGNMENT_WIRE_VERSION, gen: 'g', targets }));
    expect(c.ok ? c.value.targets : c.reason).toEqual(targets);
  });

  it('rejects a bad entry with a reason naming what is wrong', () => {
    const reason = (data: Uint8Array, chunk = false): string => {
      const d = chunk ? decodeAssignmentChunk(data) : decodeAssignmentHeader(data);
      expect(d.ok).toBe(false);
      return d.ok ? '' : d.reason;
    };
    expect(reason(bytes(header({ http: { bodyMatch: '(' } })))).toMatch(/http\.bodyMatch.*not a valid regular expression/);
    expect(reason(bytes(header({ http: { headers: { 'x-a': 'line\r\nbreak' } } })))).toMatch(/headers/);
    expect(reason(bytes(header({ http: { method: 'DELETE' as 'GET' } })))).toMatch(/\/monitor\/http\/method/);
    expect(reason(bytes(header({ http: { retries: 3 } as never })))).toMatch(/additional properties/);
    expect(reason(bytes(header({ probe: 'tcp', dns: { name: 'a.test' } })))).toMatch(/dns options apply to dns monitors only/);
    expect(reason(bytes(header({ probe: 'dns' })))).toMatch(/a dns monitor needs dns options/);
    expect(reason(bytes(header({ probe: 'dns', dns: { name: 'bad name!' } })))).toMatch(/dns\.name/);
    expect(reason(bytes({ ...header({}), v: 1 }))).toBe(`assignment wire version 1, this agent reads version ${ASSIGNMENT_WIRE_VERSION}: run the same sonde release on the controller and its agents`);
    expect(reason(bytes({ v: 1, gen: 'g', targets: [['t-1', '127.0.0.1']] }), true)).toMatch(/assignment wire version 1/);
    expect(reason(bytes({ v: ASSIGNMENT_WIRE_VERSION, gen: 'g', targets: [['t-1', '127.0.0.1']] }), true)).toMatch(/^invalid: \/targets\/0/);
    expect(reason(bytes({ v: ASSIGNMENT_WIRE_VERSION, gen: 'g', targets: [['t-1', '127.0.0.1', 'FTP', null]] }), true)).toMatch(/^invalid: \/targets\/0\/2/);
    expect(reason(bytes({ v: ASSIGNMENT_WIRE_VERSION, gen: 'g', targets: [['t-1', '127.0.0.1', 'TCP', 70_000]] }), true)).toMatch(/^invalid: \/targets\/0\/3/);
    expect(reason(Buffer.from('{"v":2,'))).toMatch(/^not JSON/);
    expect(reason(Buffer.alloc(1024 * 1024 + 1, 32))).toMatch(/^oversized/);
  });

  it('cuts targets into chunks under 1 MiB, by count or by bytes, in order', () => {
    const short: AssignedTarget[] = Array.from({ length: 12_001 }, (_, i) => [`t-${i}`, `127.0.${i >> 8 & 255}.${i & 255}`, 'HOST', null]);
    expect(chunkTargets(short).map((c) => c.length)).toEqual([CHUNK_TARGETS, CHUNK_TARGETS, 2_001]);
    const url = `http://127.0.0.1:8080/${'a'.repeat(2000)}`;
    const long: AssignedTarget[] = Array.from({ length: 3_000 }, (_, i) => [`00000000-0000-7000-8000-${String(i).padStart(12, '0')}`, url, 'HTTP', null]);
    const chunks = chunkTargets(long);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flat()).toEqual(long);
    for (const targets of chunks) {
      const data = encodeAssignment({ v: ASSIGNMENT_WIRE_VERSION, gen: 'g', targets });
      expect(data.length).toBeLessThan(1024 * 1024);
      expect(decodeAssignmentChunk(data).ok).toBe(true);
    }
    expect(chunkTargets([])).toEqual([]);
  });

  it('gives another generation when an option, a target\'s port or its kind changes', () => {
    const m = header({ probe: 'tcp', tcp: { port: 80 } }).monitor;
    const targets: AssignedTarget[] = [['t-1', '127.0.0.1', 'TCP', 22]];
    const gen = assignmentGen(m, ['edge'], targets);
    expect(assignmentGen(m, ['edge'], [['t-1', '127.0.0.1', 'TCP', 22]])).toBe(gen);
    expect(assignmentGen({ ...m, tcp: { port: 81 } }, ['edge'], targets)).not.toBe(gen);
    expect(assignmentGen(m, ['edge'], [['t-1', '127.0.0.1', 'TCP', 23]])).not.toBe(gen);
    expect(assignmentGen(m, ['edge'], [['t-1', '127.0.0.1', 'HOST', 22]])).not.toBe(gen);
  });
});

describe('phase series of remote http windows on the controller', () => {
  let dir: string;
  let db: Db;
  let monitorSeq = 0;
  const MONITOR = '0190b2c0-0000-7000-8000-000000000001';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sonde-agent-series-'));
    db = openDatabase(dir).db;
    db.prepare(`INSERT INTO monitors (id, name, probe, selection, interval_ms, probes, timeout_ms, size, enabled, agents, created_at, updated_at, options)
      VALUES (?, 'web', 'http', '{"ids":[]}', 1000, 1, 500, 56, 1, '_all', 0, 0, '{}')`).run(MONITOR);
    monitorSeq = db.prepare<[string], number>('SELECT seq FROM monitors WHERE id = ?').pluck().get(MONITOR)!;
  });
  afterAll(() => {
    db?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const batch = (phase: WindowBatch['phase'], sumNs: number): WindowBatch => ({
    v: WIRE_VERSION, agent: 'edge', monitorId: MONITOR, ...(phase !== undefined ? { phase } : {}), spanMs: 1000, sealedAt: 5_000,
    windows: [{ targetId: 't-ok', address: 'http://127.0.0.1/', startMs: 4_000, sent: 4, received: 4, duplicates: 0, late: 0,
      errors: new Array<number>(MONITOR_ERROR_KIND_COUNT).fill(0), minNs: sumNs / 8, maxNs: sumNs / 2, sumNs, hist: null }],
  });

  it('keeps each phase apart from the total: another message id, another row, read per phase, judged never', () => {
    const total = batch(undefined, 4e6);
    const connect = batch('connect', 1e6);
    expect(batchMessageId(connect)).not.toBe(batchMessageId(total));
    const decoded = decodeWindowBatch(encodeWindowBatch(connect));
    expect(decoded.ok ? decoded.batch.phase : decoded.reason).toBe('connect');
    expect(decodeWindowBatch(Buffer.from(JSON.stringify({ ...connect, phase: 'dns' }))).ok).toBe(false);

    const status = new VantageStatus(db, { downAfter: 3, upAfter: 3 });
    const observed: string[] = [];
    const observe = status.observe.bind(status);
    status.observe = (agent, monitorId, spanMs, w) => {
      observed.push(monitorId);
      observe(agent, monitorId, spanMs, w);
    };
    const store = new AgentWindowStore(db, status);
    expect(store.write(total)).toEqual({ stored: 1, duplicates: 0 });
    expect(store.write(connect)).toEqual({ stored: 1, duplicates: 0 });
    expect(store.write(batch('ttfb', 2e6))).toEqual({ stored: 1, duplicates: 0 });
    expect(store.write(connect)).toEqual({ stored: 0, duplicates: 1 });
    expect(observed).toEqual([MONITOR]);

    expect(store.rangeOf('edge', MONITOR, 0, 10_000, 10).map((r) => r.sumNs)).toEqual([4e6]);
    expect(store.rangeOf('edge', MONITOR, 0, 10_000, 10, 'connect').map((r) => r.sumNs)).toEqual([1e6]);
    expect(store.rangeOf('edge', MONITOR, 0, 10_000, 10, 'ttfb').map((r) => r.sumNs)).toEqual([2e6]);
    expect(store.rangeOf('edge', MONITOR, 0, 10_000, 10, 'tls')).toEqual([]);
    expect(store.range(MONITOR, 0, 10_000)).toHaveLength(1);

    const reads = new AgentWindowReads(db);
    const series = reads.historyRows('t-ok', 0, 10_000).map((r) => decodeSeries(r[1]));
    expect(series.map((s) => s?.phase).sort()).toEqual(['connect', 'total', 'ttfb']);
    expect(series.every((s) => s?.monitorSeq === monitorSeq && s.probe === 'http')).toBe(true);
    // /metrics and the summary sum the totals only
    const figures = reads.countsByAgent(0, { downAfter: 3, degradedLossPercent: 5 });
    expect(figures.map((f) => [f.monitorId, f.sent])).toEqual([[MONITOR, 4]]);
  });
});
