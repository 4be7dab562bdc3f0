// SONDE_* environment variables for every scalar monitoring.* key (named from the key:
// monitoring.tickMs → SONDE_MONITORING_TICK_MS): each takes effect, a bad value is refused
// with a message that names the variable, and `sonde serve` honours them.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, ENV_VARS, loadConfig } from '../../engine/index.js';

const cli = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'index.js');

/** A value for each monitoring key that differs from its default and passes validation. */
const GOOD: Record<string, string> = {
  windowSeconds: '30', rollupMinutes: '30', rawRetentionDays: '2.5', rollupRetentionDays: '90', tickMs: '50',
};

describe('monitoring.* keys from SONDE_* environment variables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-config-env-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const monitoring = defaultConfig().monitoring as Record<string, unknown>;
  const scalarKeys = Object.keys(monitoring).filter((k) => ['number', 'string', 'boolean'].includes(typeof monitoring[k]));
  const varOf = (key: string): string => {
    const v = ENV_VARS.find((e) => e.key === `monitoring.${key}`);
    if (v === undefined) throw new Error(`no environment variable for monitoring.${key}`);
    return v.name;
  };

  it('every scalar monitoring key has a variable SONDE_MONITORING_<KEY>', () => {
    expect(scalarKeys.length).toBeGreaterThanOrEqual(5);
    expect(varOf('windowSeconds')).toBe('SONDE_MONITORING_WINDOW_SECONDS');
    expect(varOf('rawRetentionDays')).toBe('SONDE_MONITORING_RAW_RETENTION_DAYS');
    expect(varOf('tickMs')).toBe('SONDE_MONITORING_TICK_MS');
    for (const k of scalarKeys) expect(varOf(k)).toMatch(/^SONDE_MONITORING_[A-Z0-9_]+$/);
    expect(new Set(ENV_VARS.map((e) => e.name)).size).toBe(ENV_VARS.length);
  });

  it('each variable takes effect and is recorded as the source', () => {
    for (const k of Object.keys(GOOD)) {
      const name = varOf(k);
      const { config, sources } = loadConfig({ env: { [name]: GOOD[k] }, cwd: dir });
      expect((config.monitoring as Record<string, unknown>)[k], name).toBe(Number(GOOD[k]));
      expect(sources.get(`monitoring.${k}`)).toBe(`env ${name}`);
    }
  });

  it('a bad value is refused with a message naming the variable', () => {
    expect(() => loadConfig({ env: { SONDE_MONITORING_TICK_MS: 'fast' }, cwd: dir }))
      .toThrow('config monitoring.tickMs: "fast" from env SONDE_MONITORING_TICK_MS is not an integer');
    expect(() => loadConfig({ env: { SONDE_MONITORING_TICK_MS: '5' }, cwd: dir }))
      .toThrow('config monitoring.tickMs must be >= 10 (from env SONDE_MONITORING_TICK_MS)');
    expect(() => loadConfig({ env: { SONDE_MONITORING_WINDOW_SECONDS: '1.5' }, cwd: dir }))
      .toThrow(/SONDE_MONITORING_WINDOW_SECONDS is not an integer/);
    expect(() => loadConfig({ env: { SONDE_MONITORING_RAW_RETENTION_DAYS: '0' }, cwd: dir }))
      .toThrow('config monitoring.rawRetentionDays must be > 0 (from env SONDE_MONITORING_RAW_RETENTION_DAYS)');
  });

  it('boolean keys (metrics.*, when the schema has them) take true|false|1|0 and refuse anything else', () => {
    const booleans = ENV_VARS.filter((e) => e.kind === 'boolean');
    for (const { name, key } of booleans) {
      const [section, field] = key.split('.');
      const read = (raw: string): unknown => (loadConfig({ env: { [name]: raw }, cwd: dir }).config as unknown as Record<string, Record<string, unknown>>)[section][field];
      expect(read('false'), name).toBe(false);
      expect(read('1'), name).toBe(true);
      expect(read('TRUE'), name).toBe(true);
      expect(() => read('yes')).toThrow(`config ${key}: "yes" from env ${name} is not a boolean (true, false, 1 or 0)`);
    }
  });

  it.skipIf(!existsSync(cli))('sonde serve: a bad variable stops it with the variable named; a good one changes the window length', async () => {
    const bad = spawnSync(process.execPath, [cli, 'serve', '--data', dir, '--port', '0', '--log-level', 'silent'], {
      env: { ...process.env, SONDE_MONITORING_WINDOW_SECONDS: 'sixty' }, encoding: 'utf8', timeout: 20_000,
    });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('SONDE_MONITORING_WINDOW_SECONDS');

    const child = spawn(process.execPath, [cli, 'serve', '--data', dir, '--port', '0', '--log-level', 'silent', '--threads', '1'], {
      env: { ...process.env, SONDE_MONITORING_WINDOW_SECONDS: '7', SONDE_MONITORING_ROLLUP_MINUTES: '7' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    try {
      const deadline = Date.now() + 20_000;
      let url: string | undefined;
      while ((url = /listening on (http:\/\/\S+)/.exec(out)?.[1]) === undefined) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`sonde serve did not start: ${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const key = readFileSync(join(dir, 'admin.key'), 'utf8').trim();
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const created = await fetch(`${url}/v1/targets`, { method: 'POST', headers, body: JSON.stringify({ kind: 'HOST', address: '127.0.0.1' }) });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      // the default step is the window length, and a step that is not a multiple of it is refused
      const ok = await fetch(`${url}/v1/targets/${id}/history?from=0&to=70000`, { headers });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { step: number }).step).toBe(7000);
      const refused = await fetch(`${url}/v1/targets/${id}/history?from=0&to=70000&step=1000`, { headers });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('7000 ms');
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
  }, 40_000);
});
