// A real `sonde serve` (dist/cli/index.js) as a child process for the browser tests: port 0,
// a temp data dir, agent.hostname localhost, and loopback targets (127.x) only — or, with
// `netns`, inside the network simulator's namespace (its 198.18.0.0/15 hosts), where this
// process cannot connect: the API calls then run in a node started in that namespace.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loopbackTargets } from '../engine/helpers.js';

export const cli = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'index.js');
export const uiBuilt = existsSync(join(import.meta.dirname, '..', '..', 'dist', 'ui', 'index.html'));

export interface DashboardDaemon {
  url: string;
  dataDir: string;
  adminKey: string;
  child: ChildProcess;
  output(): string;
  /** A request with header auth (the admin key unless `key`); throws on a status ≥ 400. */
  api<T = unknown>(method: string, path: string, body?: unknown, key?: string): Promise<T>;
  /** Creates a key with these scopes; returns its secret. */
  key(name: string, scopes: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** One HTTP request made by a node process inside network namespace `netns`. */
function fetchInNamespace(netns: string, url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; text: string }> {
  const script = 'const [u, i] = JSON.parse(process.argv[1]); const r = await fetch(u, i); process.stdout.write(JSON.stringify({ status: r.status, text: await r.text() }));';
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', netns, process.execPath, '--input-type=module', '-e', script, JSON.stringify([url, init])], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${init.method} ${url} inside netns ${netns} failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout) as { status: number; text: string });
    });
  });
}

export async function startDashboardDaemon(extraConfig = '', options: { netns?: string } = {}): Promise<DashboardDaemon> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  const dataDir = mkdtempSync(join(tmpdir(), 'sonde-dashboard-test-'));
  const config = join(dataDir, 'sonde.yaml');
  writeFileSync(config, `agent:\n  hostname: localhost\n${extraConfig}`);
  const serve = [process.execPath, cli, 'serve', '--config', config, '--data', dataDir, '--host', '127.0.0.1', '--port', '0', '--log-level', 'warn', '--threads', '1'];
  const [cmd, ...args] = options.netns === undefined ? serve : ['ip', 'netns', 'exec', options.netns, ...serve];
  const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const deadline = Date.now() + 20_000;
  let url = '';
  for (;;) {
    const m = /listening on (https?:\/\/127\.0\.0\.1:\d+)/.exec(out);
    if (m) {
      url = m[1]!;
      break;
    }
    if (child.exitCode !== null) throw new Error(`sonde serve exited with ${child.exitCode}: ${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sonde serve did not start within 20 s: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const adminKey = readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
  const api = async <T>(method: string, path: string, body?: unknown, key = adminKey): Promise<T> => {
    const init = {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    };
    let status: number;
    let text: string;
    if (options.netns === undefined) {
      const res = await fetch(`${url}${path}`, init);
      status = res.status;
      text = await res.text();
    } else {
      ({ status, text } = await fetchInNamespace(options.netns, `${url}${path}`, init));
    }
    if (status >= 400) throw new Error(`${method} ${path} → ${status}: ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };
  return {
    url, dataDir, adminKey, child, api,
    output: () => out,
    async key(name, scopes) {
      const r = await api<{ secret: string }>('POST', '/v1/keys', { name, scopes });
      if (typeof r.secret !== 'string') throw new Error(`POST /v1/keys gave no secret: ${JSON.stringify(r)}`);
      return r.secret;
    },
    async stop() {
      // a child already ended (by itself or by a signal) sends no further 'exit'
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Imports `n` loopback HOST targets labelled fleet=<label> and a monitor probing them once a second. */
export async function addLoopbackFleet(d: DashboardDaemon, n: number, label: string, firstOctet = 1): Promise<{ monitorId: string; addresses: string[] }> {
  const addresses = loopbackTargets(n, firstOctet);
  const imported = await d.api<{ created: number }>('POST', '/v1/targets/import', addresses.map((address, i) => ({
    kind: 'HOST', address, name: `lo-${label}-${String(i).padStart(5, '0')}`, labels: { fleet: label, rack: `r${i % 10}` },
  })));
  if (imported.created !== n) throw new Error(`imported ${imported.created} of ${n} targets: ${JSON.stringify(imported)}`);
  const monitor = await d.api<{ id: string }>('POST', '/v1/monitors', { name: `fleet-${label}`, selection: { labels: { fleet: label } }, intervalMs: 1000 });
  return { monitorId: monitor.id, addresses };
}
