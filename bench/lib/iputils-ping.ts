// Runs iputils ping to a loopback address and collects its per-reply round-trip times.
import { spawn } from 'node:child_process';

export interface PingRun {
  /** RTTs in µs, one per reply (iputils prints 3 decimals of ms below 1 ms: 1 µs resolution). */
  rttUs: Float64Array;
  /** Per reply, its icmp_seq (the request's seq on the wire); -1 for a duplicate ("DUP!"). */
  seqs: Int32Array;
  sent: number;
  received: number;
}

const REPLY = / time=([\d.]+) ms/;
const SEQ = / icmp_seq=(\d+) /;
const TOTALS = /(\d+) packets transmitted, (\d+) received/;

/** Asynchronous so that the caller's event loop (e.g. a busy loop) keeps running meanwhile.
 *  `ident` sets the echo identifier (`-e`) so that its probes can be found on the wire. */
export function runPing(ping: string, address: string, count: number, intervalMs: number, size: number, ident?: number): Promise<PingRun> {
  if (!address.startsWith('127.') && address !== '::1') throw new Error(`ping: ${address} is not a loopback address; benchmarks probe loopback only`);
  return new Promise((resolve, reject) => {
    const args = ['-n', '-i', String(intervalMs / 1000), '-c', String(count), '-s', String(size), ...(ident === undefined ? [] : ['-e', String(ident)]), address];
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
      const seqs: number[] = [];
      for (const line of out.split('\n')) {
        const m = REPLY.exec(line);
        if (!m) continue;
        rtts.push(Number(m[1]) * 1000);
        const seq = SEQ.exec(line);
        seqs.push(seq && !line.includes('DUP!') ? Number(seq[1]) : -1);
      }
      resolve({ rttUs: Float64Array.from(rtts), seqs: Int32Array.from(seqs), sent: Number(totals[1]), received: Number(totals[2]) });
    });
  });
}
