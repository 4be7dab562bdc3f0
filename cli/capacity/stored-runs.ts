// What the `sonde capacity` readers share: the campaign store opened straight on the data
// directory (as `sonde monitors` does; safe next to a running daemon or `capacity run`), a
// run found by its id or a unique prefix of it, and output to a file or stdout.
import { writeFileSync } from 'node:fs';
import { openCampaignStore, type CampaignRun, type CampaignStepResult, type CampaignStore } from '../../engine/index.js';
import { addDataOptions, failAndExit, loadConfigOrExit } from '../config-options.js';
import type { Command } from 'commander';
import { EXIT_USAGE } from './exit-codes.js';

export interface DataFlags {
  config?: string;
  data?: string;
}

export { addDataOptions };

/** Bad usage (options that do not fit together): exit 2, like commander's own usage errors. */
export class UsageError extends Error {}

export async function withCampaignStore(flags: DataFlags, use: (store: CampaignStore) => void | Promise<void>): Promise<void> {
  const { config } = loadConfigOrExit({ config: flags.config, data: flags.data });
  let opened: ReturnType<typeof openCampaignStore>;
  try {
    opened = openCampaignStore(config.data);
  } catch (error) {
    failAndExit(error);
  }
  try {
    await use(opened.store);
  } catch (error) {
    opened.close();
    if (error instanceof UsageError) {
      process.stderr.write(`sonde: ${error.message}\n`);
      process.exit(EXIT_USAGE);
    }
    failAndExit(error);
  }
  opened.close();
}

/** The stored run `id` (or the one run whose id starts with it) and its steps; throws saying how to find the ids. */
export function loadRun(store: CampaignStore, id: string): { run: CampaignRun; steps: CampaignStepResult[] } {
  let run = store.getRun(id);
  if (run === null && id.length >= 4) {
    const matches = store.listRuns(100_000).filter((r) => r.id.startsWith(id.toLowerCase()));
    if (matches.length > 1) throw new Error(`campaign run id prefix ${id} matches ${matches.length} runs: give more of the id (sonde capacity list shows them)`);
    run = matches[0] ?? null;
  }
  if (run === null) throw new Error(`no campaign run ${id} in this data directory: sonde capacity list shows the ids`);
  return { run, steps: store.getSteps(run.id) };
}

/** Writes text to `file`, or to stdout when file is true / '-'. */
export function writeOut(file: string | true, text: string, what: string): void {
  if (file === true || file === '-') {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(file, text);
  } catch (error) {
    throw new Error(`cannot write the ${what} to ${file}: ${(error as Error).message}`);
  }
  process.stderr.write(`wrote the ${what} to ${file} (${Buffer.byteLength(text)} bytes)\n`);
}

export type { Command };
