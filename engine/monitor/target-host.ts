// The host a monitor's probe of a target connects to: the target's address, or for http the
// host of its URL (a name there is resolved in the background like a HOST target's).
import type { MonitorProbe } from './types.js';

export function probeHost(probe: MonitorProbe, address: string): string {
  if (probe !== 'http') return address;
  try {
    const host = new URL(address).hostname;
    return host.startsWith('[') ? host.slice(1, -1) : host;
  } catch {
    return address; // target-input.ts accepts only URLs for HTTP targets; an old row: not an IP, unprobeable
  }
}
