// engine/config: defaults < config file < environment < flags, and errors that name the key
// and where the bad value came from.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/index.js';

describe('config loading', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'sonde-config-test-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('defaults: 127.0.0.1:8080, ./data, info, 64 KiB body limit', () => {
    const { config, file } = loadConfig({ env: {}, cwd: dir });
    expect(file).toBeNull();
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.data).toBe(join(dir, 'data'));
    expect(config.logLevel).toBe('info');
    expect(config.http.bodyLimit).toBe(65536);
  });

  it('file < env < flags, per key; ./sonde.yaml is picked up; relative data is relative to the file', () => {
    const sub = mkdtempSync(join(dir, 'cwd-'));
    writeFileSync(join(sub, 'sonde.yaml'), 'data: store\nlisten:\n  host: 0.0.0.0\n  port: 9000\nlogLevel: debug\nrateLimit:\n  perSecond: 5\nagent:\n  labels:\n    site: eu.paris\n');
    const fileOnly = loadConfig({ env: {}, cwd: sub });
    expect(fileOnly.file).toBe(join(sub, 'sonde.yaml'));
    expect(fileOnly.config).toMatchObject({ data: join(sub, 'store'), listen: { host: '0.0.0.0', port: 9000 }, logLevel: 'debug', agent: { labels: { site: 'eu.paris' } } });
    expect(fileOnly.config.rateLimit).toEqual({ perSecond: 5, burst: 10 });

    const withEnv = loadConfig({ env: { SONDE_PORT: '9100', SONDE_LOG_LEVEL: 'warn' }, cwd: sub });
    expect(withEnv.config.listen).toEqual({ host: '0.0.0.0', port: 9100 });
    expect(withEnv.config.logLevel).toBe('warn');
    expect(withEnv.sources.get('listen.port')).toBe('env SONDE_PORT');

    const withFlags = loadConfig({ env: { SONDE_PORT: '9100', SONDE_LISTEN: '127.0.0.2:9200' }, cwd: sub, flags: { port: '9300', data: '/tmp/elsewhere' } });
    expect(withFlags.config.listen).toEqual({ host: '127.0.0.2', port: 9300 });
    expect(withFlags.config.data).toBe('/tmp/elsewhere');
    expect(withFlags.sources.get('listen.port')).toBe('flag --port');
  });

  it('--config beats SONDE_CONFIG; SONDE_LISTEN takes [v6]:port', () => {
    const a = write('a.yaml', 'listen:\n  port: 1111\n');
    const b = write('b.yaml', 'listen:\n  port: 2222\n');
    expect(loadConfig({ env: { SONDE_CONFIG: a }, cwd: dir }).config.listen.port).toBe(1111);
    expect(loadConfig({ env: { SONDE_CONFIG: a }, cwd: dir, flags: { config: b } }).config.listen.port).toBe(2222);
    expect(loadConfig({ env: { SONDE_LISTEN: '[::1]:8081' }, cwd: dir }).config.listen).toEqual({ host: '::1', port: 8081 });
  });

  it('bad values name the key and their source', () => {
    expect(() => loadConfig({ env: { SONDE_PORT: '70000' }, cwd: dir })).toThrow('config listen.port must be <= 65535 (from env SONDE_PORT)');
    expect(() => loadConfig({ env: { SONDE_PORT: 'eighty' }, cwd: dir })).toThrow(/listen.port: "eighty" from env SONDE_PORT is not an integer/);
    expect(() => loadConfig({ env: {}, cwd: dir, flags: { logLevel: 'loud' } })).toThrow(/config logLevel must be one of fatal, error, warn, info, debug, trace, silent \(from flag --log-level\)/);
    const typo = write('typo.yaml', 'listen:\n  prot: 80\n');
    expect(() => loadConfig({ env: {}, cwd: dir, flags: { config: typo } })).toThrow(`config listen.prot is not a known config key (from config file ${typo})`);
    const broken = write('broken.yaml', 'listen: [1, 2\n');
    expect(() => loadConfig({ env: {}, cwd: dir, flags: { config: broken } })).toThrow(/invalid YAML/);
    expect(() => loadConfig({ env: {}, cwd: dir, flags: { config: join(dir, 'missing.yaml') } })).toThrow(/cannot be read/);
  });
});
