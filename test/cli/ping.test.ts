// `sonde ping` as a user runs it: the built CLI (dist/cli/index.js) in a child process,
// real probes on loopback (or inside network namespaces the test creates).
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetSummary } from '../../engine/index.js';
import { canNetns, canRaw4, canRaw6, createTestNetns, NO_NETNS, NO_RAW } from '../engine/helpers.js';

const CLI = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));
const built = existsSync(CLI);
const NOT_BUILT = 'needs the build (npm run build): runs dist/cli/index.js';
const hasUnshare = spawnSync('unshare', ['--version']).status === 0;

function sonde(args: string[], options: { input?: string; prefix?: string[] } = {}): SpawnSyncReturns<string> {
  const [cmd, ...pre] = options.prefix ?? [];
  const argv = [...pre, process.execPath, CLI, ...args];
  return spawnSync(cmd ?? argv.shift()!, argv, { encoding: 'utf8', input: options.input ?? '', timeout: 30_000 });
}

function jsonLines(stdout: string): TargetSummary[] {
  return stdout.trim().split('\n').map((line) => JSON.parse(line) as TargetSummary);
}

const PROBE_LINE = /^(\S+) : \[(\d+)\], (\d+) bytes, ([\d.]+) ms \(([\d.]+) avg, (\d+)% loss\)$/;

describe.skipIf(!built)(`sonde ping: usage errors exit 3 (fping's status) and name the argument (${NOT_BUILT})`, () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['count 0', ['ping', '-c', '0', '127.0.0.1'], /--count/],
    ['a non-numeric count', ['ping', '-c', 'many', '127.0.0.1'], /--count/],
    ['a negative period', ['ping', '-p', '-5', '127.0.0.1'], /--period/],
    ['a negative timeout', ['ping', '-t', '-1', '127.0.0.1'], /--timeout/],
    ['size over 65,500', ['ping', '-s', '65501', '127.0.0.1'], /--size/],
    ['ttl 0', ['ping', '--ttl', '0', '127.0.0.1'], /--ttl/],
    ['an unknown option', ['ping', '--bogus', '127.0.0.1'], /--bogus/],
    ['no targets', ['ping'], /no targets/],
    ['an invalid address', ['ping', '127.0.0.1', '300.1.1.1'], /targets\[1\].*300\.1\.1\.1/],
  ];
  for (const [what, args, pattern] of cases) {
    it(`${what}`, () => {
      const r = sonde(args);
      expect(r.status, r.stderr).toBe(3);
      expect(r.stderr).toMatch(pattern);
      expect(r.stdout).toBe('');
    });
  }

  it('an unreadable target file exits 4 (fping: a system call failed) and names the file', () => {
    const r = sonde(['ping', '-f', '/nonexistent/targets.txt']);
    expect(r.status, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/--file.*nonexistent/);
    expect(r.stdout).toBe('');
  });

  it('--help lists every option', () => {
    const r = sonde(['ping', '--help']);
    expect(r.status).toBe(0);
    for (const flag of ['-c, --count', '-p, --period', '-i, --interval', '-t, --timeout', '-s, --size', '--ttl', '-f, --file', '--json', '-q, --quiet', '-6, --ipv6', '--threads']) {
      expect(r.stdout).toContain(flag);
    }
  });
});

describe.skipIf(!built || !canRaw4)(`sonde ping on loopback (${!built ? NOT_BUILT : NO_RAW})`, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sonde-cli-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints fping-style probe lines and a summary table, and exits 0 when every target answered', () => {
    const targets = canRaw6 ? ['127.0.0.1', '::1'] : ['127.0.0.1', '127.0.0.2'];
    const r = sonde(['ping', '-c', '3', '-p', '10', ...targets]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => PROBE_LINE.test(l));
    expect(lines).toHaveLength(6);
    for (const target of targets) {
      const mine = lines.map((l) => PROBE_LINE.exec(l)!).filter((m) => m[1] === target);
      expect(mine.map((m) => m[2])).toEqual(['0', '1', '2']);
      expect(mine.every((m) => m[3] === '64' && m[6] === '0')).toBe(true);
    }
    expect(r.stdout).toMatch(/target\s*│\s*address\s*│\s*sent\s*│\s*rcvd/);
  });

  it('--json prints one parseable summary per target', () => {
    const r = sonde(['ping', '--json', '-c', '4', '-p', '5', '-s', '100', '127.0.0.1', '127.0.0.2', 'localhost']);
    expect(r.status, r.stderr).toBe(0);
    const summaries = jsonLines(r.stdout);
    expect(summaries.map((s) => s.target)).toEqual(['127.0.0.1', '127.0.0.2', 'localhost']);
    for (const s of summaries) {
      expect(s).toMatchObject({ sent: 4, received: 4, duplicates: 0, late: 0, lossPercent: 0, errors: {} });
      expect(s.minMs).toBeGreaterThan(0);
      expect(s.p99Ms).toBeGreaterThanOrEqual(s.p50Ms);
    }
  });

  it('-q prints only the summary', () => {
    const r = sonde(['ping', '-q', '-c', '2', '-p', '5', '127.0.0.1']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').some((l) => PROBE_LINE.test(l))).toBe(false);
    expect(r.stdout).toContain('127.0.0.1');
    expect(r.stdout).toMatch(/│\s*2\s*│\s*2\s*│\s*0%/);
  });

  it('-f reads targets from a file (comments and blank lines ignored) and - from stdin', () => {
    const file = join(dir, 'targets.txt');
    writeFileSync(file, '# loopback targets\n127.0.0.1\n\n  127.0.0.2   # second\n#127.0.0.3\n');
    const fromFile = sonde(['ping', '--json', '-c', '1', '-f', file, '127.0.0.4']);
    expect(fromFile.status, fromFile.stderr).toBe(0);
    expect(jsonLines(fromFile.stdout).map((s) => s.target)).toEqual(['127.0.0.4', '127.0.0.1', '127.0.0.2']);
    const fromStdin = sonde(['ping', '--json', '-c', '1', '-f', '-'], { input: '127.0.0.5\n127.0.0.6\n' });
    expect(fromStdin.status, fromStdin.stderr).toBe(0);
    expect(jsonLines(fromStdin.stdout).map((s) => [s.target, s.received])).toEqual([['127.0.0.5', 1], ['127.0.0.6', 1]]);
  });

  it('Ctrl-C cancels and prints what was measured', async () => {
    const child = spawn(process.execPath, [CLI, 'ping', '-c', '10000', '-p', '10', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    // Wait for the first probe lines, then interrupt.
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if ((stdout.match(/\n/g) ?? []).length >= 5) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(stdout).toContain('interrupted');
    const row = /│ 127\.0\.0\.1 │ 127\.0\.0\.1 │\s*(\d+) │\s*(\d+) │/.exec(stdout);
    expect(row).not.toBeNull();
    const sent = Number(row![1]);
    expect(sent).toBeGreaterThanOrEqual(5);
    expect(sent).toBeLessThan(10_000);
    expect(Number(row![2])).toBe(sent);
  });
});

describe.skipIf(!built || !canRaw4 || !canNetns)(`sonde ping exits 1 when a target does not answer (${!built ? NOT_BUILT : !canRaw4 ? NO_RAW : NO_NETNS})`, () => {
  let netns: ReturnType<typeof createTestNetns>;
  beforeAll(() => {
    netns = createTestNetns('cli', { silent: true });
  });
  afterAll(() => {
    netns?.remove();
  });

  it('prints timed-out lines and 100% loss inside a namespace where nothing answers', () => {
    const r = sonde(['ping', '-c', '2', '-p', '10', '-t', '100', '127.0.0.1'], { prefix: ['ip', 'netns', 'exec', netns.name] });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^127\.0\.0\.1 : \[0\], timed out \(NaN avg, 100% loss\)$/m);
    expect(r.stdout).toMatch(/^127\.0\.0\.1 : \[1\], timed out \(NaN avg, 100% loss\)$/m);
    expect(r.stdout).toMatch(/│\s*2\s*│\s*0\s*│\s*100%/);
  });

  it.skipIf(!hasUnshare)('reports a name that does not resolve for that target only, exit 2 (no network at all: unshare -n)', () => {
    // A fresh namespace with only loopback up: the DNS lookup fails without any packet leaving.
    const r = sonde(['ping', '--json', '-c', '1', 'no-such-host.invalid', '127.0.0.1'], {
      prefix: ['unshare', '-n', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh'],
    });
    expect(r.status, r.stderr).toBe(2);
    const [missing, answered] = jsonLines(r.stdout);
    expect(missing.target).toBe('no-such-host.invalid');
    expect(missing.error).toMatch(/targets\[0\].*did not resolve/);
    expect(missing.sent).toBe(0);
    expect(answered).toMatchObject({ target: '127.0.0.1', sent: 1, received: 1 });
  });
});
