// Builds and runs bench/reference/wire-stamps.c, the tap that stamps every echo request and
// reply on a device (bench:accuracy's wire column; wire-match.ts pairs what it saw).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { withDeadline } from './deadline.js';
import { benchDir, buildDir, ensureDir } from './paths.js';
import { parseWireLine, type WirePacket } from './wire-match.js';

const source = join(benchDir, 'reference', 'wire-stamps.c');
const binary = join(buildDir, 'wire-stamps');

/** Compiles the tap with cc -O2 when the binary is missing or older than its source. */
export function buildWireStamps(): string {
  ensureDir(buildDir);
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs) {
    console.log(`$ cc -O2 -o ${binary} ${source}`);
    execFileSync('cc', ['-O2', '-Wall', '-o', binary, source], { stdio: 'inherit' });
  }
  return binary;
}

/** Why the wire column cannot run here, or undefined when it can (it needs CAP_NET_RAW). */
export function wireCaptureUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the wire capture (an AF_PACKET tap on lo) needs root (CAP_NET_RAW)';
  return undefined;
}

export interface WireCaptureResult {
  packets: WirePacket[];
  /** The kernel's counts for the tap: packets that passed the filter, and those it dropped
   *  because the receive buffer was full between drains (then some round trips are missing). */
  tapPackets: number;
  drops: number;
}

export interface WireCapture {
  /** Stamps are reported as ns since this CLOCK_REALTIME ns (before the capture started). */
  readonly baseNs: bigint;
  /** Ends the tap after a last drain; everything it saw. */
  stop(): Promise<WireCaptureResult>;
  /** Kills the tap at once (the run failed). */
  abort(): void;
}

export interface WireCaptureOptions {
  device: string;
  address: string;
  /** How often the tap reads its socket (it never sleeps on it). */
  drainMs?: number;
  /** Only echo ids in these inclusive ranges (≤ 100; default: any), so that other processes
   *  pinging the same address cost the tap a filter run, not a copy. */
  idRanges?: ReadonlyArray<readonly [number, number]>;
}

/** Starts the tap and resolves once it is open (every packet from then on is seen). */
export async function startWireCapture(bin: string, o: WireCaptureOptions): Promise<WireCapture> {
  const baseNs = BigInt(Date.now() - 1000) * 1_000_000n;
  const ranges = o.idRanges?.map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`)).join(',');
  const args = [o.device, o.address, String(o.drainMs ?? 100), ...(ranges ? [ranges] : [])];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Kept as chunks and parsed at stop, so that the bench's thread does no work per packet
  // while probes are being measured.
  const chunks: Buffer[] = [];
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const closed = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  const what = `${bin} ${o.device} ${o.address}`;
  const ready = new Promise<void>((resolve, reject) => {
    let head = '';
    child.stdout.on('data', (d: Buffer) => {
      chunks.push(d);
      if (head.length >= 6) return;
      head += d.toString('latin1');
      if (head.startsWith('ready\n')) resolve();
      else if (head.length >= 6) reject(new Error(`${what}: expected "ready" first, got ${JSON.stringify(head.slice(0, 40))}`));
    });
    closed.then((code) => reject(new Error(`${what} exited (${code}) before the tap was open: ${err.trim() || 'no message'}`)), reject);
  });
  try {
    await withDeadline(ready, 10_000, `${what}: waiting for the tap to open`);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    baseNs,
    async stop(): Promise<WireCaptureResult> {
      child.kill('SIGTERM');
      const code = await withDeadline(closed, 10_000, `${what}: waiting for the tap to end`);
      if (code !== 0) throw new Error(`${what} failed (exit ${code}): ${err.trim() || 'no message'}`);
      const packets: WirePacket[] = [];
      let end: string[] | undefined;
      let rest = '';
      // Chunk by chunk: a long run's output is never one string.
      for (const chunk of chunks.splice(0)) {
        const lines = (rest + chunk.toString('latin1')).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          const p = parseWireLine(line, baseNs);
          if (p) packets.push(p);
          else if (line.startsWith('end ')) end = line.split(' ');
        }
      }
      if (!end) throw new Error(`${what} ended without its "end" line: its output was cut short`);
      return { packets, tapPackets: Number(end[1]), drops: Number(end[2]) };
    },
    abort(): void {
      child.kill('SIGKILL');
    },
  };
}
