// Shared helpers of the engine suites: what this process may do, loopback targets, and
// network namespaces the tests create (and remove) themselves.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { native } from '../../native-bindings/index.js';

export const isRoot = process.getuid?.() === 0;

function canOpenRaw(family: 4 | 6): boolean {
  try {
    native.openIcmpSocket({ family, mode: 'raw' }).close();
    return true;
  } catch {
    return false;
  }
}

export const canRaw4 = canOpenRaw(4);
export const canRaw6 = canOpenRaw(6);
export const NO_RAW = 'needs CAP_NET_RAW (run as root) to open raw ICMP sockets';

/** The engine's workers load dist/engine/icmp/worker/entry.js: the suites need `npm run build` first. */
export const builtWorker = existsSync(new URL('../../dist/engine/icmp/worker/entry.js', import.meta.url));
export const NOT_BUILT = 'needs the build (npm run build): workers load dist/engine/icmp/worker/entry.js';

function hasIp(): boolean {
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
export const canNetns = isRoot && hasIp();
export const NO_NETNS = 'needs root and iproute2 to create a network namespace';

/** n distinct loopback addresses 127.a.b.c (a ≥ 1), all answered by the local kernel. */
export function loopbackTargets(n: number, firstOctet = 1): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`127.${firstOctet + ((i >> 16) & 0xff)}.${(i >> 8) & 0xff}.${i & 0xff}`);
  return out;
}

/**
 * A network namespace created by the test: loopback up, and (with `silent`) the kernel's echo
 * responder off, so probes to 127.0.0.0/8 inside it stay unanswered. Packets never leave it.
 */
export function createTestNetns(tag: string, options: { silent?: boolean } = {}): { name: string; path: string; remove(): void } {
  const name = `sonde-t-${tag}-${process.pid}`;
  execFileSync('ip', ['netns', 'add', name]);
  try {
    execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    if (options.silent) {
      execFileSync('ip', ['netns', 'exec', name, 'sysctl', '-q', '-w', 'net.ipv4.icmp_echo_ignore_all=1', 'net.ipv6.icmp.echo_ignore_all=1']);
    }
  } catch (error) {
    execFileSync('ip', ['netns', 'del', name]);
    throw error;
  }
  return {
    name,
    path: `/run/netns/${name}`,
    remove: () => execFileSync('ip', ['netns', 'del', name]),
  };
}
