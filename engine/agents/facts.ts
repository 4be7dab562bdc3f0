// Host facts of the local agent.

import { lookup, lookupService } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { HostResolver } from './types.js';

/**
 * The interface of the default route (lowest metric) in /proc/net/route; otherwise the
 * first non-internal interface; otherwise 'lo'.
 */
export function primaryInterface(routeTable?: string): string {
  let text = routeTable;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/net/route', 'utf8');
    } catch {
      text = '';
    }
  }
  let best: { iface: string; metric: number } | null = null;
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [iface, destination, , , , , metric, mask] = f;
    if (destination !== '00000000' || mask !== '00000000') continue;
    const m = Number.parseInt(metric, 10);
    if (!best || m < best.metric) best = { iface, metric: m };
  }
  if (best) return best.iface;
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (addrs?.some((a) => !a.internal)) return name;
  }
  return 'lo';
}

export const systemResolver: HostResolver = {
  lookup: (hostname) => lookup(hostname),
  lookupService: (address, port) => lookupService(address, port),
};

/**
 * The canonical name of `hostname` (like `hostname -f`): its address resolved back through
 * getnameinfo. Falls back to the hostname itself on any failure or after timeoutMs.
 */
export async function resolveFqdn(hostname: string, timeoutMs = 2000, resolver: HostResolver = systemResolver): Promise<string> {
  const attempt = (async () => {
    const { address } = await resolver.lookup(hostname);
    const { hostname: name } = await resolver.lookupService(address, 0);
    return name.includes('.') ? name : hostname;
  })().catch(() => hostname);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(hostname), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
