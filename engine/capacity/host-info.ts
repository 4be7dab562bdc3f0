// What the stored run records about the host, so a result can be reproduced and compared.
import { readFileSync } from 'node:fs';
import { cpus, hostname, release } from 'node:os';
import type { HostInfo } from './types.js';

function sysctl(name: string): string | null {
  try {
    return readFileSync(`/proc/sys/${name.replaceAll('.', '/')}`, 'utf8').trim().replace(/\s+/g, ' ');
  } catch {
    return null;
  }
}

export function hostInfo(): HostInfo {
  const cpu = cpus();
  return {
    hostname: hostname(),
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    kernel: release(),
    sysctls: { 'net.core.rmem_max': sysctl('net.core.rmem_max'), 'net.ipv4.ping_group_range': sysctl('net.ipv4.ping_group_range') },
    node: process.version,
  };
}
