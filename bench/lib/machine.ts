// Names the machine a benchmark ran on, so figures are never quoted without it.
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpu: string;
  cores: number;
  kernel: string;
  node: string;
  /** 1/5/15-minute load averages when the run started: the machine may be shared. */
  loadAvg: number[];
  date: string;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) return line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // not Linux: fall through to os.cpus()
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

export function describeMachine(): MachineInfo {
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAvg: os.loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
  };
}

export function printMachine(m: MachineInfo): void {
  console.log(`machine: ${m.cpu}, ${m.cores} cores, ${m.kernel}, node ${m.node}`);
  console.log(`date:    ${m.date}   load average at start: ${m.loadAvg.join(' ')}`);
}
