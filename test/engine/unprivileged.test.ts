// The engine as an unprivileged user (nobody, via setpriv): with ping sockets permitted (in a
// network namespace the test creates, where net.ipv4.ping_group_range is widened) it falls
// back to SOCK_DGRAM ping sockets and still accounts every probe; with neither raw nor ping
// sockets permitted, a job fails with the binding's documented how-to-fix message.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ICMP_PERMISSION_ERROR } from '../../native-bindings/errors.js';
import { builtWorker, canNetns, createTestNetns, isRoot } from './helpers.js';

const ENGINE = new URL('../../dist/engine/index.js', import.meta.url).href;
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;
const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
const reason = !builtWorker ? 'needs the build (npm run build)' : 'needs root, setpriv and iproute2 (to drop to nobody inside a test network namespace)';

describe.skipIf(!builtWorker || !isRoot || !hasSetpriv || !canNetns)(`as an unprivileged user (${reason})`, () => {
  let dir: string;
  let script: string;
  let netns: ReturnType<typeof createTestNetns>;
  let closed: ReturnType<typeof createTestNetns>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sonde-unpriv-'));
    chmodSync(dir, 0o755);
    script = join(dir, 'ping.mjs');
    writeFileSync(script, `
      import { createEngine } from ${JSON.stringify(ENGINE)};
      const engine = createEngine({ threads: 1 });
      try {
        const s = await engine.ping({ targets: ['127.0.0.1', '::1', '127.0.0.2'], count: 5, intervalMs: 5 });
        console.log(JSON.stringify({ ok: s.targets.map((t) => [t.target, t.sent, t.received, t.duplicates]) }));
      } catch (e) {
        console.log(JSON.stringify({ error: e.message }));
      }
      await engine.close();
    `);
    chmodSync(script, 0o644);
    netns = createTestNetns('unpriv');
    spawnSync('ip', ['netns', 'exec', netns.name, 'sysctl', '-q', '-w', 'net.ipv4.ping_group_range=0 2147483647']);
    closed = createTestNetns('noping');
    spawnSync('ip', ['netns', 'exec', closed.name, 'sysctl', '-q', '-w', 'net.ipv4.ping_group_range=1 0']);
  });
  afterAll(() => {
    netns?.remove();
    closed?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  function run(prefix: string[]): { ok?: Array<[string, number, number, number]>; error?: string } {
    const r = spawnSync(prefix[0], [...prefix.slice(1), process.execPath, script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  }

  it('falls back to ping sockets where the ping group range allows them', () => {
    const result = run(['ip', 'netns', 'exec', netns.name, ...NOBODY]);
    expect(result.error).toBeUndefined();
    expect(result.ok).toEqual([['127.0.0.1', 5, 5, 0], ['::1', 5, 5, 0], ['127.0.0.2', 5, 5, 0]]);
  });

  it('fails the job with the documented message where no ICMP socket is permitted', () => {
    const result = run(['ip', 'netns', 'exec', closed.name, ...NOBODY]);
    expect(result.error).toBe(ICMP_PERMISSION_ERROR);
  });
});
