// Options every daemon-side command shares (where the data and config live) and the loader
// that turns them into a validated DaemonConfig, printing config errors plainly.
import { Command, Option } from 'commander';
import { ConfigError, loadConfig, openSonde, toSondeConfig, type ConfigFlags, type LoadedConfig, type Sonde } from '../engine/index.js';

export function addDataOptions(command: Command): Command {
  return command
    .addOption(new Option('--config <path>', 'YAML config file (default: $SONDE_CONFIG, else ./sonde.yaml if present)'))
    .addOption(new Option('--data <dir>', 'data directory with the SQLite database (default: $SONDE_DATA, else ./data)'));
}

/** Loads the layered config; on a bad value prints what and where, and exits 2. */
export function loadConfigOrExit(flags: ConfigFlags): LoadedConfig {
  try {
    return loadConfig({ flags });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`sonde: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/** Prints a failure without a stack trace (bad input is not a crash) and exits 1. */
export function failAndExit(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`sonde: ${message}\n`);
  process.exit(1);
}

/**
 * Opens the data directory as a tool (no job recovery, no timers: safe next to a running
 * daemon), runs `run`, closes it, and turns any failure into a plain message and exit 1.
 */
export async function withSonde(flags: { config?: string; data?: string }, run: (sonde: Sonde) => void): Promise<void> {
  const { config } = loadConfigOrExit({ config: flags.config, data: flags.data });
  let sonde: Sonde;
  try {
    sonde = await openSonde(toSondeConfig(config, 'tool'));
  } catch (error) {
    failAndExit(error);
  }
  let failure: unknown;
  try {
    run(sonde);
  } catch (error) {
    failure = error;
  }
  await sonde.close();
  if (failure !== undefined) failAndExit(failure);
}
