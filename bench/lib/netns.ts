// A throwaway network namespace whose loopback answers no echo requests, so that probes to
// 127.x stay in flight until they time out. Created and removed by the benchmark itself.
import { execFileSync } from 'node:child_process';

export interface SilentNamespace {
  name: string;
  /** Path for EngineOptions.netns. */
  path: string;
  /** argv prefix that runs a command inside the namespace. */
  exec: string[];
  remove(): void;
}

export function createSilentNamespace(prefix = 'sonde-bench'): SilentNamespace {
  const name = `${prefix}-${process.pid}`;
  const run = (args: string[]): void => void execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  run(['netns', 'add', name]);
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    try {
      run(['netns', 'delete', name]);
    } catch {
      // already gone
    }
  };
  process.once('exit', remove);
  try {
    run(['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
    run(['netns', 'exec', name, 'sysctl', '-q', '-w', 'net.ipv4.icmp_echo_ignore_all=1']);
  } catch (err) {
    remove();
    throw err;
  }
  return { name, path: `/run/netns/${name}`, exec: ['ip', 'netns', 'exec', name], remove };
}
