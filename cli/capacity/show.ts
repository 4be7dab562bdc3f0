// `sonde capacity show ID`: one stored run, its facts and step table (--json: as stored).
import type { Command } from 'commander';
import { storedRunJson } from '../../engine/index.js';
import { runLine, stepTable } from './run-text.js';
import { addDataOptions, loadRun, withCampaignStore, type DataFlags } from './stored-runs.js';

export function registerShow(command: Command): void {
  addDataOptions(command)
    .argument('<id>', 'run id (or a unique prefix of it; sonde capacity list shows them)')
    .option('--json', 'print the stored run and its steps as JSON (each step\'s histogram base64)')
    .action((id: string, flags: DataFlags & { json?: boolean }) => withCampaignStore(flags, (store) => {
      const { run, steps } = loadRun(store, id);
      if (flags.json === true) {
        process.stdout.write(storedRunJson(run, steps));
        return;
      }
      const h = run.host;
      process.stdout.write(`${runLine(run, steps.length)}\n`
        + `started ${new Date(run.startedAt).toISOString()}${run.endedAt !== null ? `, ended ${new Date(run.endedAt).toISOString()}` : ''}; `
        + `sonde ${run.sondeVersion} on ${h.hostname} (${h.cpuModel}, ${h.cores} cores, kernel ${h.kernel}, node ${h.node})\n`
        + `targets: ${run.targets.length} (${run.targets.slice(0, 5).join(', ')}${run.targets.length > 5 ? ', …' : ''})\n`
        + `${stepTable(run, steps)}\n`);
    }));
}
