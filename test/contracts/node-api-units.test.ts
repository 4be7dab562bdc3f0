// Pure logic behind the node API: output capping, the allowlist message, exec request
// validation, @fact. references, the wire translation, and the agent.exec config keys.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CappedOutput } from '../../engine/exec/capped-output.js';
import { factKeyOf } from '../../engine/agents/fact-reference.js';
import {
  EXEC_OPERATION, NODE_PING_OPERATION, execRefusal, isPingAddress, loadConfig, toSondeConfig, validateExecRequest,
  type JobAgentResult, type JobRecord,
} from '../../engine/index.js';
import { execItem, jobDetail, pingItem } from '../../server/routes/node-api/wire.js';

describe('CappedOutput', () => {
  it('keeps up to the limit, drops the rest and says so; an exact fit is not truncated', () => {
    const exact = new CappedOutput(4);
    exact.push(Buffer.from('ab'));
    exact.push(Buffer.from('cd'));
    expect([exact.text(), exact.truncated]).toEqual(['abcd', false]);
    const over = new CappedOutput(4);
    over.push(Buffer.from('abc'));
    over.push(Buffer.from('def'));
    over.push(Buffer.from('ghi'));
    expect([over.text(), over.truncated]).toEqual(['abcd', true]);
  });

  it('leaves out a multi-byte character cut at the limit instead of mangling it', () => {
    const out = new CappedOutput(4);
    out.push(Buffer.from('abcé')); // é is 2 bytes: bytes 4..5
    expect(out.text()).toBe('abc');
    expect(out.truncated).toBe(true);
  });
});

describe('exec allowlist and validation', () => {
  it('compares the command exactly; the refusal says how to allow it', () => {
    expect(execRefusal({ allow: ['ls', '/bin/echo'] }, 'ls', 'h1')).toBeNull();
    expect(execRefusal({ allow: ['ls', '/bin/echo'] }, '/bin/echo', 'h1')).toBeNull();
    expect(execRefusal({ allow: ['ls'] }, '/bin/ls', 'h1')).toMatch(/^command "\/bin\/ls" is not on the exec allowlist of agent "h1"; to allow it, add it to agent.exec.allow/);
    expect(execRefusal({ allow: [] }, 'ls', 'h1')).toMatch(/^command exec is disabled on agent "h1": its allowlist is empty; to allow "ls", add it to agent.exec.allow/);
    expect(execRefusal(undefined, 'ls', 'h1')).toMatch(/allowlist is empty/);
  });

  it('defaults the timeout to 30 s and names the field at fault', () => {
    expect(validateExecRequest({ command: 'ls' })).toEqual({ command: 'ls', args: [], timeoutS: 30 });
    expect(validateExecRequest({ command: 'ls', args: ['-l'], cwd: '/tmp', timeoutS: 300 })).toEqual({ command: 'ls', args: ['-l'], cwd: '/tmp', timeoutS: 300 });
    const fails = (input: Parameters<typeof validateExecRequest>[0]): string => {
      try {
        validateExecRequest(input);
      } catch (error) {
        return `${(error as { field?: string }).field}: ${(error as Error).message}`;
      }
      return 'no error';
    };
    expect(fails({ command: '' })).toBe('command: command must not be empty');
    expect(fails({ command: 'l\0s' })).toBe('command: command must not contain a NUL character');
    expect(fails({ command: 'ls', args: ['ok', 7] })).toBe('args[1]: args[1] must be a string');
    expect(fails({ command: 'ls', cwd: 'rel/dir' })).toBe('cwd: cwd "rel/dir" must be an absolute path');
    expect(fails({ command: 'ls', timeoutS: 301 })).toBe('timeout: timeout must be an integer number of seconds in 1..300 (got 301)');
  });
});

describe('@fact. references and ping addresses', () => {
  it('parses fact keys, built-in and custom', () => {
    expect(factKeyOf('@fact.hostname')).toBe('hostname');
    expect(factKeyOf('@fact.interface.primary')).toBe('interface.primary');
    expect(factKeyOf('@fact.custom.my-key_1')).toBe('custom.my-key_1');
    for (const bad of ['@fact.', '@fact', '@fact..x', '@fact.a b', 'fact.hostname']) expect(factKeyOf(bad), bad).toBeNull();
  });

  it('accepts IPv4, IPv6, DNS names and fact references; nothing else (the ping engine\'s rules: no zone ids, no all-numeric last label)', () => {
    for (const ok of ['127.0.0.1', '::1', 'localhost', 'a.example.invalid', 'host-1.lab.', '@fact.fqdn']) expect(isPingAddress(ok), ok).toBe(true);
    for (const bad of ['', 'a b', 'http://x', '-lead.invalid', '@fact.', `${'a'.repeat(64)}.invalid`, '1.2.3.4; rm', '999.1.1.1', '1.2.3', 'fe80::1%lo']) expect(isPingAddress(bad), bad).toBe(false);
  });
});

describe('wire translation', () => {
  const ok = (data: unknown, hostname = 'h1'): JobAgentResult => ({ hostname, serial: 'S', status: 'ok', data: data as JobAgentResult['data'], durationMs: 12.3 });
  const failed = (error: string, hostname = 'h1'): JobAgentResult => ({ hostname, serial: 'S', status: 'failed', error, durationMs: 7.6 });

  it('ping items: Go durations from ms, "0s" when nothing came back, zeros and the error when the agent failed', () => {
    expect(pingItem(ok({ address: '127.0.0.1', sent: 4, received: 4, lossPercent: 0, minMs: 14.637103, avgMs: 0.95, maxMs: 1500 }))).toEqual({
      hostname: 'h1', packets_sent: 4, packets_received: 4, packet_loss: 0, min_rtt: '14.637103ms', avg_rtt: '950µs', max_rtt: '1.5s', changed: false, status: 'ok',
    });
    expect(pingItem(ok({ address: '::1', sent: 3, received: 0, lossPercent: 100, minMs: null, avgMs: null, maxMs: null }))).toMatchObject({
      packet_loss: 100, min_rtt: '0s', avg_rtt: '0s', max_rtt: '0s', status: 'ok',
    });
    expect(pingItem(failed('unresolvable fact reference @fact.x'))).toEqual({
      hostname: 'h1', packets_sent: 0, packets_received: 0, packet_loss: 0, min_rtt: '0s', avg_rtt: '0s', max_rtt: '0s', changed: false,
      error: 'unresolvable fact reference @fact.x', status: 'failed',
    });
  });

  it('exec items: truncated only when set; a failed agent has exit_code -1 and its error', () => {
    expect(execItem(ok({ stdout: 'o', stderr: '', exitCode: 0, durationMs: 3, truncated: false, timedOut: false }))).toEqual({
      hostname: 'h1', stdout: 'o', stderr: '', exit_code: 0, duration_ms: 3, changed: true,
    });
    expect(execItem(ok({ stdout: '', stderr: '', exitCode: -1, durationMs: 1000, truncated: true, timedOut: true, error: 'timeout after 1s' }))).toMatchObject({
      exit_code: -1, truncated: true, error: 'timeout after 1s',
    });
    expect(execItem(failed('working directory "/x" does not exist'))).toEqual({
      hostname: 'h1', stdout: '', stderr: '', exit_code: -1, duration_ms: 8, changed: true, error: 'working directory "/x" does not exist',
    });
  });

  it('job detail: operation as { type, data }, RFC 3339 times, hostname/result for one agent, responses by hostname', () => {
    const job: JobRecord = {
      id: '0b5e1a36-5c5b-4f7e-9d5e-2b1f1f0a0a0a', operation: NODE_PING_OPERATION, params: { address: '::1' }, selector: '_all',
      status: 'partial_failure', progress: 100, results: [failed('timeout: agent did not respond', 'zz'), ok({ address: '::1', sent: 1, received: 1, lossPercent: 0, minMs: 1, avgMs: 1, maxMs: 1 }, 'aa')],
      error: null, keyId: null, createdAtMs: Date.UTC(2026, 0, 2, 3, 4, 5, 6), startedAtMs: null, finishedAtMs: Date.UTC(2026, 0, 2, 3, 4, 6, 0),
    };
    const detail = jobDetail(job);
    expect(detail).toMatchObject({
      id: job.id, status: 'partial_failure', operation: { type: 'network.ping.do', data: { address: '::1' } },
      created: '2026-01-02T03:04:05.006Z', updated_at: '2026-01-02T03:04:06.000Z',
    });
    expect(detail.hostname).toBeUndefined();
    expect(Object.keys(detail.responses as object)).toEqual(['aa', 'zz']);
    expect((detail.responses as Record<string, unknown>).zz).toMatchObject({ status: 'failed', error: 'timeout: agent did not respond', data: { status: 'failed' } });
    const single = jobDetail({ ...job, operation: EXEC_OPERATION, results: [failed('boom', 'aa')], status: 'failed', error: 'boom' });
    expect(single).toMatchObject({ hostname: 'aa', error: 'boom', result: { exit_code: -1, error: 'boom' } });
  });
});

describe('config agent.exec', () => {
  it('defaults to an empty allowlist and 1 MiB; a config file sets them; a wrong type names the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sonde-exec-config-'));
    try {
      const empty = loadConfig({ env: {}, cwd: dir });
      expect(empty.config.agent.exec).toEqual({ allow: [], maxOutputBytes: 1024 * 1024 });
      writeFileSync(join(dir, 'sonde.yaml'), 'agent:\n  exec:\n    allow: [uptime, /usr/bin/df]\n');
      const fromFile = loadConfig({ env: {}, cwd: dir });
      expect(fromFile.config.agent.exec).toEqual({ allow: ['uptime', '/usr/bin/df'], maxOutputBytes: 1024 * 1024 });
      expect(toSondeConfig(fromFile.config, 'daemon').agent?.exec).toEqual({ allow: ['uptime', '/usr/bin/df'], maxOutputBytes: 1024 * 1024 });
      writeFileSync(join(dir, 'sonde.yaml'), 'agent:\n  exec:\n    allow: uptime\n');
      expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(/config agent\.exec\.allow must be array \(from config file .*sonde\.yaml\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
