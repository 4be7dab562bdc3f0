// Network namespaces for the simulator: create (named after the owning pid), configure,
// verify isolation, delete — also when a test fails or the process is interrupted — and sweep
// namespaces left behind by processes that died.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { LOCAL_V4, LOCAL_V6, SIM_RANGE_V4, SIM_RANGE_V6 } from './addresses.js';

const execFileAsync = promisify(execFile);

export const NETNS_PREFIX = 'sonde-sim-';
export const NETNS_DIR = '/run/netns';
const NAME_RE = /^sonde-sim-(\d+)-(\d+)$/;

export interface SimNamespace {
  name: string;
  /** Path to pass as `netns` to the native binding / createEngine. */
  path: string;
  /** Inode of the namespace (stat of path): its identity. */
  inode: number;
}

/** Runs `ip ARGS…` and returns stdout; the error says which command failed and why. */
export async function ip(args: string[], input?: string): Promise<string> {
  try {
    const run = execFileAsync('ip', args, { encoding: 'utf8' });
    if (input !== undefined) run.child.stdin?.end(input);
    return (await run).stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`netsim: "ip ${args.join(' ')}" failed: ${(err.stderr || err.message).trim()}`);
  }
}

/** Whether this process can run the simulator; reason says what is missing when not. */
export function netsimAvailability(): { ok: boolean; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: 'the network simulator needs Linux (network namespaces and TUN)' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'the network simulator needs root (ip netns add, TUN devices); run the tests as root' };
  if (!existsSync('/dev/net/tun')) return { ok: false, reason: 'the network simulator needs /dev/net/tun (modprobe tun, or --device /dev/net/tun in a container)' };
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return { ok: false, reason: 'the network simulator needs the "ip" command (apt-get install iproute2)' };
  }
  return { ok: true, reason: '' };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes sonde-sim-<pid>-<n> namespaces whose owning process is gone. Returns their names. */
export function sweepStaleNamespaces(): string[] {
  let names: string[];
  try {
    names = readdirSync(NETNS_DIR);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = NAME_RE.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
      removed.push(name);
    } catch {
      // another process swept it first
    }
  }
  return removed;
}

// ---- cleanup on exit / interruption -------------------------------------------------------

const live = new Set<string>();
let handlersInstalled = false;

function deleteAllSync(): void {
  for (const name of live) deleteNamespaceSync(name);
}

function onSignal(signal: NodeJS.Signals): void {
  // Someone else handles the signal (e.g. a CLI that stops gracefully): they own the shutdown,
  // and the 'exit' handler still removes what is left.
  if (process.listenerCount(signal) > 1) return;
  deleteAllSync();
  removeHandlers();
  // Let the signal do what it would have done without us.
  process.kill(process.pid, signal);
}

const onExit = () => deleteAllSync();
const onSigint = () => onSignal('SIGINT');
const onSigterm = () => onSignal('SIGTERM');
const onSighup = () => onSignal('SIGHUP');

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', onExit);
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  process.on('SIGHUP', onSighup);
}

function removeHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.off('exit', onExit);
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);
  process.off('SIGHUP', onSighup);
}

let counter = 0;

/** Creates sonde-sim-<pid>-<n> with lo up, after sweeping stale ones; registers its removal
 *  on exit, SIGINT, SIGTERM and SIGHUP. */
export async function createNamespace(): Promise<SimNamespace> {
  sweepStaleNamespaces();
  const name = `${NETNS_PREFIX}${process.pid}-${counter++}`;
  installHandlers();
  live.add(name);
  try {
    await ip(['netns', 'add', name]);
    await ip(['-n', name, 'link', 'set', 'dev', 'lo', 'up']);
    const path = `${NETNS_DIR}/${name}`;
    return { name, path, inode: statSync(path).ino };
  } catch (e) {
    await deleteNamespace(name);
    throw e;
  }
}

export function deleteNamespaceSync(name: string): void {
  live.delete(name);
  if (existsSync(`${NETNS_DIR}/${name}`)) {
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
  if (live.size === 0) removeHandlers();
}

export async function deleteNamespace(name: string): Promise<void> {
  live.delete(name);
  if (existsSync(`${NETNS_DIR}/${name}`)) {
    await ip(['netns', 'del', name]).catch(() => undefined);
  }
  if (live.size === 0) removeHandlers();
}

/** Addresses the TUN device (local addresses, MTU 65535, up) and routes the simulator's
 *  ranges to it, all inside the namespace, in one `ip -batch`. */
export async function configureTun(ns: SimNamespace, tun: string): Promise<void> {
  const commands = [
    `link set dev ${tun} mtu 65535 txqueuelen 65536 up`,
    `address add ${LOCAL_V4}/32 dev ${tun}`,
    `address add ${LOCAL_V6}/128 dev ${tun} nodad`,
    `route add ${SIM_RANGE_V4} dev ${tun} src ${LOCAL_V4}`,
    `route add ${SIM_RANGE_V6} dev ${tun} src ${LOCAL_V6}`,
  ];
  await ip(['-n', ns.name, '-batch', '-'], commands.join('\n') + '\n');
}

interface IpRoute { dev?: string; dst?: string }

/**
 * Refuses (throws) unless the TUN device and the routes to the simulator's ranges live inside
 * the namespace `ns` and nowhere else: the namespace file is still the one created, it is not
 * this process's own namespace, the device is visible in it and not here, and here no route
 * to the ranges goes through a device of that name.
 */
export async function verifyIsolation(ns: SimNamespace, tun: string, deviceNetnsInode?: number): Promise<void> {
  const fail = (why: string) => { throw new Error(`netsim refuses to start: ${why}. Nothing was sent; the namespace ${ns.name} is removed.`); };
  const inode = statSync(ns.path).ino;
  if (inode !== ns.inode) fail(`${ns.path} is no longer the namespace it created (inode ${inode} ≠ ${ns.inode})`);
  if (inode === statSync('/proc/self/ns/net').ino) fail(`${ns.path} is this process's own network namespace`);
  if (deviceNetnsInode !== undefined && deviceNetnsInode !== ns.inode) {
    fail(`the TUN device was created in network namespace ${deviceNetnsInode}, not in ${ns.path} (${ns.inode})`);
  }
  const inside = JSON.parse(await ip(['-n', ns.name, '-j', 'link', 'show', 'dev', tun])) as Array<{ ifname: string }>;
  if (inside.length !== 1 || inside[0].ifname !== tun) fail(`TUN device ${tun} is not inside ${ns.name}`);
  const here = await ip(['-j', 'link', 'show', 'dev', tun]).then(() => true, () => false);
  if (here) fail(`a device named ${tun} is visible in this process's own namespace`);
  for (const [flag, probe] of [['-4', '198.18.0.1'], ['-6', '2001:db8::1']] as const) {
    const got = JSON.parse(await ip(['-n', ns.name, flag, '-j', 'route', 'get', probe])) as IpRoute[];
    if (got[0]?.dev !== tun) fail(`inside ${ns.name}, ${probe} is routed via ${got[0]?.dev ?? 'nothing'}, not ${tun}`);
    const ours = JSON.parse(await ip([flag, '-j', 'route', 'show'])) as IpRoute[];
    if (ours.some((r) => r.dev === tun)) fail(`this process's own namespace has a route via ${tun}`);
  }
}

/** Kernel-side drops of the TUN device inside the namespace (see KernelStats). */
export async function tunDrops(ns: SimNamespace, tun: string): Promise<{ tunTxDropped: number; qdiscDropped: number }> {
  const [link, qdisc] = await Promise.all([
    ip(['-n', ns.name, '-s', '-j', 'link', 'show', 'dev', tun]),
    execFileAsync('tc', ['-n', ns.name, '-s', '-j', 'qdisc', 'show', 'dev', tun], { encoding: 'utf8' }).then((r) => r.stdout, () => '[]'),
  ]);
  const l = JSON.parse(link) as Array<{ stats64?: { tx?: { dropped?: number } } }>;
  const q = JSON.parse(qdisc) as Array<{ drops?: number }>;
  return { tunTxDropped: l[0]?.stats64?.tx?.dropped ?? 0, qdiscDropped: q.reduce((sum, x) => sum + (x.drops ?? 0), 0) };
}
