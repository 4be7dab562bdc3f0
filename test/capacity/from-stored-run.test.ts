// The stored run (engine/capacity/types.ts) as the report reads it, and the --json export.
import { expect, it } from 'vitest';
import { syntheticRun } from '../../bench/lib/synthetic-capacity-run.js';
import { storedRunJson, toReportRun } from '../../engine/capacity/report/index.js';
import { campaignSummary, type CampaignRun, type CampaignStepResult } from '../../engine/capacity/types.js';
import { encodeBuckets } from '../../engine/monitor/hdr-codec.js';

const synthetic = syntheticRun({ steps: 4, kneeStep: 2 });
const plan = synthetic.steps.map((s) => ({ index: s.index, totalRate: s.offeredRate, perTargetRate: s.offeredRate, packetSize: 56, concurrency: 1000, targets: 1, durationS: 55, warmupS: 5 }));
const run: CampaignRun = {
  id: synthetic.id, kind: 'campaign', name: 'stored', spec: { name: 'stored', targets: { addresses: ['127.0.0.1'] }, probe: { kind: 'icmp' }, ramp: { param: 'rate', from: 1000, to: 4000, steps: 4 } },
  plan, sondeVersion: '0.1.0', targets: ['127.0.0.1'], status: 'done', reason: null, startedAt: synthetic.startedAt, endedAt: synthetic.finishedAt, kneeStep: 2, baseP99Ns: 90_000,
  host: { hostname: 'h', cpuModel: 'cpu', cores: 2, kernel: '6.1', node: 'v20', sysctls: { 'net.core.rmem_max': '212992', 'net.ipv4.ping_group_range': '0 2147483647' } },
};
const steps: CampaignStepResult[] = synthetic.steps.map((s) => ({
  runId: run.id, index: s.index, params: plan[s.index], startedAt: s.startMs, endedAt: s.endMs, offeredRate: s.offeredRate, achievedRate: s.achievedRate,
  rateError: s.achievedRate / s.offeredRate - 1, sent: s.sent, received: s.received, duplicates: 0, lost: s.sent - s.received, errors: { unreachable: 0 },
  lossPercent: ((s.sent - s.received) / s.sent) * 100,
  hdr: encodeBuckets(Float64Array.from(s.rtt.buckets.map((b, i) => b * 2 ** 32 + s.rtt.counts[i])), 0, s.rtt.buckets.length),
  rttNs: null, self: { cpuPercent: 10, rssBytes: 1e8, driftP99Ms: 0.3, driftMaxMs: 1 }, breaksSlo: s.index >= 2, knee: s.index === 2,
})).reverse();

it('reads the stored histograms, counters and knee', () => {
  const r = toReportRun(run, steps);
  expect(r.steps.map((s) => s.index)).toEqual([0, 1, 2, 3]);
  r.steps.forEach((s, i) => {
    expect(s.rtt).toEqual(synthetic.steps[i].rtt);
    expect([s.sent, s.received, s.offeredRate, s.knee, s.sloMet]).toEqual([synthetic.steps[i].sent, synthetic.steps[i].received, synthetic.steps[i].offeredRate, i === 2, i < 2]);
  });
  expect(r.host['net.core.rmem_max']).toBe('212992');
});

it('a run\'s summary (GET /v1/campaigns) names its kind, probe, stored steps and knee as the report does', () => {
  expect(campaignSummary(run, 3)).toEqual({
    id: run.id, kind: 'campaign', name: 'stored', probe: 'icmp', status: 'done', reason: null, startedAt: run.startedAt, endedAt: run.endedAt,
    steps: 4, stepsDone: 3, targets: 1, kneeStep: 2, kneeLabel: toReportRun(run, steps).steps[2].label, sondeVersion: '0.1.0',
  });
  expect(campaignSummary(run, 3).kneeLabel).toBe(`${plan[2].totalRate} pps`);
  // a parameter that varies across the plan is named with the rate
  const sized = { ...run, plan: plan.map((p, i) => ({ ...p, packetSize: 64 << i })) };
  expect(campaignSummary(sized, 4).kneeLabel).toBe(`${plan[2].totalRate} pps, 256 B`);
  expect(campaignSummary({ ...run, kneeStep: null, kind: 'self' }, 0)).toMatchObject({ kind: 'self', kneeLabel: null, stepsDone: 0 });
});

it('--json is the stored records, the histograms base64', () => {
  const parsed = JSON.parse(storedRunJson(run, steps)) as { run: unknown; steps: (Omit<CampaignStepResult, 'hdr'> & { hdr: string })[] };
  expect(parsed.run).toEqual(JSON.parse(JSON.stringify(run)));
  const byIndex = [...steps].sort((a, b) => a.index - b.index);
  parsed.steps.forEach((s, i) => {
    expect(Buffer.from(s.hdr, 'base64').equals(Buffer.from(byIndex[i].hdr))).toBe(true);
    expect({ ...s, hdr: undefined }).toEqual({ ...JSON.parse(JSON.stringify(byIndex[i])), hdr: undefined });
  });
});

it('the report route serves the page under a CSP that admits exactly its inline script and style', async () => {
  const { campaignReportRoutes } = await import('../../server/routes/v1/campaign-report.js');
  const { createHash } = await import('node:crypto');
  const [route] = campaignReportRoutes((id) => (id === run.id ? { run, steps } : null));
  const ctx = (id: string) => ({ params: { id } }) as unknown as Parameters<typeof route.handler>[0];
  const answer = await route.handler(ctx(run.id));
  expect(answer.status).toBe(200);
  const html = answer.body as string;
  const csp = answer.headers!['Content-Security-Policy'];
  const inline = (tag: string) => [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => `'sha256-${createHash('sha256').update(m[1]).digest('base64')}'`);
  expect(csp).toBe(`default-src 'none'; script-src ${inline('script').join(' ')}; style-src ${inline('style').join(' ')}; img-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'`);
  expect(() => route.handler(ctx('0193a1b2-0000-7000-8000-00000000ffff'))).toThrow(/no campaign run/);
});
