// The host a monitor's probe of a target connects to: the target's address; for http and
// model the host of its URL (a name there is resolved in the background like a HOST target's); for a dns
// monitor with dns.server, that server (the target's address is then the name asked, never
// resolved by anything but that server).
import { hasPhases, type Monitor } from './types.js';

export function probeHost(def: Pick<Monitor, 'probe' | 'dns'>, address: string): string {
  if (def.probe === 'dns' && def.dns?.server !== undefined) return def.dns.server;
  if (!hasPhases(def.probe)) return address;
  try {
    const host = new URL(address).hostname;
    return host.startsWith('[') ? host.slice(1, -1) : host;
  } catch {
    return address; // target-input.ts accepts only URLs for HTTP and model targets; an old row: not an IP, unprobeable
  }
}
