// `sonde monitors create --probe …` with the kind flags, run as the real CLI against a temp data
// directory: each kind's flags land in the monitor's options as the HTTP API would take them,
// `monitors list` shows the kind, and bad flags fail with the engine's own validation message
// plus the flag that set the field (nothing is created then).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SondeError } from '../../engine/errors.js';
import { parseMonitorInput } from '../../engine/monitor/monitor-input.js';

const CLI = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));
const built = existsSync(CLI);

/** The engine's message for an input the API would get (the CLI must print the same). */
function engineError(input: unknown): string {
  try {
    parseMonitorInput(input, false);
  } catch (error) {
    if (error instanceof SondeError) return error.message;
    throw error;
  }
  throw new Error('the input was valid');
}

describe.skipIf(!built)('sonde monitors create --probe (needs the build: npm run build)', () => {
  let dir: string;
  const sonde = (args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--data', dir], { encoding: 'utf8', timeout: 30_000 });
  const create = (name: string, args: string[]) => {
    const r = sonde(['monitors', 'create', '--name', name, '--json', ...args]);
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  const count = () => (JSON.parse(sonde(['monitors', 'list', '--json']).stdout) as { items: unknown[] }).items.length;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sonde-cli-monitors-'));
    writeFileSync(join(dir, 't.json'), JSON.stringify([
      { kind: 'HOST', address: '127.0.0.1', labels: { grp: 'host' } },
      { kind: 'TCP', address: '127.0.0.1', port: 9, labels: { grp: 'host' } },
      { kind: 'HTTP', address: 'http://127.0.0.1:9/healthz', labels: { grp: 'web' } },
      { kind: 'LLM', address: 'http://127.0.0.1:9/v1/chat/completions', provider: 'VLLM', modelIdentifier: 'llama', labels: { grp: 'llm' } },
    ]));
    const imported = sonde(['targets', 'import', join(dir, 't.json')]);
    expect(imported.status, imported.stderr).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('maps each kind\'s flags onto its options', () => {
    expect(create('tcp', ['--probe', 'tcp', '--label', 'grp:host', '--port', '8080'])).toMatchObject({ probe: 'tcp', tcp: { port: 8080 } });
    expect(create('dns', ['--probe', 'dns', '--label', 'grp:host', '--dns-server', '127.0.0.1', '--dns-type', 'AAAA', '--dns-port', '5353', '--dns-expect', '::1']))
      .toMatchObject({ probe: 'dns', dns: { server: '127.0.0.1', type: 'AAAA', port: 5353, expect: '::1' } });
    expect(create('dns-name', ['--probe', 'dns', '--label', 'grp:host', '--dns-name', 'localhost'])).toMatchObject({ dns: { name: 'localhost' } });
    const web = create('web', [
      '--probe', 'http', '--label', 'grp:web', '--method', 'HEAD', '--path', '/healthz?full=1', '--header', 'X-A: b', '--header', 'Authorization:Bearer t',
      '--expect-status', '200,204', '--body-match', '^ok', '--body-not-match', 'error', '--max-body-bytes', '1024', '--follow-redirects',
      '--no-tls-verify', '--fresh-connection', '--cert-expiry-days', '7', '--interval', '2000', '--timeout', '1500',
    ]);
    expect(web.http).toEqual({
      method: 'HEAD', path: '/healthz?full=1', headers: { 'X-A': 'b', Authorization: 'Bearer t' }, expectStatus: [200, 204], bodyMatch: '^ok',
      bodyNotMatch: 'error', maxBodyBytes: 1024, followRedirects: true, verifyTls: false, keepAlive: false, certExpiryDays: 7,
    });
    expect(web).toMatchObject({ probe: 'http', intervalMs: 2000, timeoutMs: 1500 });
    expect(create('web-default', ['--probe', 'http', '--label', 'grp:web'])).not.toHaveProperty('http');
    expect(create('llm', ['--probe', 'model', '--label', 'grp:llm', '--payload-type', 'JSON', '--payload', '{"input":"ping"}', '--keep-alive', '--no-tls-verify']))
      .toMatchObject({ probe: 'model', model: { payloadType: 'JSON', payload: '{"input":"ping"}', keepAlive: true, verifyTls: false } });
    expect(create('llm-size', ['--probe', 'model', '--label', 'grp:llm', '--payload-size', '64', '--fresh-connection']))
      .toMatchObject({ model: { payloadSizeBytes: 64, keepAlive: false } });
  });

  it('lists the probe kind of each monitor', () => {
    create('hosts', ['--label', 'grp:host']);
    const table = sonde(['monitors', 'list']);
    expect(table.status, table.stderr).toBe(0);
    const head = table.stdout.split('\n').find((line) => line.includes('name'))!;
    expect(head.split('│').map((c) => c.trim())).toContain('probe');
    const row = (name: string) => table.stdout.split('\n').find((line) => line.split('│').map((c) => c.trim()).includes(name))!;
    expect(row('llm').split('│').map((c) => c.trim())).toContain('model');
    expect(row('hosts').split('│').map((c) => c.trim())).toContain('icmp');
    expect(row('dns').split('│').map((c) => c.trim())).toContain('dns');
    const items = (JSON.parse(sonde(['monitors', 'list', '--json']).stdout) as { items: Array<{ name: string; probe: string }> }).items;
    expect(Object.fromEntries(items.map((m) => [m.name, m.probe]))).toMatchObject({ tcp: 'tcp', web: 'http', llm: 'model', hosts: 'icmp' });
  });

  it('fails with the API\'s validation message and the flag, creating nothing', () => {
    const before = count();
    const sel = { name: 'x', selection: { labels: { grp: 'web' } } };
    for (const [args, input, flag] of [
      [['--probe', 'http', '--expect-status', '200,99'], { ...sel, probe: 'http', http: { expectStatus: [200, 99] } }, '--expect-status'],
      [['--probe', 'http', '--header', 'Bad Name:x'], { ...sel, probe: 'http', http: { headers: { 'Bad Name': 'x' } } }, '--header'],
      [['--probe', 'tcp', '--port', '70000'], { ...sel, probe: 'tcp', tcp: { port: 70_000 } }, '--port'],
      [['--probe', 'dns', '--dns-server', 'localhost'], { ...sel, probe: 'dns', dns: { server: 'localhost' } }, '--dns-server'],
      [['--probe', 'model', '--payload', 'x', '--payload-size', '3'], { ...sel, probe: 'model', model: { payload: 'x', payloadSizeBytes: 3 } }, '--payload'],
      [['--probe', 'model', '--payload-size', '2000000'], { ...sel, probe: 'model', model: { payloadSizeBytes: 2_000_000 } }, '--payload-size'],
    ] as const) {
      const r = sonde(['monitors', 'create', '--name', 'x', '--label', 'grp:web', ...args]);
      expect(r.status, r.stdout).toBe(1);
      expect(r.stderr).toBe(`sonde: ${engineError(input)} (from ${flag})\n`);
    }
    // cross-field rules of the complete monitor, named the same way
    const other = sonde(['monitors', 'create', '--name', 'x', '--label', 'grp:web', '--probe', 'tcp', '--path', '/x']);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/^sonde: http options apply to http monitors only \(this monitor's probe is tcp\) \(from --method, --path, /);
    const dns = sonde(['monitors', 'create', '--name', 'x', '--label', 'grp:host', '--probe', 'dns']);
    expect(dns.status).toBe(1);
    expect(dns.stderr).toMatch(/a dns monitor needs dns options.*\(from --dns-name or --dns-server\)\n$/);
    // usage errors (commander): exit 2
    const kind = sonde(['monitors', 'create', '--name', 'x', '--label', 'grp:web', '--probe', 'smtp']);
    expect(kind.status).toBe(2);
    expect(kind.stderr).toMatch(/argument 'smtp' is invalid\. Allowed choices are icmp, tcp, dns, http, model/);
    const both = sonde(['monitors', 'create', '--name', 'x', '--label', 'grp:web', '--probe', 'http', '--fresh-connection', '--keep-alive']);
    expect(both.status).toBe(2);
    expect(count()).toBe(before);
  });
});
