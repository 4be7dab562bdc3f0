// sonde as fping: the built CLI run through an `fping` symlink (in a temp dir), the way
// scripts and SmokePing's FPing probe run fping. Loopback, a namespace where nothing
// answers, and the network simulator's hosts (198.18.x, inside its own namespace) only.
import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netsimAvailability, startNetsim, type Netsim } from '../../netsim/netsim.js';
import { canNetns, canRaw4, createTestNetns, NO_NETNS, NO_RAW } from '../engine/helpers.js';
import { waitFor } from '../wait-for.js';

const CLI = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));
const built = existsSync(CLI);
const NOT_BUILT = 'needs the build (npm run build): runs dist/cli/index.js';

/**
 * fping -C's per-host line ("127.0.0.1 : 0.03 0.02 - 0.04 0.03", on stderr), as SmokePing's
 * FPing.pm reads it: the host, a colon, then one field per probe, a number or `-` for a lost one.
 */
const SMOKEPING_LINE = /^(\S+)\s+:\s+([-\d.]+(?:\s+[-\d.]+)*)$/;
/** SmokePing's FPing probe: `fping -C <pings> -q -B1 -r1 -i<mininterval> <hosts>`. */
const SMOKEPING_ARGS = ['-C', '5', '-q', '-B1', '-r1', '-i10'];
const STATS_LINE = /^(\S+)\s+: xmt\/rcv\/%loss = (\d+)\/(\d+)\/(\d+)%(?:, min\/avg\/max = ([\d.]+)\/([\d.]+)\/([\d.]+))?$/;

let dir: string;
let fping: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sonde-fping-'));
  fping = join(dir, 'fping');
  symlinkSync(CLI, fping);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], prefix: string[] = []): SpawnSyncReturns<string> {
  const argv = [...prefix, process.execPath, fping, ...args];
  return spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', input: '', timeout: 60_000 });
}

function smokepingValues(stderr: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of stderr.split('\n').filter((l) => l !== '')) {
    const m = SMOKEPING_LINE.exec(line);
    expect(m, `not an fping -C line: ${JSON.stringify(line)}`).not.toBeNull();
    out.set(m![1], m![2].split(/\s+/));
  }
  return out;
}

describe.skipIf(!built)(`fping symlink: usage (${NOT_BUILT})`, () => {
  it('bad usage exits 3 (-c 0, an unknown option, -a with -u)', () => {
    for (const args of [['-c', '0', '127.0.0.1'], ['--bogus', '127.0.0.1'], ['-a', '-u', '127.0.0.1']]) {
      const r = run(args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(3);
      expect(r.stdout).toBe('');
    }
  });

  it('an option sonde does not implement yet is refused with exit 3, never ignored', () => {
    for (const args of [['-S', '127.0.0.1', '127.0.0.1'], ['-I', 'lo', '127.0.0.1']]) {
      const r = run(args);
      expect(r.status, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/not supported yet/);
    }
  });

  it('-g refuses a range larger than the cap and names the cap', () => {
    const r = run(['-g', '127.0.0.0/8']);
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/at most 100,000/);
    const range = run(['-g', '127.0.0.0', '127.2.0.0']);
    expect(range.status).toBe(3);
    expect(range.stderr).toMatch(/at most 100,000/);
  });

  it('a target file that cannot be opened exits 4 (a system call failed)', () => {
    const r = run(['-f', join(dir, 'missing.txt')]);
    expect(r.status, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/missing\.txt/);
  });
});

describe.skipIf(!built || !canRaw4)(`fping symlink on loopback (${!built ? NOT_BUILT : NO_RAW})`, () => {
  it('SmokePing\'s command line: only -C lines on stderr, each parseable, 5 RTTs per host, exit 0', () => {
    const r = run([...SMOKEPING_ARGS, '127.0.0.1', '127.0.0.2']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const values = smokepingValues(r.stderr);
    expect([...values.keys()]).toEqual(['127.0.0.1', '127.0.0.2']);
    for (const rtts of values.values()) {
      expect(rtts).toHaveLength(5);
      for (const v of rtts) expect(Number(v)).toBeGreaterThan(0);
    }
  });

  it('default mode: "is alive" lines; -a / -u / -e / -x / -s', () => {
    const plain = run(['127.0.0.1', '127.0.0.2']);
    expect(plain.status).toBe(0);
    expect(plain.stdout).toBe('127.0.0.1 is alive\n127.0.0.2 is alive\n');
    expect(run(['-a', '127.0.0.1']).stdout).toBe('127.0.0.1\n');
    expect(run(['-u', '127.0.0.1']).stdout).toBe('');
    expect(run(['-e', '127.0.0.1']).stdout).toMatch(/^127\.0\.0\.1 is alive \(\d+\.\d{3} ms\)\n$/);
    const x = run(['-x', '2', '127.0.0.1', '127.0.0.2']);
    expect(x.status).toBe(0);
    expect(x.stdout).toBe('Enough hosts reachable (required: 2, reachable: 2)\n');
    const s = run(['-s', '127.0.0.1']);
    expect(s.stderr).toMatch(/^\n {7}1 targets\n {7}1 alive\n {7}0 unreachable\n {7}0 unknown addresses\n\n/);
  });

  it('-c: per-probe lines on stdout, a blank line and the summary on stderr; -D prefixes the Unix time', () => {
    const r = run(['-c', '3', '-p', '10', '-D', '127.0.0.1']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    lines.forEach((l, i) => expect(l).toMatch(new RegExp(`^\\[\\d+\\.\\d{5}\\] 127\\.0\\.0\\.1 : \\[${i}\\], 64 bytes, [\\d.]+ ms \\([\\d.]+ avg, 0% loss\\)$`)));
    expect(r.stderr.startsWith('\n')).toBe(true);
    expect(STATS_LINE.exec(r.stderr.trim())?.slice(1, 5)).toEqual(['127.0.0.1', '3', '3', '0']);
  });

  it('-g 127.0.0.0/28 probes the 14 host addresses', () => {
    const r = run(['-g', '127.0.0.0/28', '-c', '1', '-q', '-p', '10']);
    expect(r.status, r.stderr).toBe(0);
    const hosts = r.stderr.trim().split('\n').map((l) => STATS_LINE.exec(l));
    expect(hosts.map((m) => m?.[1])).toEqual(Array.from({ length: 14 }, (_, i) => `127.0.0.${i + 1}`));
    for (const m of hosts) expect(m!.slice(2, 4)).toEqual(['1', '1']);
  });

  it('a name that does not resolve: a warning naming it, the others probed, exit 2', () => {
    const r = run(['-C', '1', '-q', 'no-such-host.invalid', '127.0.0.1']);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^127\.0\.0\.1 : [\d.]+$/m);
    const verbose = run(['no-such-host.invalid', '127.0.0.1']);
    expect(verbose.status).toBe(2);
    expect(verbose.stderr).toBe('no-such-host.invalid: Name or service not known\n');
    expect(verbose.stdout).toBe('127.0.0.1 is alive\n');
  });

  it('-l -Q 1: a summary each interval, and on SIGINT the final summary, exit 0', async () => {
    const child = spawn(process.execPath, [fping, '-l', '-Q', '1', '-p', '100', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await waitFor(() => (stderr.match(/^\[\d\d:\d\d:\d\d\]$/gm) ?? []).length >= 2, { timeoutMs: 20_000, message: 'two -Q reports' });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    // Each report: a [HH:MM:SS] line, then the host's split; the last line is the total.
    const reports = lines.flatMap((l, i) => (/^\[\d\d:\d\d:\d\d\]$/.test(l) ? [i] : []));
    for (const i of reports) expect(STATS_LINE.test(lines[i + 1]), lines[i + 1]).toBe(true);
    const total = STATS_LINE.exec(lines[lines.length - 1]);
    expect(total, lines[lines.length - 1]).not.toBeNull();
    const splitSent = reports.map((i) => Number(STATS_LINE.exec(lines[i + 1])![2]));
    expect(Number(total![2])).toBeGreaterThanOrEqual(splitSent.reduce((a, b) => a + b, 0));
    expect(Number(total![3])).toBe(Number(total![2]));
  });
});

describe.skipIf(!built || !canRaw4 || !canNetns)(`fping symlink where nothing answers (${!built ? NOT_BUILT : !canRaw4 ? NO_RAW : NO_NETNS})`, () => {
  let netns: ReturnType<typeof createTestNetns>;
  beforeAll(() => {
    netns = createTestNetns('fping', { silent: true });
  });
  afterAll(() => netns?.remove());

  it('exit 1 with -, "timed out" lines and "is unreachable" after the retries', () => {
    const prefix = ['ip', 'netns', 'exec', netns.name];
    const c = run(['-C', '2', '-p', '10', '-t', '50', '127.0.0.1'], prefix);
    expect(c.status, c.stderr).toBe(1);
    expect(c.stdout).toBe('127.0.0.1 : [0], timed out (NaN avg, 100% loss)\n127.0.0.1 : [1], timed out (NaN avg, 100% loss)\n');
    expect(c.stderr).toBe('\n127.0.0.1 : - -\n');
    const plain = run(['-t', '20', '-r', '2', '-s', '127.0.0.1'], prefix);
    expect(plain.status).toBe(1);
    expect(plain.stdout).toBe('127.0.0.1 is unreachable\n');
    // One probe and two retries.
    expect(plain.stderr).toMatch(/^ {7}3 ICMP Echos sent$/m);
  });
});

describe.skipIf(!built || !canRaw4 || !canNetns)(`fping symlink -M over a small MTU (${!built ? NOT_BUILT : !canRaw4 ? NO_RAW : NO_NETNS})`, () => {
  let netns: ReturnType<typeof createTestNetns>;
  beforeAll(() => {
    netns = createTestNetns('fping-mtu');
    execFileSync('ip', ['-n', netns.name, 'link', 'set', 'lo', 'mtu', '1280']);
  });
  afterAll(() => netns?.remove());

  it('without -M a probe larger than the MTU goes out in fragments and is answered; with -M it fails to send', () => {
    const prefix = ['ip', 'netns', 'exec', netns.name];
    const fragmented = run(['-C', '2', '-q', '-p', '10', '-b', '1400', '127.0.0.1'], prefix);
    expect(fragmented.status, fragmented.stderr).toBe(0);
    expect(smokepingValues(fragmented.stderr).get('127.0.0.1')?.every((v) => Number(v) > 0)).toBe(true);
    const df = run(['-C', '2', '-q', '-p', '10', '-b', '1400', '-M', '127.0.0.1'], prefix);
    expect(df.status, df.stderr).toBe(1);
    expect(df.stderr).toBe('127.0.0.1 : - -\n');
  });
});

const availability = netsimAvailability();
describe.skipIf(!built || !availability.ok)(`fping symlink against the simulator's lossy host (${availability.ok ? NOT_BUILT : availability.reason})`, () => {
  let sim: Netsim;
  const LOSSY = '198.18.9.1';
  beforeAll(async () => {
    // Every second request to the lossy host goes unanswered: probes 1 and 3 of 5 (0-based).
    sim = await startNetsim({ seed: 16, hosts: { [LOSSY]: { loss: { every: 2 }, latency: 1 } } });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('SmokePing\'s command line reports the lost probes as -', () => {
    const r = run([...SMOKEPING_ARGS, '-p', '20', '-t', '200', LOSSY], ['ip', 'netns', 'exec', sim.name]);
    expect(r.status, r.stderr).toBe(0);
    const rtts = smokepingValues(r.stderr).get(LOSSY);
    expect(rtts).toHaveLength(5);
    expect(rtts!.map((v) => v === '-')).toEqual([false, true, false, true, false]);
    for (const v of [rtts![0], rtts![2], rtts![4]]) expect(Number(v)).toBeGreaterThanOrEqual(1);
  });
});
