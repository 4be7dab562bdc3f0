// engine/bus names: hostnames as subject tokens / KV keys without collisions, and the
// `nats.*` config keys validated like every other key.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeToken, encodeToken, loadConfig, parseResultSubject, subjects } from '../../engine/index.js';

describe('bus subject tokens', () => {
  it('web-01, web.01, web_01 and web=2E01 are four different tokens', () => {
    const tokens = ['web-01', 'web.01', 'web_01', 'web=2E01', 'WEB-01'].map(encodeToken);
    expect(new Set(tokens).size).toBe(5);
    expect(encodeToken('web-01')).toBe('web-01');
    expect(encodeToken('web.01')).toBe('web=2E01');
    expect(subjects.work('web.01')).toBe('sonde.work.web=2E01');
  });

  it('every string round-trips, and tokens are valid subject tokens and KV keys', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 64, unit: 'grapheme' }), (s) => {
      const token = encodeToken(s);
      expect(token).toMatch(/^[-=_A-Za-z0-9]+$/);
      expect(decodeToken(token)).toBe(s);
    }), { numRuns: 500 });
  });

  it('decodeToken refuses tokens encodeToken cannot make', () => {
    for (const bad of ['', 'a.b', 'a=2', 'a=2e', 'a=41', 'a b', 'a*', '=FF']) expect(decodeToken(bad)).toBeNull();
  });

  it('result subjects parse back; others are null', () => {
    expect(parseResultSubject(subjects.result('web.01', 'j-1'))).toEqual({ hostname: 'web.01', jobId: 'j-1' });
    expect(parseResultSubject('sonde.result.web=2E01')).toBeNull();
    expect(parseResultSubject('sonde.work.a.b')).toBeNull();
    expect(parseResultSubject('sonde.result.a.b=zz')).toBeNull();
  });
});

describe('nats.* config keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-nats-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const load = (yaml: string, env: NodeJS.ProcessEnv = {}) => {
    const path = join(dir, 'sonde.yaml');
    writeFileSync(path, yaml);
    return loadConfig({ flags: { config: path }, env, cwd: dir });
  };

  it('absent by default; servers, credentials and TLS from the file; password from the environment', () => {
    expect(loadConfig({ env: {}, cwd: dir }).config.nats).toBeUndefined();
    const { config } = load('nats:\n  servers: [nats://127.0.0.1:4222, "10.0.0.2:4222"]\n  user: agent\n  tls:\n    ca: /etc/ca.pem\n', { SONDE_NATS_PASSWORD: 's3cret' });
    expect(config.nats).toEqual({ servers: ['nats://127.0.0.1:4222', '10.0.0.2:4222'], user: 'agent', password: 's3cret', tls: { ca: '/etc/ca.pem' } });
  });

  it('rejects with the key named: two ways to authenticate, user without password, cert without key, bad URL, unknown key', () => {
    expect(() => load('nats:\n  servers: [nats://h:1]\n  token: t\n  credsFile: /c\n')).toThrow(/config nats sets more than one way to authenticate/);
    expect(() => load('nats:\n  servers: [nats://h:1]\n  user: u\n')).toThrow(/config nats must have property password when property user is present/);
    expect(() => load('nats:\n  servers: [nats://h:1]\n  tls:\n    cert: /c\n')).toThrow(/config nats.tls must have property key/);
    expect(() => load('nats:\n  servers: ["http://h:1"]\n')).toThrow(/config nats.servers.0 must match pattern/);
    expect(() => load('nats:\n  servers: [nats://h:1]\n  passwd: x\n')).toThrow(/config nats.passwd is not a known config key/);
    expect(() => load('nats:\n  servers: []\n')).toThrow(/config nats.servers must NOT have fewer than 1 items/);
  });
});
