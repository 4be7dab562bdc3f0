// `sonde serve` with listen.tls, as a real child process: SIGHUP re-reads the certificate and
// key. A broken pair is logged and the running certificate stays; a good one is served to new
// connections; the daemon lives through both and still stops cleanly on SIGTERM.
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDashboardDaemon, type DashboardDaemon } from '../dashboard/daemon.js';
import { waitFor } from '../wait-for.js';
import { makeCert, servedCert } from './tls-certs.js';

/** Neither exited nor killed by a signal (SIGHUP's default action would end the process). */
const alive = (d: DashboardDaemon): boolean => d.child.exitCode === null && d.child.signalCode === null;

describe('sonde serve: SIGHUP reloads listen.tls', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-sighup-'));
  let daemon: DashboardDaemon | undefined;

  afterAll(async () => {
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a broken pair keeps the running certificate (and says why); a good pair is served to new connections', async () => {
    const files = makeCert(dir, 'first');
    daemon = await startDashboardDaemon(`listen:\n  tls:\n    cert: ${JSON.stringify(files.cert)}\n    key: ${JSON.stringify(files.key)}\n`);
    expect(daemon.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const port = Number(new URL(daemon.url).port);
    expect(await servedCert(port)).toBe('first');

    writeFileSync(files.key, 'not a key');
    daemon.child.kill('SIGHUP');
    await waitFor(() => daemon!.output().includes('SIGHUP: TLS not reloaded, the previous certificate stays'), { message: 'the failed reload logged' });
    expect(daemon.output()).toMatch(/listen\.tls\.key .* not a PEM private key/);
    expect(alive(daemon)).toBe(true);
    expect(await servedCert(port)).toBe('first');

    const second = makeCert(dir, 'second');
    writeFileSync(files.cert, readFileSync(second.cert));
    writeFileSync(files.key, readFileSync(second.key));
    daemon.child.kill('SIGHUP');
    await waitFor(async () => (await servedCert(port)) === 'second', { message: 'the new certificate served after SIGHUP' });
    expect(alive(daemon)).toBe(true);

    const exited = once(daemon.child, 'exit');
    daemon.child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
  }, 30_000);
});
