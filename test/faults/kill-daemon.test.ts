// `kill -9` of the daemon while its monitors write windows: the database stays sound, every
// window stored before the kill is still there, unchanged, after a restart, and the
// restarted daemon goes on writing windows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canRaw4 } from '../engine/helpers.js';
import { waitFor } from '../wait-for.js';
import { adminKeyOf, BOUND, built, createLoopbackMonitor, readStored, startDaemonChild, writeConfig, type DaemonChild } from './daemon-child.js';

describe.skipIf(!canRaw4 || !built)('kill -9 of the daemon mid-monitor', () => {
  const base = mkdtempSync(join(tmpdir(), 'sonde-fault-kill-'));
  const dataDir = join(base, 'data');
  const dbPath = join(dataDir, 'sonde.db');
  let daemon: DaemonChild | undefined;
  afterAll(async () => {
    daemon?.child.kill('SIGKILL');
    await daemon?.exited;
    rmSync(base, { recursive: true, force: true });
  });

  it('integrity_check ok, stored windows equal before and after, writing goes on', async () => {
    const config = writeConfig(join(base, 'sonde.yaml'));
    daemon = await startDaemonChild(dataDir, config);
    await createLoopbackMonitor(daemon.url, adminKeyOf(dataDir), 20);
    await waitFor(() => readStored(dbPath).windows.size >= 40, { message: 'windows written', ...BOUND });

    // three kills while the monitor runs, each right after a second's windows (20 rows)
    // landed; the rows read right before a kill are the ones that must survive it
    let before = new Map<string, string>();
    for (let round = 0; round < 3; round++) {
      before = readStored(dbPath).windows;
      await waitFor(() => readStored(dbPath).windows.size > before.size, { message: 'the next windows', ...BOUND });
      before = readStored(dbPath).windows;
      daemon.child.kill('SIGKILL');
      expect(await daemon.exited).toBeNull();
      expect(daemon.child.signalCode).toBe('SIGKILL');

      const afterKill = readStored(dbPath);
      expect(afterKill.integrity).toBe('ok');
      for (const [k, row] of before) expect(afterKill.windows.get(k), k).toBe(row);

      daemon = await startDaemonChild(dataDir, config);
      const restarted = readStored(dbPath);
      expect(restarted.integrity).toBe('ok');
      for (const [k, row] of before) expect(restarted.windows.get(k), k).toBe(row);
      // the restarted daemon probes and writes again (20 targets: a second's windows)
      await waitFor(() => readStored(dbPath).windows.size >= restarted.windows.size + 20, { message: 'windows written by the restarted daemon', ...BOUND });
    }
    expect(await daemon.stop()).toBe(0);
    const end = readStored(dbPath);
    expect(end.integrity).toBe('ok');
    for (const [k, row] of before) expect(end.windows.get(k), k).toBe(row);
  }, 120_000);
});
