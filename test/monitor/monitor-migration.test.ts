// Migration 14 (probe 'model'): a database at version 13 with monitors of several kinds, their
// windows, state changes and remote agents' windows opens at version 14 with every row, seq,
// option and index kept; the widened CHECK takes 'model' and still refuses what is no kind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openMonitors } from '../../engine/index.js';
import { migrate, openDatabase } from '../../engine/store/database.js';
import { SERIES_STRIDE } from '../../engine/monitor/series.js';

const HOST_ID = '00000000-0000-7000-8000-000000000001';
const HTTP_ID = '00000000-0000-7000-8000-000000000002';
const ICMP_MONITOR = '00000000-0000-7000-8000-0000000000a1';
const HTTP_MONITOR = '00000000-0000-7000-8000-0000000000a2';
const HTTP_TOTAL_CODE = 3; // series.ts: ['http', 'total']

describe('migration 14', () => {
  let dir = '';
  afterEach(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  it('keeps every monitor, window and index of a version-13 database, and takes probe model', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sonde-migration-14-'));
    const raw = new Database(join(dir, 'sonde.db'));
    raw.pragma('foreign_keys = ON');
    migrate(raw, 13);
    expect(raw.pragma('user_version', { simple: true })).toBe(13);
    raw.prepare("INSERT INTO targets (id, kind, address, created_at, updated_at) VALUES (?, 'HOST', '127.0.0.1', 1, 1)").run(HOST_ID);
    raw.prepare("INSERT INTO targets (id, kind, address, created_at, updated_at) VALUES (?, 'HTTP', 'http://127.0.0.1:9/ok', 1, 1)").run(HTTP_ID);
    const seqOf = (id: string) => raw.prepare('SELECT seq FROM targets WHERE id = ?').pluck().get(id) as number;
    const insertMonitor = raw.prepare(`INSERT INTO monitors (seq, id, name, probe, selection, interval_ms, probes, timeout_ms, size, enabled, created_at, updated_at, options, agents)
      VALUES (?, ?, ?, ?, ?, 1000, 1, 900, 56, 1, 10, 20, ?, ?)`);
    // seqs with a gap (a deleted monitor): the windows refer to them, so they must stay
    insertMonitor.run(3, ICMP_MONITOR, 'hosts', 'icmp', JSON.stringify({ ids: [HOST_ID] }), '{}', null);
    insertMonitor.run(7, HTTP_MONITOR, 'web', 'http', JSON.stringify({ labels: { site: 'eu' } }), JSON.stringify({ http: { path: '/healthz', keepAlive: false } }), '_all');
    const insertWindow = raw.prepare(`INSERT INTO latency_windows (target_seq, span_ms, start_at, monitor_seq, sent, received, duplicates, late,
      err_unreachable, err_time_exceeded, err_param_problem, err_packet_too_big, err_send_failed, err_other, min_ns, max_ns, sum_ns, hist, err_http_status)
      VALUES (?, 60000, ?, ?, 60, ?, 0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, 0, NULL, ?)`);
    insertWindow.run(seqOf(HOST_ID), 60_000, 3, 60, 0);
    insertWindow.run(seqOf(HOST_ID), 120_000, 3, 59, 0);
    insertWindow.run(seqOf(HTTP_ID), 60_000, 7 + HTTP_TOTAL_CODE * SERIES_STRIDE, 0, 60);
    raw.prepare("INSERT INTO state_changes (monitor_id, target_id, address, from_status, to_status, at, reason) VALUES (?, ?, '127.0.0.1', 'up', 'down', 5, 'r')").run(ICMP_MONITOR, HOST_ID);
    const snapshot = (db: Database.Database) => ({
      monitors: db.prepare('SELECT * FROM monitors ORDER BY seq').all(),
      windows: db.prepare('SELECT * FROM latency_windows ORDER BY target_seq, start_at, monitor_seq').all(),
      changes: db.prepare('SELECT * FROM state_changes').all(),
      indexes: db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").all(),
      columns: db.prepare("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('monitors')").all(),
    });
    const before = snapshot(raw);
    raw.close();

    const opened = openDatabase(dir);
    expect(opened.previousVersion).toBe(13);
    expect(opened.version).toBeGreaterThanOrEqual(14);
    const after = snapshot(opened.db);
    expect(after).toEqual(before);
    expect(opened.db.pragma('foreign_key_check')).toEqual([]);
    expect(opened.db.pragma('integrity_check', { simple: true })).toBe('ok');
    const insert = opened.db.prepare(`INSERT INTO monitors (id, name, probe, selection, interval_ms, probes, timeout_ms, size, enabled, created_at, updated_at)
      VALUES (?, ?, ?, '{"labels":{"a":"b"}}', 1000, 1, 900, 56, 1, 1, 1)`);
    expect(() => insert.run('00000000-0000-7000-8000-0000000000a3', 'models', 'model')).not.toThrow();
    expect(() => insert.run('00000000-0000-7000-8000-0000000000a4', 'bogus', 'smtp')).toThrow(/CHECK constraint/);
    expect(() => insert.run('00000000-0000-7000-8000-0000000000a5', 'web', 'http')).toThrow(/UNIQUE constraint/);
    opened.db.prepare("DELETE FROM monitors WHERE name = 'models'").run();
    opened.db.close();

    // the monitor service reads them as before, and creates a model monitor
    const handle = openMonitors({ dataDir: dir, engine: null });
    try {
      const service = handle.service;
      expect(service.list().map((m) => [m.id, m.probe, m.http, m.agents])).toEqual([
        [ICMP_MONITOR, 'icmp', undefined, undefined],
        [HTTP_MONITOR, 'http', { path: '/healthz', keepAlive: false }, '_all'],
      ]);
      expect(service.windows(HOST_ID, 0, 200_000).map((w) => [w.monitorId, w.probe, w.startMs, w.received])).toEqual([
        [ICMP_MONITOR, 'icmp', 60_000, 60], [ICMP_MONITOR, 'icmp', 120_000, 59],
      ]);
      expect(service.windows(HTTP_ID, 0, 200_000).map((w) => [w.monitorId, w.probe, w.phase, w.errors])).toEqual([
        [HTTP_MONITOR, 'http', 'total', { 'http-status': 60 }],
      ]);
      const m = service.create({ name: 'models', probe: 'model', selection: { labels: { tier: 'llm' } }, model: { payload: 'ping' } });
      expect(service.get(m.id)).toMatchObject({ probe: 'model', model: { payload: 'ping' } });
    } finally {
      await handle.close();
    }
  });
});
