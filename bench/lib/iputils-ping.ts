// Runs iputils ping to a loopback address and collects its per-reply round-trip times.
import { spawn } from 'node:child_process';

export interface PingRun {
  /** RTTs in µs, one per reply (iputils prints 3 decimals of ms below 1 ms: 1 µs resolution). */
  rttUs: Float64Array;
  sent: number;
  received: number;
}

const REPLY = / time=([\d.]+) ms/;
const TOTALS = /(\d+) packets transmitted, (\d+) received/;

/** Asynchronous so that the caller's event loop (e.g. a busy loop) keeps running meanwhile. */
export function runPing(ping: string, address: string, count: number, intervalMs: number, size: number): Promise<PingRun> {
  if (!address.startsWith('127.') && address !== '::1') throw new Error(`ping: ${address} is not a loopback address; benchmarks probe loopback only`);
  return new Promise((resolve, reject) => {
    const args = ['-n', '-i', String(intervalMs / 1000), '-c', String(count), '-s', String(size), address];
    const child = spawn(ping, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const totals = TOTALS.exec(out);
      if (!totals) return reject(new Error(`${ping} ${args.join(' ')} failed (exit ${code}): ${err.trim() || out.slice(-300)}`));
      const rtts: number[] = [];
      for (const line of out.split('\n')) {
        const m = REPLY.exec(line);
        if (m) rtts.push(Number(m[1]) * 1000);
      }
      resolve({ rttUs: Float64Array.from(rtts), sent: Number(totals[1]), received: Number(totals[2]) });
    });
  });
}
