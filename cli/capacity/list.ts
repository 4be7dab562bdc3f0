// `sonde capacity list`: the stored runs, newest first.
import type { Command } from 'commander';
import { campaignSummary } from '../../engine/index.js';
import { createTable } from '../table.js';
import { addDataOptions, UsageError, withCampaignStore, type DataFlags } from './stored-runs.js';

export function registerList(command: Command): void {
  addDataOptions(command)
    .option('--limit <n>', 'at most this many runs (newest first)', '100')
    .option('--json', 'print JSON: {"items": [{id, kind, name, probe, status, reason, startedAt, endedAt, steps, stepsDone, targets, kneeStep, kneeLabel, sondeVersion}, …]}')
    .action((flags: DataFlags & { limit: string; json?: boolean }) => withCampaignStore(flags, (store) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got "${flags.limit}"`);
      const runs = store.listRuns(limit);
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify({ items: runs.map((r) => campaignSummary(r, store.countSteps(r.id))) })}\n`);
        return;
      }
      const table = createTable({ head: ['id', 'name', 'status', 'started', 'steps', 'knee', 'reason'] });
      for (const r of runs) {
        const stored = store.countSteps(r.id);
        table.push([r.id, r.name, r.status, new Date(r.startedAt).toISOString(), `${stored}/${r.plan.length}`, r.kneeStep === null ? '' : r.kneeStep + 1, r.reason ?? '']);
      }
      process.stdout.write(`${table.toString()}\n${runs.length} run(s)\n`);
    }));
}
