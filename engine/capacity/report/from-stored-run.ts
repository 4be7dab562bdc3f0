// The report's view of a stored campaign run (engine/capacity/types.ts: the run record and its
// step rows), and the `--json` export: the stored records as they are, the histogram base64
// (as the API serves it).
import { decodeBuckets } from '../../monitor/hdr-codec.js';
import { stepLabel } from '../step-label.js';
import type { CampaignRun, CampaignStepResult } from '../types.js';
import type { ReportRun, ReportStep } from './report-model.js';

function sloText(run: CampaignRun): string {
  const slo = run.spec.slo ?? {};
  const parts = [`loss ≤ ${slo.maxLossPercent ?? 0.1} %`, `p99 ≤ ${slo.maxP99Factor ?? 2} × step 1's`];
  if (slo.maxP99Ms !== undefined) parts.push(`p99 ≤ ${slo.maxP99Ms} ms`);
  return parts.join(', ');
}

export function toReportStep(s: CampaignStepResult, plan: CampaignRun['plan']): ReportStep {
  const buckets: number[] = [];
  const counts: number[] = [];
  if (s.hdr.length > 0) decodeBuckets(s.hdr, (b, c) => { buckets.push(b); counts.push(c); });
  const errors: Record<string, number> = {};
  for (const [k, n] of Object.entries(s.errors)) if (n !== undefined) errors[k] = n;
  return {
    index: s.index, label: stepLabel(s.offeredRate, s.params, plan), startMs: s.startedAt, endMs: s.endedAt,
    offeredRate: s.offeredRate, achievedRate: s.achievedRate,
    packetSize: s.params.packetSize, concurrency: s.params.concurrency, targets: s.params.targets,
    sent: s.sent, received: s.received, duplicates: s.duplicates, errors,
    rtt: { buckets, counts },
    cpuPercent: s.self.cpuPercent, rssBytes: s.self.rssBytes, driftP99Ms: s.self.driftP99Ms,
    knee: s.knee, sloMet: !s.breaksSlo,
  };
}

export function toReportRun(run: CampaignRun, steps: readonly CampaignStepResult[]): ReportRun {
  const h = run.host;
  return {
    id: run.id, name: run.name, status: run.reason === null ? run.status : `${run.status} (${run.reason})`,
    startedAt: run.startedAt, finishedAt: run.endedAt, version: run.sondeVersion,
    host: {
      hostname: h.hostname, 'CPU model': h.cpuModel, cores: h.cores, kernel: h.kernel, node: h.node,
      'net.core.rmem_max': h.sysctls['net.core.rmem_max'], 'net.ipv4.ping_group_range': h.sysctls['net.ipv4.ping_group_range'],
    },
    slo: sloText(run),
    steps: [...steps].sort((a, b) => a.index - b.index).map((s) => toReportStep(s, run.plan)),
  };
}

/** `--json`: the stored run and its steps, the histograms base64. */
export function storedRunJson(run: CampaignRun, steps: readonly CampaignStepResult[]): string {
  const body = { run, steps: [...steps].sort((a, b) => a.index - b.index).map((s) => ({ ...s, hdr: Buffer.from(s.hdr).toString('base64') })) };
  return `${JSON.stringify(body, null, 2)}\n`;
}
