// `sonde serve` (the built dist/cli/index.js) as a real child process for the fault suites:
// agent.hostname localhost (no DNS query for any other name), 1 s windows, an ephemeral port
// read from its "listening on" line, its output kept for the assertions on log lines.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cliEntry } from '../../bench/lib/daemon-process.js';
import { call } from '../server/helpers.js';
import { waitFor } from '../wait-for.js';

export { cliEntry };
export const built = existsSync(cliEntry);

export interface DaemonChild {
  child: ChildProcess;
  url: string;
  /** stdout + stderr so far. */
  output(): string;
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number | null>;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

/** A config file next to (not in) the data directory: loopback listener, 1 s windows. */
export function writeConfig(path: string): string {
  writeFileSync(path, [
    'agent: { hostname: localhost }',
    'monitoring: { windowSeconds: 1, rollupMinutes: 1, tickMs: 20 }',
    'rateLimit: { perSecond: 10000, burst: 10000 }',
    '',
  ].join('\n'));
  return path;
}

/**
 * Starts `sonde serve --data dataDir` (with `prefix`, e.g. an `unshare … sh -c` wrapper,
 * the node command line is `"$@"`) and waits until it listens; throws with its output if it
 * exits first or does not listen within 20 s.
 */
export async function startDaemonChild(dataDir: string, config: string, prefix: string[] = []): Promise<DaemonChild> {
  const { child, output, exited } = spawnServe(dataDir, config, prefix);
  let out = '';
  const deadline = Date.now() + 20_000;
  let url: string | undefined;
  while (url === undefined) {
    out = output();
    url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
    if (url !== undefined) break;
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sonde serve did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    child, url, exited, output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

function spawnServe(dataDir: string, config: string, prefix: string[]): { child: ChildProcess; output(): string; exited: Promise<number | null> } {
  const argv = [process.execPath, cliEntry, 'serve', '--config', config, '--data', dataDir, '--port', '0', '--host', '127.0.0.1', '--log-level', 'info', '--threads', '1'];
  const [cmd, ...args] = prefix.length > 0 ? [...prefix, ...argv] : argv;
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SONDE_CONFIG: '' } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => out, exited };
}

/** Runs `sonde serve` expecting it to refuse to start: its exit code and output, or a throw
 *  (after killing it) if it is still running after `ms`. */
export async function serveUntilExit(dataDir: string, config: string, ms = 20_000): Promise<{ code: number | null; output: string }> {
  const { child, output, exited } = spawnServe(dataDir, config, []);
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const code = await exited;
  clearTimeout(timer);
  if (child.signalCode === 'SIGKILL') throw new Error(`sonde serve still ran after ${ms} ms: ${output()}`);
  return { code, output: output() };
}

/** The bound of the fault suites' waits (a reader is a node process: not every 20 ms). */
export const BOUND = { timeoutMs: 20_000, intervalMs: 100 } as const;

/** The admin key the daemon wrote at first start. */
export function adminKeyOf(dataDir: string): string {
  return readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
}

/** Creates n loopback HOST targets (127.1.0.x) and one monitor over them (5 rounds/s). */
export async function createLoopbackMonitor(url: string, key: string, n: number): Promise<{ monitorId: string; targetIds: string[] }> {
  const targetIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await call(`${url}/v1/targets`, { key, body: { kind: 'HOST', address: `127.1.0.${i + 1}`, labels: { grp: 'fault' } } });
    if (r.status !== 201) throw new Error(`POST /v1/targets answered ${r.status}: ${r.text}`);
    targetIds.push((r.body as { id: string }).id);
  }
  const m = await call(`${url}/v1/monitors`, { key, body: { name: 'fault', selection: { labels: { grp: 'fault' } }, intervalMs: 200, timeoutMs: 150 } });
  if (m.status !== 201) throw new Error(`POST /v1/monitors answered ${m.status}: ${m.text}`);
  return { monitorId: (m.body as { id: string }).id, targetIds };
}

// Reads run in a child node: SQLite resolves symbolic links in a database path, so a file in
// another mount namespace (/proc/PID/root/…) is opened through nsenter, not through /proc.
const READER = `
const [dbPath, spanMs, sqlite] = process.argv.slice(1);
const Database = require(sqlite);
const db = new Database(dbPath, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
const hex = (_k, v) => (Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'bigint' ? v.toString() : v);
const windows = db.prepare('SELECT * FROM latency_windows WHERE span_ms = ?').all(Number(spanMs))
  .map((r) => [JSON.stringify([r.target_seq, r.span_ms, r.start_at, r.monitor_seq]), JSON.stringify(r, hex)]);
const jobs = db.prepare('SELECT id, status FROM jobs').all().map((r) => [r.id, r.status]);
const integrity = db.pragma('integrity_check').map((r) => r.integrity_check).join('; ');
db.close();
process.stdout.write(JSON.stringify({ windows, jobs, integrity }));
`;

export interface StoredState {
  /** Every raw window row as JSON (the counts blob as hex), keyed by its primary key. */
  windows: Map<string, string>;
  /** Job id → its stored status. */
  jobs: Map<string, string>;
  /** PRAGMA integrity_check's answer ("ok" when the file is sound). */
  integrity: string;
}

/**
 * The stored windows of span `spanMs`, the jobs' statuses and the integrity check of the database at dbPath;
 * with `mountNsOf`, dbPath is a path in that process's mount namespace.
 */
export function readStored(dbPath: string, options: { spanMs?: number; mountNsOf?: number } = {}): StoredState {
  const node = [process.execPath, '-e', READER, dbPath, String(options.spanMs ?? 1000), createRequire(import.meta.url).resolve('better-sqlite3')];
  const [cmd, ...args] = options.mountNsOf !== undefined ? ['nsenter', `--mount=/proc/${options.mountNsOf}/ns/mnt`, ...node] : node;
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`reading ${dbPath} failed (${r.status}): ${r.stderr}`);
  const parsed = JSON.parse(r.stdout) as { windows: [string, string][]; jobs: [string, string][]; integrity: string };
  return { windows: new Map(parsed.windows), jobs: new Map(parsed.jobs), integrity: parsed.integrity };
}

/** unshare(1) and tmpfs mounts: root on Linux with util-linux. */
export const canMountTmpfs = process.getuid?.() === 0 && spawnSync('unshare', ['--mount', '--propagation', 'private', 'true']).status === 0;

export interface PrivateTmpfs {
  /** The mount namespace's holder process (a `sleep` that keeps it alive). */
  pid: number;
  /** The command prefix that runs a program inside the namespace. */
  enter: string[];
  /** `path` as this process reaches it: through /proc/PID/root (not for SQLite, see READER). */
  view: string;
  close(): Promise<void>;
}

/**
 * A tmpfs of `size` on `path`, mounted in a mount namespace of its own (private propagation:
 * the host's mounts never see it); it lives as long as its holder process.
 */
export async function privateTmpfs(path: string, size: string): Promise<PrivateTmpfs> {
  const holder = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o "size=$1,mode=0700" sonde-test "$0" && echo mounted && exec sleep 600', path, size], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  holder.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  holder.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const gone = once(holder, 'exit');
  await waitFor(() => {
    if (holder.exitCode !== null) throw new Error(`mounting a tmpfs failed: ${out}`);
    return out.includes('mounted');
  }, { message: 'the tmpfs mounted', ...BOUND });
  const pid = holder.pid!;
  return {
    pid,
    enter: ['nsenter', `--mount=/proc/${pid}/ns/mnt`, '--'],
    view: `/proc/${pid}/root${path}`,
    async close() {
      if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
      await gone;
    },
  };
}
