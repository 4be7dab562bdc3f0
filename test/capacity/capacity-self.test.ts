// `sonde capacity self` end to end: the built CLI ramps two small sizes, each monitored by a
// real `sonde serve` child on loopback targets; a progress line per size, the table and the
// answer; the run stored as kind 'self' with one step per size whose counts are the stored
// windows' (every target probed once a second). Whether a size meets the goals depends on the
// machine's load, so the test checks that the answer agrees with the stored verdicts.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeCampaignHistogram, openCampaignStore, renderReportHtml, toReportRun } from '../../engine/index.js';

const CLI = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sonde-capacity-self-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, SONDE_CONFIG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('sonde capacity self', () => {
  it('ramps the sizes, prints a line per size and the largest N, and stores the run as kind self', async () => {
    const r = await run(['capacity', 'self', '--sizes', '40,20', '--warmup-seconds', '2', '--seconds', '6', '--window-seconds', '2', '--all', '--data', dir]);
    expect(r.code, r.stderr).toBe(0);
    // sizes are measured ascending, one progress line each
    expect(r.stderr).toMatch(/\[1\/2\] 20 targets: loss [\d.]+ % \(\d+ windows\), drift p99 [\d.]+ ms, CPU [\d.]+ cores, RSS \d+ MB, summary p99 [\d.]+ ms/);
    expect(r.stderr).toMatch(/\[2\/2\] 40 targets: /);
    expect(r.stdout).toMatch(/│ 20 +│/);
    const answer = /largest N meeting the monitoring goals on this host: (.*) \(/.exec(r.stdout);
    expect(answer, r.stdout).not.toBeNull();
    const id = /stored as capacity run (\S+) \(kind self\)/.exec(r.stdout)![1];

    const { store, close } = openCampaignStore(dir);
    try {
      const stored = store.getRun(id)!;
      expect(stored.kind).toBe('self');
      expect(stored.status).toBe('done');
      expect(stored.plan.map((s) => s.targets)).toEqual([20, 40]);
      const steps = store.getSteps(id);
      expect(steps.map((s) => s.params.targets)).toEqual([20, 40]);
      for (const s of steps) {
        // whole 2 s windows of every target at 1 probe/s: sent is a multiple of 2 × N
        expect(s.sent).toBeGreaterThan(0);
        expect(s.sent % (2 * s.params.targets)).toBe(0);
        expect(s.received + s.lost + Object.values(s.errors).reduce((a, b) => a + b, 0)).toBe(s.sent);
        let n = 0;
        decodeCampaignHistogram(s.hdr, (_b, c) => { n += c; });
        expect(n).toBe(s.received);
        expect(s.self.cpuPercent).toBeGreaterThan(0);
        expect(s.self.rssBytes).toBeGreaterThan(10 * 1048576);
        expect(s.self.summaryP99Ms).toBeGreaterThan(0);
      }
      // the answer is the largest size before the first one missing a goal
      const first = steps.findIndex((s) => s.breaksSlo);
      const largest = first === 0 ? null : steps[(first < 0 ? steps.length : first) - 1].params.targets;
      expect(answer![1]).toBe(largest === null ? 'none of the sizes measured meets the goals' : `${largest} targets at 1 s`);
      expect(stored.kneeStep).toBe(first < 0 ? null : first);
      // the report reads it as it reads a campaign: one step per size, labelled by its targets
      const reportRun = toReportRun(stored, steps);
      expect(reportRun.steps.map((s) => s.label)).toEqual(['20 pps, ×20 in flight, 20 targets', '40 pps, ×40 in flight, 40 targets']);
      const report = renderReportHtml(reportRun);
      expect(report.data.charts.length).toBeGreaterThan(0);
      expect(report.html).toContain('40 pps, ×40 in flight, 40 targets');
    } finally {
      close();
    }
  }, 120_000);

  it('refuses a measured period that holds no two whole windows, naming both options', async () => {
    const r = await run(['capacity', 'self', '--seconds', '5', '--window-seconds', '10', '--no-store']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--seconds 5 holds no two whole windows of --window-seconds 10 .*give --seconds ≥ 20 or a shorter --window-seconds/);
  });
});
