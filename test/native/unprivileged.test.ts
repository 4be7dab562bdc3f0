// Without CAP_NET_RAW: a small script runs as `nobody` (setpriv, no capabilities) inside a
// network namespace this test creates. net.ipv4.ping_group_range is per namespace, so the
// test sets it there and the host's value is never touched.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ICMP_PERMISSION_ERROR } from '../../native-bindings/index.js';
import { isRoot, sh } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const NS = `sonde-u-${process.pid}`;
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;

/** Copies what the probe needs into a world-readable temp tree: /work (or wherever the
 *  checkout lives) need not be traversable by nobody. */
function stageForNobody(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-nobody-'));
  const files = [
    'package.json',
    'native-bindings/build/Release/sonde_native.node',
    'dist/test/native/fixtures/unprivileged-probe.js',
    ...readdirSync(join(root, 'dist/native-bindings')).filter((f) => f.endsWith('.js')).map((f) => `dist/native-bindings/${f}`),
  ];
  for (const f of files) cpSync(join(root, f), join(dir, f));
  cpSync(join(root, 'node_modules/ipaddr.js'), join(dir, 'node_modules/ipaddr.js'), { recursive: true });
  const open = (p: string): void => {
    const isDir = statSync(p).isDirectory();
    chmodSync(p, isDir ? 0o755 : 0o644);
    if (isDir) for (const e of readdirSync(p)) open(join(p, e));
  };
  open(dir);
  return dir;
}

interface ProbeOutcome {
  uid: number;
  mode?: string;
  localId?: number;
  matched?: number;
  error?: string;
  code?: string;
}

function runAsNobody(stage: string, pingGroupRange: string): ProbeOutcome {
  sh('ip', ['netns', 'exec', NS, 'sysctl', '-q', '-w', `net.ipv4.ping_group_range=${pingGroupRange}`]);
  const stdout = execFileSync(
    'ip',
    ['netns', 'exec', NS, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--',
      process.execPath, join(stage, 'dist/test/native/fixtures/unprivileged-probe.js')],
    { encoding: 'utf8', cwd: stage, timeout: 20_000 },
  );
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ProbeOutcome;
}

describe.skipIf(!isRoot || !hasSetpriv)('as an unprivileged user (needs root to create the namespace and drop to nobody)', () => {
  let stage = '';
  beforeAll(() => {
    stage = stageForNobody();
    sh('ip', ['netns', 'add', NS]);
    sh('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  });
  afterAll(() => {
    spawnSync('ip', ['netns', 'del', NS]);
    if (stage && dirname(stage) === tmpdir()) rmSync(stage, { recursive: true, force: true });
  });

  it('with ping_group_range "1 0" the error is the documented one', () => {
    const outcome = runAsNobody(stage, '1 0');
    expect(outcome.uid).toBe(65534);
    expect(outcome.mode).toBeUndefined();
    expect(outcome.error).toBe(ICMP_PERMISSION_ERROR);
    expect(outcome.code).toBe('EPERM');
  });

  it("mode 'auto' falls back to a ping socket when the range allows it, and echoes round-trip", () => {
    const outcome = runAsNobody(stage, '0 2147483647');
    expect(outcome.uid).toBe(65534);
    expect(outcome.error).toBeUndefined();
    expect(outcome.mode).toBe('dgram');
    expect(outcome.localId).toBeGreaterThan(0);
    expect(outcome.matched).toBe(5);
  });
});
