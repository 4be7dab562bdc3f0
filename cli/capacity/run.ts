// `sonde capacity run SPEC`: checks the spec (field named), resolves its targets, refuses it
// over a safety cap, then runs it on a probe engine of this process, storing each step in the
// data directory as it ends. Progress on stderr (progress-line.ts); the result on stdout.
// Ctrl-C (or SIGTERM) stops mid-step: the step's partial measurement is kept and the run is
// stored 'stopped'; a second Ctrl-C exits at once. Exit statuses: exit-codes.ts.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  CampaignSpecError, checkSafety, createEngine, openCampaignStore, openSonde, parseCampaignSpec, resolveCampaignTargets, resolveSteps,
  startCampaign, storedRunJson, toSondeConfig, type CampaignRun, type CampaignSpec, type CampaignStepResult, type Engine, type Sonde,
} from '../../engine/index.js';
import { sondeVersion } from '../../server/index.js';
import { addDataOptions, loadConfigOrExit } from '../config-options.js';
import { EXIT_FAILED, EXIT_OK, EXIT_SAFETY_CAP, EXIT_SIGINT, EXIT_SIGTERM, EXIT_USAGE } from './exit-codes.js';
import { ProgressLine } from './progress-line.js';
import { runLine, stepTable } from './run-text.js';
import type { DataFlags } from './stored-runs.js';

interface RunFlags extends DataFlags {
  threads?: number;
  json?: boolean;
}

/** A failure with its exit status: printed as "sonde: message", no stack trace. */
class Exit extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function readSpec(file: string): CampaignSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Exit(EXIT_USAGE, `cannot read the campaign spec ${file}: ${(error as Error).message}`);
  }
  try {
    return parseCampaignSpec(text);
  } catch (error) {
    if (error instanceof CampaignSpecError) throw new Exit(EXIT_USAGE, `${file}: ${error.message}`);
    throw error;
  }
}

function stepDoneLine(s: CampaignStepResult, steps: number): string {
  const p99 = s.rttNs === null ? '–' : `${Number((s.rttNs.p99 / 1e6).toPrecision(3))} ms`;
  return `step ${s.index + 1}/${steps} done: ${s.offeredRate} probes/s offered, ${Math.round(s.achievedRate)} achieved, `
    + `${s.sent} sent, loss ${s.lossPercent.toFixed(2)} %, p99 ${p99}, sonde CPU ${s.self.cpuPercent.toFixed(0)} %, SLO ${s.breaksSlo ? 'broken' : 'met'}${s.knee ? ' (the knee)' : ''}`;
}

async function runCampaignFile(file: string, flags: RunFlags): Promise<number> {
  const spec = readSpec(file);
  const { config } = loadConfigOrExit({ config: flags.config, data: flags.data });
  let sonde: Sonde | null = null;
  let opened: ReturnType<typeof openCampaignStore> | null = null;
  let engine: Engine | null = null;
  const stopSignals: [NodeJS.Signals, () => void][] = [];
  try {
    sonde = await openSonde(toSondeConfig(config, 'tool'));
    opened = openCampaignStore(config.data);
    const store = opened.store;
    let addresses: string[];
    let steps: number;
    try {
      addresses = resolveCampaignTargets(spec, { targets: sonde.targets, baseDir: dirname(resolve(file)) });
      const plan = resolveSteps(spec, addresses.length);
      steps = plan.length;
      try {
        checkSafety(spec, plan, addresses.slice(0, Math.max(...plan.map((s) => s.targets))));
      } catch (error) {
        if (error instanceof CampaignSpecError) throw new Exit(EXIT_SAFETY_CAP, `${file}: refused: ${error.message}`);
        throw error;
      }
    } catch (error) {
      if (error instanceof CampaignSpecError) throw new Exit(EXIT_USAGE, `${file}: ${error.message}`);
      throw error;
    }
    try {
      engine = createEngine(flags.threads !== undefined ? { threads: flags.threads } : {});
    } catch (error) {
      throw new Exit(EXIT_FAILED, `the probe engine did not start: ${(error as Error).message}`);
    }

    const controller = new AbortController();
    let stoppedBy: NodeJS.Signals | null = null;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const onSignal = (): void => {
        if (stoppedBy !== null) process.exit(signal === 'SIGINT' ? EXIT_SIGINT : EXIT_SIGTERM); // the second one: at once
        stoppedBy = signal;
        controller.abort();
      };
      process.on(signal, onSignal);
      stopSignals.push([signal, onSignal]);
    }

    const progress = new ProgressLine();
    let reported = 0;
    let runId = '';
    const reportFinishedSteps = (): void => {
      for (const s of store.getSteps(runId).filter((step) => step.index >= reported)) {
        progress.note(stepDoneLine(s, steps));
        reported = s.index + 1;
      }
    };
    let lastStep = 0;
    const started = startCampaign({
      engine, store, spec, addresses, sondeVersion: sondeVersion(), signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'finished') return;
        try {
          if (p.step !== lastStep) {
            lastStep = p.step;
            reportFinishedSteps();
          }
          progress.update(p);
        } catch {
          // the display only (the runner's timer calls this): the end of the run prints every step
        }
      },
    });
    runId = started.run.id;
    process.stderr.write(`campaign run ${runId} "${spec.name}": ${steps} step(s) over ${addresses.length} target(s); Ctrl-C stops it and keeps what was measured\n`);
    const run: CampaignRun = await started.done;
    progress.clear();
    reportFinishedSteps();
    const stored = store.getSteps(run.id);
    if (flags.json === true) {
      process.stdout.write(storedRunJson(run, stored));
    } else {
      process.stdout.write(`${runLine(run, stored.length)}\n${stepTable(run, stored)}\n`
        + `report: sonde capacity report ${run.id} --html report.html\n`);
    }
    if (run.status === 'stopped') return stoppedBy === 'SIGTERM' ? EXIT_SIGTERM : EXIT_SIGINT;
    return run.status === 'failed' ? EXIT_FAILED : EXIT_OK;
  } finally {
    for (const [signal, handler] of stopSignals) process.off(signal, handler);
    await engine?.close();
    opened?.close();
    await sonde?.close();
  }
}

export function registerRun(command: Command): void {
  addDataOptions(command)
    .argument('<spec>', 'the campaign spec, YAML or JSON (docs/capacity.md); a relative targets.file is read from its folder')
    .addOption(new Option('--threads <n>', 'probe worker threads (default: one per core)').argParser((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError(`must be an integer in 1..256, got "${v}"`);
      return n;
    }))
    .option('--json', 'print the stored run and its steps as JSON on stdout (instead of the table)')
    .addHelpText('after', '\nExit status: 0 done, 1 failed, 2 bad usage or spec (the field is named), 3 refused by a safety cap,\n130 stopped by Ctrl-C (143 by SIGTERM): the partial run is stored as stopped.\n')
    .action(async (file: string, flags: RunFlags) => {
      try {
        process.exitCode = await runCampaignFile(file, flags);
      } catch (error) {
        process.stderr.write(`sonde: ${(error as Error).message}\n`);
        process.exitCode = error instanceof Exit ? error.status : EXIT_FAILED;
      }
    });
}
