// `sonde capacity report ID --html FILE | --json [FILE] | --csv [FILE]`: the stored run as the
// self-contained HTML report, or exported as it is stored (JSON) or one row per step (CSV).
// Without FILE (or with -) the export goes to stdout.
import type { Command } from 'commander';
import { renderReportHtml, reportCsv, storedRunJson, toReportRun } from '../../engine/index.js';
import { addDataOptions, loadRun, UsageError, withCampaignStore, writeOut, type DataFlags } from './stored-runs.js';

interface ReportFlags extends DataFlags {
  html?: string | true;
  json?: string | true;
  csv?: string | true;
}

export function registerReport(command: Command): void {
  addDataOptions(command)
    .argument('<id>', 'run id (or a unique prefix of it; sonde capacity list shows them)')
    .option('--html [file]', 'write the HTML report (charts, step table, host facts; opens offline)')
    .option('--json [file]', 'export the stored run and its steps as JSON (histograms base64)')
    .option('--csv [file]', 'export one CSV row per step, the RTT buckets included')
    .action((id: string, flags: ReportFlags) => withCampaignStore(flags, (store) => {
      const wanted = (['html', 'json', 'csv'] as const).filter((k) => flags[k] !== undefined);
      if (wanted.length !== 1) throw new UsageError(`give exactly one of --html, --json, --csv (got ${wanted.length === 0 ? 'none' : wanted.map((k) => `--${k}`).join(', ')})`);
      const { run, steps } = loadRun(store, id);
      const format = wanted[0];
      const target = flags[format]!;
      if (format === 'json') writeOut(target, storedRunJson(run, steps), 'JSON export');
      else if (format === 'csv') writeOut(target, reportCsv(toReportRun(run, steps)), 'CSV export');
      else writeOut(target, renderReportHtml(toReportRun(run, steps)).html, 'HTML report');
    }));
}
